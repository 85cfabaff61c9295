// The score, classify and compare jobs on the tiny CLIP and the ResNet18 fixture.
#include "tests/support/catch.h"

#include <filesystem>

#include "core/jobs/classify_job.h"
#include "core/jobs/compare_job.h"
#include "core/jobs/job_error.h"
#include "core/jobs/score_job.h"
#include "tests/support/fixtures.h"

using namespace pictor;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

TEST_CASE("score job: every image in order and a bad file in a batch is reported not fatal", "[jobs]") {
    const auto clip = test::require_fixtures("clip-tiny");
    if (!clip) return;
    jobs::ScoreRequest r;
    r.clip = clip->string();
    r.images = {*clip / "images/img0_rgb_320x240.png", test::source_dir() / "README.md",
                *clip / "images/img2_gray_150x180.png"};
    r.labels = {"fox", "dog"};
    r.prompt_template = "a photo of a {}";
    std::vector<fs::path> seen;
    r.on_image = [&](const jobs::ImageScore& s) { seen.push_back(s.image); };
    JobSink sink;
    const jobs::ScoreResult result = jobs::run_score(r, sink);
    REQUIRE(result.images.size() == 3);
    CHECK(seen == r.images);
    CHECK(result.images[0].labels.size() == 2);
    CHECK(result.images[0].labels[0].prompt == "a photo of a fox");
    CHECK(result.images[0].labels[0].probability + result.images[0].labels[1].probability == Approx(1.0));
    CHECK(result.images[1].labels.empty());
    CHECK_THAT(result.images[1].error, Contains("README.md"));
    CHECK(result.images[2].best >= 0);

    // One image alone: its failure is the job's.
    r.images = {test::source_dir() / "README.md"};
    CHECK_THROWS_WITH(jobs::run_score(r, sink), Contains("README.md"));
}

TEST_CASE("classify and compare jobs: the preset the weights publish and the model actually used", "[jobs]") {
    const auto resnet = test::require_fixtures("resnet");
    const auto clip = test::require_fixtures("clip-tiny");
    if (!resnet || !clip) return;
    const fs::path image = *resnet / "images/res_img0_rgb_500x375.png";
    JobSink sink;

    jobs::ClassifyRequest c;
    c.resnet = (*resnet / "resnet18.pth").string();
    c.images = {image};
    c.top_k = 3;
    const jobs::ClassifyResult classified = jobs::run_classify(c, sink);
    CHECK(classified.classifier.model == "resnet18");
    CHECK(classified.classifier.preset == "IMAGENET1K_V1");  // torchvision's default for resnet18
    REQUIRE(classified.top.at(0).size() == 3);
    CHECK(classified.top[0][0].name == "dogsled");  // torchvision's top 1 (resnet/expected.json)

    jobs::CompareRequest k;
    k.clip = clip->string();
    k.resnet = c.resnet;
    k.image = image;
    k.labels = {"a photo of a fox", "a photo of a dog"};
    const jobs::CompareResult compared = jobs::run_compare(k, sink);
    CHECK(compared.resnet.model == "resnet18");
    CHECK(compared.resnet.preset == "IMAGENET1K_V1");
    REQUIRE(compared.resnet_top.size() == 5);
    // The same numbers as the classify job: one preset rule for both.
    CHECK(compared.resnet_top[0].name == classified.top[0][0].name);
    CHECK(compared.resnet_top[0].probability == Approx(classified.top[0][0].probability).epsilon(1e-5));

    // A file carrying torchvision's V2 name gets V2 in both jobs.
    test::TempDir tmp;
    fs::copy_file(*resnet / "resnet18.pth", tmp / "resnet50-11ad3fa6.pth");
    k.resnet = (tmp / "resnet50-11ad3fa6.pth").string();
    CHECK(jobs::run_compare(k, sink).resnet.preset == "IMAGENET1K_V2");
    c.resnet = k.resnet;
    CHECK(jobs::run_classify(c, sink).classifier.preset == "IMAGENET1K_V2");
    // An explicit preset wins.
    k.preset = "v1";
    CHECK(jobs::run_compare(k, sink).resnet.preset == "IMAGENET1K_V1");
}

TEST_CASE("vision jobs: a missing model is ModelNotFound naming it", "[jobs]") {
    const auto resnet = test::require_fixtures("resnet");
    if (!resnet) return;
    jobs::ClassifyRequest c;
    c.resnet = "/no/such/resnet.pth";
    c.images = {*resnet / "images/res_img0_rgb_500x375.png"};
    JobSink sink;
    CHECK_THROWS_AS(jobs::run_classify(c, sink), ModelNotFound);
    CHECK_THROWS_WITH(jobs::run_classify(c, sink), Contains("/no/such/resnet.pth"));
}

TEST_CASE("score job: a CLIP reference that is one file or not cached is refused naming it", "[jobs]") {
    const auto clip = test::require_fixtures("clip-tiny");
    if (!clip) return;
    jobs::ScoreRequest r;
    r.images = {*clip / "images/img0_rgb_320x240.png"};
    r.labels = {"fox"};
    JobSink sink;
    r.clip = (*clip / "model.safetensors").string();
    CHECK_THROWS_WITH(jobs::run_score(r, sink), Contains("is a single file"));
    test::TempDir tmp;
    setenv("HF_HUB_CACHE", (tmp / "hub").c_str(), 1);
    r.clip = "openai/not-there";
    CHECK_THROWS_AS(jobs::run_score(r, sink), ModelNotFound);
    CHECK_THROWS_WITH(jobs::run_score(r, sink), Contains("openai/not-there"));
    unsetenv("HF_HUB_CACHE");
}
