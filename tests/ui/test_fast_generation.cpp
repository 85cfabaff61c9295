// Few-step generation and LoRAs in the studio: the Fast preset, the sampler fields that reach the
// engine request, LCM + TAESD and LoRA rows generating through the real worker on sd-tiny, the
// LCM-LoRA download offer, and the LoRA list in settings.yaml.
#include "tests/support/catch.h"

#include "tests/hub/fake_hub.h"
#include "tests/support/fixtures.h"
#include "tests/ui/ui_test_support.h"
#include "ui/engine_backend.h"
#include "ui/engine_worker.h"
#include "ui/gallery_view.h"
#include "ui/job_router.h"
#include "ui/jobs_view.h"
#include "ui/lora_list.h"
#include "ui/main_window.h"
#include "ui/prompt_panel.h"
#include "ui/sampler_panel.h"

#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QImage>
#include <QMessageBox>
#include <QPushButton>
#include <QSlider>
#include <QToolButton>

#include <filesystem>
#include <map>

#include "core/jobs/generate_job.h"
#include "core/jobs/job_error.h"
#include "core/util/cpu_features.h"

using namespace pictor::ui;
using pictor::test::ensureApp;
using pictor::test::FakeHub;
using pictor::test::find;
using pictor::test::ScopedEnv;
using pictor::test::TempDir;
using pictor::test::waitUntil;

namespace {

namespace fs = std::filesystem;

QString qpath(const fs::path& p) { return QString::fromStdString(p.string()); }

GenerationParams tinyParams(const fs::path& sd) {
    GenerationParams p;
    p.prompt = "a photo of an astronaut riding a horse on mars";
    p.model = qpath(sd);
    p.scheduler = "PNDM";
    p.steps = 4;
    p.guidance = 7.5;
    p.imagesPerPrompt = 2;
    p.width = 64;
    p.height = 64;
    p.seed = 1234;
    return p;
}

QString cpuDtype() { return pictor::cpu_has_fast_bf16() ? QStringLiteral("bf16") : QStringLiteral("f32"); }

// Runs generations on a private worker and collects what comes back.
struct WorkerRun {
    EngineThread engine;
    QObject receiver;
    QVector<GalleryItem> items;
    std::map<int, JobState> states;
    std::map<int, MissingModel> missing;
    QString message;

    WorkerRun() {
        EngineWorker* w = engine.worker();
        QObject::connect(w, &EngineWorker::imageGenerated, &receiver, [this](int, const GalleryItem& item) { items << item; });
        QObject::connect(w, &EngineWorker::modelMissing, &receiver, [this](int id, const MissingModel& m) { missing[id] = m; });
        QObject::connect(w, &EngineWorker::jobFinished, &receiver, [this](int id, JobState s, const QString& m) {
            states[id] = s;
            message = m;
        });
    }
    JobState run(const GenerationParams& params, const QString& out) {
        items.clear();
        const int id = engine.worker()->submit(GenerateRequest{params, out});
        REQUIRE(waitUntil([&] { return states.count(id) > 0; }, 180000));
        return states[id];
    }
};

}  // namespace

TEST_CASE("the Fast preset sets LCM + LCM-LoRA for SD 1.5 and Euler a trailing for SD-Turbo", "[ui][fast]") {
    ensureApp();
    TempDir dir;
    SamplerPanel panel;
    QString status;
    QObject::connect(&panel, &SamplerPanel::presetApplied, &panel, [&](const QString& s) { status = s; });
    GenerationParams start;
    start.model = QStringLiteral("stable-diffusion-v1-5/stable-diffusion-v1-5");
    start.scheduler = QStringLiteral("PNDM");
    start.width = 512;
    start.loras = {LoraEntry{QStringLiteral("/loras/style.safetensors"), 0.6}};
    panel.setParams(start);

    auto* fast = find<QPushButton>(panel, QStringLiteral("fastPreset"));
    CHECK(fast->shortcut() == QKeySequence(QStringLiteral("Ctrl+Shift+F")));
    CHECK_FALSE(fast->toolTip().isEmpty());

    SECTION("SD 1.5: LCM, the LCM-LoRA at 1, 4 steps, guidance 1, TAESD, bf16 where the CPU has it") {
        fast->click();
        const GenerationParams p = panel.params();
        CHECK(p.scheduler == QStringLiteral("LCM"));
        CHECK(p.steps == 4);
        CHECK(p.guidance == 1.0);
        CHECK(p.timestepSpacing.isEmpty());
        CHECK(p.decoder == QStringLiteral("taesd"));
        CHECK(p.dtype == (pictor::cpu_has_fast_bf16() ? QStringLiteral("bf16") : QString()));
        REQUIRE(p.loras.size() == 2);  // the user's LoRA stays
        CHECK(p.loras[0] == start.loras[0]);
        CHECK(p.loras[1] == (LoraEntry{QStringLiteral("lcm-lora-sdv1-5"), 1.0}));
        CHECK(p.width == 512);         // fields the preset does not own are left alone
        CHECK(p.model == start.model);
        CHECK(status.contains(QStringLiteral("LCM-LoRA")));
        CHECK(status.contains(QStringLiteral("TAESD")));
        fast->click();  // twice: still one LCM-LoRA row
        CHECK(panel.params().loras.size() == 2);

        // Undo = change the fields back.
        GenerationParams back = panel.params();
        back.scheduler = start.scheduler;
        back.steps = start.steps;
        back.guidance = start.guidance;
        back.decoder = start.decoder;
        back.dtype = start.dtype;
        back.loras = start.loras;
        panel.setParams(back);
        CHECK(panel.params() == start);
    }
    SECTION("SD-Turbo by name: Euler a, trailing, 1 step, guidance 0, no LCM-LoRA") {
        fast->click();  // first the SD 1.5 preset (adds the LCM-LoRA) ...
        GenerationParams p = panel.params();
        p.model = QStringLiteral("stabilityai/sd-turbo");
        panel.setParams(p);
        fast->click();  // ... then Turbo takes it out again
        p = panel.params();
        CHECK(p.scheduler == QStringLiteral("Euler a"));
        CHECK(p.timestepSpacing == QStringLiteral("trailing"));
        CHECK(p.steps == 1);
        CHECK(p.guidance == 0.0);
        CHECK(p.decoder == QStringLiteral("taesd"));
        CHECK(p.dtype == (pictor::cpu_has_fast_bf16() ? QStringLiteral("bf16") : QString()));
        REQUIRE(p.loras.size() == 1);
        CHECK(p.loras[0] == start.loras[0]);
        CHECK(status.contains(QStringLiteral("SD-Turbo")));
    }
    SECTION("SD-Turbo by its scheduler config: a local folder with trailing spacing") {
        const fs::path model = dir / "my-distilled";
        fs::create_directories(model / "scheduler");
        pictor::test::write_text_file(model / "scheduler" / "scheduler_config.json",
                                      R"({"_class_name": "EulerDiscreteScheduler", "timestep_spacing": "trailing"})");
        CHECK(SamplerPanel::isTurboModel(qpath(model)));
        pictor::test::write_text_file(model / "scheduler" / "scheduler_config.json",
                                      R"({"_class_name": "PNDMScheduler", "timestep_spacing": "leading"})");
        CHECK_FALSE(SamplerPanel::isTurboModel(qpath(model)));
        CHECK_FALSE(SamplerPanel::isTurboModel(QString()));
    }
}

TEST_CASE("the Fast button says in the status bar what it set", "[ui][fast]") {
    ensureApp();
    TempDir dir;
    MainWindow window(qpath(dir / "settings.yaml"));
    window.show();
    find<QPushButton>(window, QStringLiteral("fastPreset"))->click();
    const QStringList texts = pictor::test::statusTexts(window);
    CHECK(texts.join(QLatin1Char('\n')).contains(QStringLiteral("Fast preset: LCM")));
    CHECK(find<SamplerPanel>(window)->params().scheduler == QStringLiteral("LCM"));
}

TEST_CASE("every sampler field reaches the engine's generate request", "[ui][fast]") {
    ensureApp();
    TempDir dir;
    const fs::path lora = dir / "fox.safetensors";
    pictor::test::write_text_file(lora, "x");  // only its path matters here
    SamplerPanel panel;
    GenerationParams p;
    p.model = QStringLiteral("/models/sd");
    p.scheduler = QStringLiteral("LCM");
    p.steps = 6;
    p.guidance = 0;
    p.imagesPerPrompt = 3;
    p.width = 448;
    p.height = 320;
    p.seed = 77;
    p.timestepSpacing = QStringLiteral("trailing");
    p.decoder = QStringLiteral("/models/taesd-custom");
    p.dtype = QStringLiteral("f32");
    p.promptSyntax = QStringLiteral("plain");
    p.clipSkip = 2;
    p.loras = {LoraEntry{qpath(lora), 0.7}, LoraEntry{qpath(lora.parent_path() / "neg.pt"), -1.25}};
    panel.setParams(p);
    GenerationParams shown = panel.params();
    shown.prompt = QStringLiteral("a fox");
    shown.negativePrompt = QStringLiteral("blurry");

    const pictor::jobs::GenerateRequest r = generateJobRequest(GenerateRequest{shown, QStringLiteral("/out")});
    CHECK(r.model == "/models/sd");
    CHECK(r.prompts == std::vector<std::string>{"a fox"});
    CHECK(r.negative_prompts == std::vector<std::string>{"blurry"});
    CHECK(r.scheduler == "LCM");
    CHECK(r.steps == 6);
    CHECK(r.guidance == 0.0);
    CHECK(r.images_per_prompt == 3);
    CHECK(r.width == 448);
    CHECK(r.height == 320);
    CHECK(r.seed == std::optional<uint64_t>(77));
    CHECK(r.timestep_spacing == "trailing");
    CHECK(r.decoder == "/models/taesd-custom");
    CHECK(r.dtype == "f32");
    CHECK(r.prompt_syntax == "plain");
    CHECK(r.clip_skip == 2);
    CHECK(r.out_dir == fs::path("/out"));
    REQUIRE(r.loras.size() == 2);
    CHECK(r.loras[0].file == lora.string());
    CHECK(r.loras[0].unet_scale == 0.7);
    CHECK(r.loras[0].text_encoder_scale == 0.7);
    CHECK(r.loras[1].unet_scale == -1.25);  // a file that does not exist goes as it is: the job names it

    SECTION("a LoRA row naming a catalogue entry that is not downloaded: ModelNotFound with the entry") {
        const ScopedEnv cache("HF_HUB_CACHE", (dir / "hf").string());
        const ScopedEnv config("XDG_CONFIG_HOME", (dir / "config").string());
        shown.loras = {LoraEntry{QStringLiteral("lcm-lora-sdv1-5"), 1.0}};
        try {
            generateJobRequest(GenerateRequest{shown, QStringLiteral("/out")});
            FAIL("no ModelNotFound");
        } catch (const pictor::ModelNotFound& e) {
            CHECK(e.catalogue_entry == "lcm-lora-sdv1-5");
            CHECK(e.catalogue_title == "LCM-LoRA for SD 1.5");
            CHECK(e.approx_size > 0);
        }
    }
}

TEST_CASE("an LCM generation with guidance 1 and the TAESD decoder runs through the worker", "[ui][fast][sd]") {
    PICTOR_REQUIRE_FIXTURES(sd, "sd-tiny");
    PICTOR_REQUIRE_FIXTURES(taesd, "taesd");
    ensureApp();
    TempDir dir;
    WorkerRun worker;
    GenerationParams p = tinyParams(sd);
    p.scheduler = QStringLiteral("LCM");
    p.guidance = 1;
    p.decoder = qpath(taesd / "taesd-tiny");
    p.dtype = cpuDtype();
    const JobState state = worker.run(p, qpath(dir / "lcm"));
    INFO(worker.message.toStdString());
    REQUIRE(state == JobState::Done);
    REQUIRE(worker.items.size() == 2);
    for (const GalleryItem& item : worker.items) {
        const QImage png(item.path);
        REQUIRE_FALSE(png.isNull());
        CHECK(png.size() == QSize(64, 64));
        CHECK(item.parametersText.contains(QStringLiteral("Sampler: LCM")));
        CHECK(item.parametersText.contains(QStringLiteral("CFG scale: 1.0")));
        CHECK(item.parametersText.contains(QStringLiteral("VAE: taesd-tiny")));
        CHECK(item.params.decoder == p.decoder);  // read back against the request's decoder
        CHECK(item.params.scheduler == QStringLiteral("LCM"));
        CHECK(item.params.guidance == 1.0);
    }
    // The decoder makes a difference: the model's VAE gives other pixels for the same latents.
    const QImage taesdImage = QImage(worker.items[0].path).convertToFormat(QImage::Format_RGB888);
    p.decoder.clear();
    REQUIRE(worker.run(p, qpath(dir / "vae")) == JobState::Done);
    REQUIRE(worker.items.size() == 2);
    CHECK_FALSE(worker.items[0].parametersText.contains(QStringLiteral("VAE:")));
    CHECK(QImage(worker.items[0].path).convertToFormat(QImage::Format_RGB888) != taesdImage);
}

TEST_CASE("a LoRA row at strength 0.7 generates and is recorded as A1111 records it", "[ui][fast][sd]") {
    PICTOR_REQUIRE_FIXTURES(sd, "sd-tiny");
    PICTOR_REQUIRE_FIXTURES(lora, "lora");
    ensureApp();
    TempDir dir;
    WorkerRun worker;
    GenerationParams p = tinyParams(sd);
    REQUIRE(worker.run(p, qpath(dir / "base")) == JobState::Done);
    REQUIRE(worker.items.size() == 2);
    const QImage base = QImage(worker.items[0].path).convertToFormat(QImage::Format_RGB888);

    // Through the sampler panel's list, as a user adds it.
    SamplerPanel panel;
    panel.setParams(p);
    auto* list = find<LoraList>(panel);
    list->addLora(qpath(lora / "sd-tiny-lora-kohya.safetensors"));
    auto* spin = find<QDoubleSpinBox>(*list, QStringLiteral("loraStrength"));
    CHECK(spin->value() == 1.0);
    spin->setValue(0.7);
    CHECK(find<QSlider>(*list, QStringLiteral("loraSlider"))->value() == 14);  // steps of 0.05
    GenerationParams withLora = panel.params();
    withLora.prompt = p.prompt;
    REQUIRE(withLora.loras.size() == 1);
    CHECK(withLora.loras[0].strength == 0.7);

    const JobState state = worker.run(withLora, qpath(dir / "lora"));
    INFO(worker.message.toStdString());
    REQUIRE(state == JobState::Done);
    REQUIRE(worker.items.size() == 2);
    const GalleryItem& item = worker.items[0];
    CHECK(item.parametersText.contains(QStringLiteral("<lora:sd-tiny-lora-kohya:0.7>")));
    CHECK(item.parametersText.contains(QStringLiteral("Lora hashes: \"sd-tiny-lora-kohya: ")));
    CHECK(item.params.loras.isEmpty());  // the file carries the LoRA as its prompt tag
    CHECK(QImage(item.path).convertToFormat(QImage::Format_RGB888) != base);
}

TEST_CASE("Fast on an SD 1.5 model without the LCM-LoRA offers its download and then generates", "[ui][fast][hub][sd]") {
    PICTOR_REQUIRE_FIXTURES(sd, "sd-tiny");
    PICTOR_REQUIRE_FIXTURES(lora, "lora");
    PICTOR_REQUIRE_FIXTURES(taesd, "taesd");
    ensureApp();
    TempDir dir;
    // The fixtures under the catalogue's repo ids: the diffusers-format LoRA as the LCM-LoRA, the
    // tiny TAESD as madebyollin/taesd.
    FakeHub hub(std::chrono::seconds(300));
    FakeHub::Repo lcmLora;
    lcmLora.commit = "d6c3a10e2f09bb45a36a2b5e2a0d6e1fd0c5b7a1";
    lcmLora.files.push_back({"pytorch_lora_weights.safetensors",
                             pictor::test::read_binary_file(lora / "diffusers" / "pytorch_lora_weights.safetensors"), true});
    hub.add_repo("latent-consistency/lcm-lora-sdv1-5", lcmLora);
    FakeHub::Repo tinyTaesd;
    tinyTaesd.commit = "73b7d1c8836e2c0e4aabbb6a8bd2bb0b4f2fe6c4";
    tinyTaesd.files.push_back({"config.json", pictor::test::read_binary_file(taesd / "taesd-tiny" / "config.json"), false});
    tinyTaesd.files.push_back({"diffusion_pytorch_model.safetensors",
                               pictor::test::read_binary_file(taesd / "taesd-tiny" / "diffusion_pytorch_model.safetensors"), true});
    hub.add_repo("madebyollin/taesd", tinyTaesd);
    const ScopedEnv endpoint("HF_ENDPOINT", hub.url());
    const ScopedEnv cache("HF_HUB_CACHE", (dir / "hf").string());
    const ScopedEnv config("XDG_CONFIG_HOME", (dir / "config").string());

    MainWindow window(qpath(dir / "settings.yaml"));
    window.setOutputFolder(qpath(dir / "out"));
    REQUIRE(window.gallery()->waitForScan());
    SamplerPanel* sampler = find<SamplerPanel>(window);
    GenerationParams p = tinyParams(sd);
    p.imagesPerPrompt = 1;
    sampler->setParams(p);
    find<PromptPanel>(window)->setPrompt(p.prompt);
    find<QPushButton>(window, QStringLiteral("fastPreset"))->click();

    const int first = window.jobRouter()->generate();
    REQUIRE(first > 0);
    // Each missing catalogue model (the LCM-LoRA, then TAESD) is offered; accepting reruns the job.
    for (int offer = 0; offer < 3 && pictor::test::galleryImageCount(*window.gallery()) == 0; ++offer) {
        QMessageBox* box = nullptr;
        REQUIRE(waitUntil(
            [&] {
                box = window.findChild<QMessageBox*>(QStringLiteral("downloadOffer"));
                return box != nullptr || pictor::test::galleryImageCount(*window.gallery()) == 1 ||
                       !window.jobRouter()->lastError().isEmpty();
            },
            180000));
        INFO(window.jobRouter()->lastError().toStdString());
        if (!box) break;
        if (offer == 0) CHECK(box->text().contains(QStringLiteral("LCM-LoRA for SD 1.5")));
        auto* download = box->findChild<QPushButton*>(QStringLiteral("downloadAndRetry"));
        REQUIRE(download);
        download->click();
        REQUIRE(waitUntil([&] { return window.findChild<QMessageBox*>(QStringLiteral("downloadOffer")) == nullptr; }, 5000));
    }
    REQUIRE(waitUntil([&] { return pictor::test::galleryImageCount(*window.gallery()) == 1 || !window.jobRouter()->lastError().isEmpty(); },
                      180000));
    INFO(window.jobRouter()->lastError().toStdString());
    REQUIRE(pictor::test::galleryImageCount(*window.gallery()) == 1);
    const pictor::test::ShownImage shown = pictor::test::galleryImage(*window.gallery(), 0);
    CHECK(shown.parametersText.contains(QStringLiteral("Sampler: LCM")));
    CHECK(shown.parametersText.contains(QStringLiteral("Steps: 4")));
    CHECK(shown.parametersText.contains(QStringLiteral("VAE: taesd")));
    CHECK(shown.parametersText.contains(QStringLiteral("Lora hashes:")));
}

TEST_CASE("the LoRA list and the few-step fields round-trip through settings.yaml", "[ui][fast]") {
    ensureApp();
    TempDir dir;
    const QString path = qpath(dir / "settings.yaml");
    StudioSettings s = loadStudioSettings(path);
    s.generation.scheduler = QStringLiteral("LCM");
    s.generation.guidance = 0;
    s.generation.timestepSpacing = QStringLiteral("trailing");
    s.generation.decoder = QStringLiteral("taesd");
    s.generation.dtype = QStringLiteral("f32");
    s.generation.promptSyntax = QStringLiteral("plain");
    s.generation.clipSkip = 2;
    s.generation.loras = {LoraEntry{QStringLiteral("/loras/fox.safetensors"), 0.7},
                          LoraEntry{QStringLiteral("lcm-lora-sdv1-5"), -2.0}};
    saveStudioSettings(s, path);
    QStringList warnings;
    const StudioSettings back = loadStudioSettings(path, &warnings);
    CHECK(warnings.isEmpty());
    CHECK(back.generation == s.generation);

    // Through the window: the panel shows them, and what it shows is saved again.
    MainWindow window(path);
    SamplerPanel* sampler = find<SamplerPanel>(window);
    CHECK(sampler->params().loras == s.generation.loras);
    CHECK(sampler->params().scheduler == QStringLiteral("LCM"));
    auto* list = find<LoraList>(window);
    REQUIRE(list->findChildren<QToolButton*>(QStringLiteral("loraRemove")).size() == 2);
    list->findChildren<QToolButton*>(QStringLiteral("loraRemove")).first()->click();
    CHECK(sampler->params().loras == QVector<LoraEntry>{LoraEntry{QStringLiteral("lcm-lora-sdv1-5"), -2.0}});
    REQUIRE(window.saveSettings());
    CHECK(loadStudioSettings(path).generation.loras == sampler->params().loras);
}

TEST_CASE("parameters text carries clip skip, timestep spacing and the decoder", "[ui][fast]") {
    GenerationParams p;
    p.prompt = QStringLiteral("a fox");
    p.model = QStringLiteral("stabilityai/sd-turbo");
    p.scheduler = QStringLiteral("Euler a");
    p.steps = 1;
    p.guidance = 0;
    p.imagesPerPrompt = 2;  // 1 is not written ("Batch size" only for batches): it would read back as the default
    p.seed = 5;
    p.timestepSpacing = QStringLiteral("trailing");
    p.decoder = QStringLiteral("taesd");
    p.clipSkip = 2;
    const QString text = formatParameters(p);
    CHECK(text.contains(QStringLiteral("Clip skip: 2")));
    CHECK(text.contains(QStringLiteral("VAE: taesd")));
    CHECK(text.contains(QStringLiteral("Timestep spacing: trailing")));
    CHECK(text.contains(QStringLiteral("CFG scale: 0.0")));
    GenerationParams back;
    REQUIRE(parseParameters(text, &back));
    CHECK(back == p);

    // A decoder folder is written by its name and read back against the defaults' decoder.
    p.decoder = QStringLiteral("/models/taesd-tiny");
    GenerationParams again;
    REQUIRE(parseParameters(formatParameters(p), &again, p));
    CHECK(again.decoder == p.decoder);
    REQUIRE(parseParameters(formatParameters(p), &again));
    CHECK(again.decoder.isEmpty());  // an unknown folder name: nothing to resolve it with
    // No VAE / spacing / clip skip in the text: the model's VAE, the scheduler's spacing, 1.
    GenerationParams plain = p;
    plain.decoder.clear();
    plain.timestepSpacing.clear();
    plain.clipSkip = 1;
    REQUIRE(parseParameters(formatParameters(plain), &again, p));
    CHECK(again.decoder.isEmpty());
    CHECK(again.timestepSpacing.isEmpty());
    CHECK(again.clipSkip == 1);
}
