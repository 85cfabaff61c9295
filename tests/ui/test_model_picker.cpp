// Model pickers (ui/model_picker.h) and the model manager's local models: what is on disk in a
// fake Hugging Face cache, torch hub cache and AUTOMATIC1111 folder, listed per role.
#include "tests/support/catch.h"

#include "tests/support/fixtures.h"
#include "tests/ui/ui_test_support.h"
#include "ui/engine_worker.h"
#include "ui/main_window.h"
#include "ui/model_manager.h"
#include "ui/model_picker.h"
#include "ui/preferences_dialog.h"
#include "ui/sampler_panel.h"

#include <QAction>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QLineEdit>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QToolButton>

using namespace pictor::ui;
using pictor::test::ensureApp;
using pictor::test::find;
using pictor::test::TempDir;
using pictor::test::waitUntil;
using pictor::test::write_text_file;

namespace fs = std::filesystem;

namespace {

QString qpath(const fs::path& p) { return QString::fromStdString(p.string()); }

void write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    write_text_file(path, text);
}

// Points the HF and torch hub caches at `dir` for one test (and back afterwards).
class FakeCaches {
public:
    explicit FakeCaches(const TempDir& dir) : m_hf(qgetenv("HF_HUB_CACHE")), m_torch(qgetenv("TORCH_HOME")) {
        qputenv("HF_HUB_CACHE", qpath(dir / "hf").toUtf8());
        qputenv("TORCH_HOME", qpath(dir / "torch").toUtf8());
        const std::string commit = "0123456789abcdef0123456789abcdef01234567";
        for (const auto& [repo, file, text] :
             {std::tuple<std::string, std::string, std::string>{"models--org--my-sd", "model_index.json",
                                                                 R"({"_class_name": "StableDiffusionPipeline"})"},
              {"models--openai--clip-vit-base-patch32", "config.json", R"({"model_type": "clip"})"}}) {
            write(dir / "hf" / repo / "refs" / "main", commit);
            write(dir / "hf" / repo / "snapshots" / commit / file, text);
        }
        write(dir / "torch" / "hub" / "checkpoints" / "resnet50-11ad3fa6.pth", "pth");
        write(dir / "torch" / "hub" / "checkpoints" / "resnet18-f37072fd.pth", "pth");
        write(dir / "webui" / "models" / "Stable-diffusion" / "dreamshaper.safetensors", "weights");
    }
    ~FakeCaches() {
        restore("HF_HUB_CACHE", m_hf);
        restore("TORCH_HOME", m_torch);
    }

private:
    static void restore(const char* name, const QByteArray& value) {
        if (value.isEmpty()) qunsetenv(name);
        else qputenv(name, value);
    }
    QByteArray m_hf, m_torch;
};

QStringList items(const QComboBox& combo) {
    QStringList out;
    for (int i = 0; i < combo.count(); ++i) out << combo.itemText(i);
    return out;
}

}  // namespace

TEST_CASE("a model picker lists the models of its role found in the HF cache and a models folder", "[ui][models]") {
    ensureApp();
    TempDir dir;
    FakeCaches caches(dir);
    ModelPicker sd(ModelRole::StableDiffusion, "sdField");
    sd.setReference("typed/by-hand");
    bool scanned = false;
    QObject::connect(&sd, &ModelPicker::scanned, [&] { scanned = true; });
    sd.rescan({qpath(dir / "webui")}, {});
    REQUIRE(waitUntil([&] { return scanned; }, 10000));
    const QString checkpoint = qpath(dir / "webui" / "models" / "Stable-diffusion" / "dreamshaper.safetensors");
    CHECK(items(*sd.comboBox()) == QStringList{"org/my-sd", checkpoint});
    CHECK(sd.reference() == "typed/by-hand");  // the scan keeps what was typed
    // Where each was found: in the popup's text and the tooltip.
    CHECK(sd.found()[0].source == "Hugging Face cache");
    CHECK(sd.found()[1].source.startsWith("models folder"));
    CHECK(sd.comboBox()->itemData(0, Qt::ToolTipRole).toString().contains("Hugging Face cache"));
    QString chosen;
    QObject::connect(&sd, &ModelPicker::referenceChanged, [&](const QString& r) { chosen = r; });
    sd.comboBox()->setCurrentIndex(1);
    CHECK(chosen == checkpoint);
    CHECK(sd.lineEdit()->objectName() == "sdField");
    // Stable Diffusion takes a file or a folder: Browse… offers both.
    REQUIRE(sd.browseButton()->menu() != nullptr);
    CHECK(sd.browseButton()->menu()->actions().size() == 2);

    ModelPicker clip(ModelRole::Clip, "clipField");
    scanned = false;
    QObject::connect(&clip, &ModelPicker::scanned, [&] { scanned = true; });
    clip.rescan({qpath(dir / "webui")}, {});
    REQUIRE(waitUntil([&] { return scanned; }, 10000));
    CHECK(items(*clip.comboBox()) == QStringList{"openai/clip-vit-base-patch32"});
    CHECK(clip.browseButton()->menu() == nullptr);  // folders only: one click
}

TEST_CASE("Preferences: model pickers for SD, CLIP and the ResNets, and the model folders key", "[ui][models][preferences]") {
    ensureApp();
    TempDir dir;
    FakeCaches caches(dir);
    const QString settings = qpath(dir / "config" / "settings.yaml");
    pictor::test::writeSettings(settings, [&](StudioSettings& s) { s.modelFolders = QStringList{qpath(dir / "webui")}; });
    MainWindow window(settings);
    window.show();
    // The Sampler panel's model field lists the A1111 checkpoint and the HF cache's pipeline.
    auto* samplerModel = find<QComboBox>(*find<SamplerPanel>(window), "modelCombo");
    REQUIRE(waitUntil([&] { return samplerModel->count() >= 2; }, 10000));
    CHECK(items(*samplerModel).contains("org/my-sd"));
    CHECK(items(*samplerModel).contains(qpath(dir / "webui" / "models" / "Stable-diffusion" / "dreamshaper.safetensors")));

    PreferencesDialog dialog(window.currentSettings(), &window);
    dialog.show();
    REQUIRE(dialog.modelPickers().size() == 4);
    REQUIRE(waitUntil([&] { return dialog.modelPickers()[1]->comboBox()->count() == 1; }, 10000));
    CHECK(dialog.modelPickers()[1]->comboBox()->itemText(0) == "openai/clip-vit-base-patch32");
    CHECK(items(*dialog.modelPickers()[2]->comboBox()) == QStringList{"resnet50-11ad3fa6.pth"});
    CHECK(items(*dialog.modelPickers()[3]->comboBox()) == QStringList{"resnet18-f37072fd.pth"});
    CHECK(find<QPlainTextEdit>(dialog, "modelFolders")->toPlainText() == qpath(dir / "webui"));
    dialog.modelPickers()[1]->comboBox()->setCurrentIndex(0);
    find<QPlainTextEdit>(dialog, "modelFolders")->setPlainText("~/ComfyUI\n" + qpath(dir / "webui"));
    const StudioSettings chosen = dialog.settings();
    CHECK(chosen.clipModel == "openai/clip-vit-base-patch32");
    CHECK(chosen.modelFolders == QStringList{"~/ComfyUI", qpath(dir / "webui")});
    saveStudioSettings(chosen, settings);
    CHECK(loadStudioSettings(settings).modelFolders == chosen.modelFolders);
}

TEST_CASE("the model manager lists local models, and a role the settings point at a local folder is not missing",
          "[ui][models]") {
    ensureApp();
    TempDir dir;
    FakeCaches caches(dir);
    const QByteArray config = qgetenv("XDG_CONFIG_HOME");
    qputenv("XDG_CONFIG_HOME", qpath(dir / "config").toUtf8());
    write(dir / "mine" / "clip-local" / "config.json", R"({"model_type": "clip"})");
    EngineThread engine;
    ModelManagerDialog dialog(engine.worker());
    StudioSettings settings = defaultStudioSettings();
    settings.modelFolders = QStringList{qpath(dir / "webui")};
    settings.loraFolders.clear();
    settings.clipModel = qpath(dir / "mine" / "clip-local");  // in no scanned folder: from the settings
    dialog.setSettings(settings);
    dialog.refresh();
    dialog.show();
    const auto* local = find<QTableWidget>(dialog, "localModels");
    REQUIRE(waitUntil([&] { return local->rowCount() >= 5; }, 10000));
    QStringList rows;
    for (int r = 0; r < local->rowCount(); ++r)
        rows << QStringList{local->item(r, 0)->text(), local->item(r, 1)->text(), local->item(r, 2)->text(),
                            local->item(r, 3)->text()}
                    .join(" | ");
    INFO(rows.join("\n").toStdString());
    CHECK(rows.contains("Stable Diffusion | org/my-sd | Hugging Face cache | "));
    CHECK(rows.contains("CLIP | openai/clip-vit-base-patch32 | Hugging Face cache | "));
    CHECK(rows.contains("ResNet50 | resnet50-11ad3fa6.pth | torch hub cache | in use"));  // the default setting
    CHECK(rows.contains("CLIP | clip-local | settings.yaml | in use"));
    bool dreamshaper = false;
    for (const QString& r : rows) dreamshaper |= r.startsWith("Stable Diffusion | dreamshaper.safetensors | models folder");
    CHECK(dreamshaper);

    // The catalogue's CLIP is not in the (fake) cache, but the settings use a local CLIP: not "missing".
    const auto* table = find<QTableWidget>(dialog, "models");
    REQUIRE(waitUntil([&] { return table->rowCount() >= 4; }, 10000));
    QString clipStatus, sdStatus;
    for (int r = 0; r < table->rowCount(); ++r) {
        const QString model = table->item(r, 0)->text();
        if (!table->item(r, 2)) continue;
        if (model.contains("openai/clip-vit-base-patch32")) clipStatus = table->item(r, 2)->text();
        if (model.contains("stable-diffusion-v1-5/stable-diffusion-v1-5")) sdStatus = table->item(r, 2)->text();
    }
    CHECK(clipStatus.startsWith("not needed: the settings use clip-local"));
    CHECK(sdStatus.startsWith("missing"));
    if (config.isEmpty()) qunsetenv("XDG_CONFIG_HOME");
    else qputenv("XDG_CONFIG_HOME", config);
}
