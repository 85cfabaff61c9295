// The first-start path: a job needs a catalogue model that is not on disk; the studio offers to
// download it, downloads it (from a local fake Hub on 127.0.0.1: HF_ENDPOINT) into the HF cache,
// and runs the job again — which then finds the model through the same cache.
#include "tests/support/catch.h"

#include "tests/hub/fake_hub.h"
#include "tests/support/fixtures.h"
#include "tests/ui/ui_test_support.h"
#include "ui/gallery_view.h"
#include "ui/job_router.h"
#include "ui/jobs_view.h"
#include "ui/main_window.h"
#include "ui/prompt_panel.h"
#include "ui/sampler_panel.h"
#include "ui/token_counter.h"

#include <QMessageBox>
#include <QPushButton>

#include <filesystem>

using namespace pictor::ui;
using pictor::test::ensureApp;
using pictor::test::find;
using pictor::test::galleryImageCount;
using pictor::test::FakeHub;
using pictor::test::ScopedEnv;
using pictor::test::TempDir;
using pictor::test::waitUntil;

namespace {

namespace fs = std::filesystem;

const char* const kRepo = "stable-diffusion-v1-5/stable-diffusion-v1-5";

// The sd-tiny fixture served under SD 1.5's repo id: weights as LFS files (CDN redirect, SHA-256
// etag), the rest as regular files — what the real repo looks like to the downloader.
FakeHub::Repo tinyAsSd15(const fs::path& sd) {
    FakeHub::Repo repo;
    repo.commit = "1d0c4ebf6ff58a5caecab40fa1406526bca4b5b9";
    for (const auto& e : fs::recursive_directory_iterator(sd)) {
        if (!e.is_regular_file()) continue;
        const std::string rel = fs::relative(e.path(), sd).generic_string();
        const bool weights = e.path().extension() == ".safetensors";
        repo.files.push_back({rel, pictor::test::read_binary_file(e.path()), weights});
    }
    return repo;
}

QMessageBox* downloadOffer(const MainWindow& window) {
    return window.findChild<QMessageBox*>(QStringLiteral("downloadOffer"));
}

}  // namespace

TEST_CASE("a job whose model is missing offers the download and runs again once it is in", "[ui][hub]") {
    PICTOR_REQUIRE_FIXTURES(sd, "sd-tiny");
    ensureApp();
    TempDir dir;
    FakeHub hub(std::chrono::seconds(300));
    hub.add_repo(kRepo, tinyAsSd15(sd));
    const ScopedEnv endpoint("HF_ENDPOINT", hub.url());
    const ScopedEnv cache("HF_HUB_CACHE", (dir / "hf").string());
    const ScopedEnv config("XDG_CONFIG_HOME", (dir / "config").string());  // no user models.yaml

    MainWindow window(QString::fromStdString((dir / "settings.yaml").string()));
    window.setOutputFolder(QString::fromStdString((dir / "out").string()));
    REQUIRE(window.gallery()->waitForScan());
    GenerationParams params = find<SamplerPanel>(window)->params();
    params.model = QString::fromLatin1(kRepo);  // the default model, not downloaded yet
    params.scheduler = QStringLiteral("PNDM");
    params.steps = 3;
    params.imagesPerPrompt = 1;
    params.width = params.height = 64;
    params.seed = 7;
    find<SamplerPanel>(window)->setParams(params);
    find<PromptPanel>(window)->setPrompt(QStringLiteral("a watercolor painting of a fox in the snow"));

    const int first = window.jobRouter()->generate();
    REQUIRE(first > 0);
    REQUIRE(waitUntil([&] { return window.jobs()->state(first) == JobState::Failed; }, 60000));
    REQUIRE(waitUntil([&] { return downloadOffer(window) != nullptr; }, 5000));
    QMessageBox* offer = downloadOffer(window);
    CHECK(offer->text().contains(QStringLiteral("Stable Diffusion v1.5")));
    // The approximate size, in the model manager's unit (formatBytes: binary, one decimal).
    CHECK(offer->text().contains(QStringLiteral("GiB")));
    CHECK(galleryImageCount(*window.gallery()) == 0);
    CHECK(hub.log().empty());  // nothing is downloaded before the user says so

    auto* download = offer->findChild<QPushButton*>(QStringLiteral("downloadAndRetry"));
    REQUIRE(download);
    download->click();

    // The download, then the same generation again.
    REQUIRE(waitUntil([&] { return galleryImageCount(*window.gallery()) == 1 || !window.jobRouter()->lastError().isEmpty(); },
                      180000));
    INFO(window.jobRouter()->lastError().toStdString());
    REQUIRE(galleryImageCount(*window.gallery()) == 1);
    const pictor::test::ShownImage item = pictor::test::galleryImage(*window.gallery(), 0);
    CHECK(item.params.seed == 7);
    CHECK(item.params.prompt == QStringLiteral("a watercolor painting of a fox in the snow"));
    CHECK(fs::is_directory(dir / "hf" / "models--stable-diffusion-v1-5--stable-diffusion-v1-5" / "snapshots"));
    // The prompt's token counter picked up the downloaded model's tokenizer.
    CHECK(waitUntil([&] { return !pictor::test::promptTokenText(window).startsWith("–"); }, 20000));
}

TEST_CASE("declining the download offer leaves everything as it was", "[ui][hub]") {
    ensureApp();
    TempDir dir;
    FakeHub hub(std::chrono::seconds(60));
    const ScopedEnv endpoint("HF_ENDPOINT", hub.url());
    const ScopedEnv cache("HF_HUB_CACHE", (dir / "hf").string());
    const ScopedEnv config("XDG_CONFIG_HOME", (dir / "config").string());

    MainWindow window(QString::fromStdString((dir / "settings.yaml").string()));
    window.setOutputFolder(QString::fromStdString((dir / "out").string()));
    REQUIRE(window.gallery()->waitForScan());
    GenerationParams params = find<SamplerPanel>(window)->params();
    params.model = QString::fromLatin1(kRepo);
    find<SamplerPanel>(window)->setParams(params);
    find<PromptPanel>(window)->setPrompt(QStringLiteral("a fox"));
    const int id = window.jobRouter()->generate();
    REQUIRE(waitUntil([&] { return window.jobs()->state(id) == JobState::Failed; }, 60000));
    REQUIRE(waitUntil([&] { return downloadOffer(window) != nullptr; }, 5000));
    CHECK(window.jobRouter()->lastError().contains(QStringLiteral("was not found")));
    downloadOffer(window)->button(QMessageBox::Cancel)->click();
    pictor::test::pump(300);
    CHECK(hub.log().empty());
    CHECK(window.jobs()->state(id) == JobState::Failed);
    CHECK_FALSE(fs::exists(dir / "hf" / "models--stable-diffusion-v1-5--stable-diffusion-v1-5"));
}
