// The generate job end to end on sd-tiny: file names, the parameters it writes, and rerunning an
// image from its PNG (the same seed gives the same pixels).
#include "tests/support/catch.h"

#include <ATen/ATen.h>

#include <filesystem>
#include <regex>

#include "core/image/image_io.h"
#include "core/jobs/generate_job.h"
#include "core/jobs/job_error.h"
#include "core/jobs/parameters.h"
#include "tests/support/fixtures.h"

using namespace pictor;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

jobs::GenerateRequest tiny_request(const fs::path& sd, const fs::path& out) {
    jobs::GenerateRequest r;
    r.model = sd.string();
    r.prompts = {"a photo of an astronaut riding a horse on mars"};
    r.negative_prompts = {"blurry, lowres"};
    r.steps = 3;
    r.images_per_prompt = 2;
    r.width = r.height = 64;
    r.seed = 1234;
    r.scheduler = "euler_a";
    r.out_dir = out;
    return r;
}

class CountingSink : public JobSink {
public:
    void on_step(int, int) override { ++steps; }
    void on_timing(const StepTiming& t) override { last_eta = t.eta_s, timings++; }
    int steps = 0, timings = 0;
    double last_eta = -1;
};

}  // namespace

TEST_CASE("generate job: A1111 file names and parameters that name the model", "[jobs]") {
    const auto sd = test::require_fixtures("sd-tiny");
    if (!sd) return;
    test::TempDir tmp;
    ModelCache cache(uint64_t(1) << 40);
    CountingSink sink;
    const jobs::GenerateResult r = jobs::run_generate(tiny_request(*sd, tmp.path()), sink, cache);
    REQUIRE_FALSE(r.cancelled);
    REQUIRE(r.images.size() == 2);
    CHECK(r.images[0].file == tmp / "00000-1234.png");
    CHECK(r.images[1].file == tmp / "00001-1234.png");
    CHECK(sink.timings == 3);
    CHECK(sink.last_eta == 0.0);
    CHECK(r.sampler == "Euler a");
    CHECK(std::regex_match(r.model_hash, std::regex("[0-9a-f]{8}")));
    // The model is written as something that resolves again: the absolute folder path.
    CHECK(r.model_reference == fs::absolute(*sd).lexically_normal().string());

    const std::string text = read_png_text(r.images[1].file).at("parameters");
    CHECK(text == r.images[1].parameters);
    const auto parsed = parse_parameters(text);
    REQUIRE(parsed);
    CHECK(parsed->prompt == "a photo of an astronaut riding a horse on mars");
    CHECK(parsed->negative_prompt == "blurry, lowres");
    CHECK(parsed->steps == 3);
    CHECK(parsed->sampler == "Euler a");
    CHECK(parsed->seed == 1234u);
    CHECK(parsed->width == 64);
    CHECK(parsed->model == r.model_reference);
    CHECK(parsed->model_hash == r.model_hash);
    CHECK(parsed->batch_size == 2);
    CHECK(parsed->batch_pos == 1);

    // A second run into the same folder continues the counter; the model came from the cache.
    const size_t models = cache.count();
    const jobs::GenerateResult again = jobs::run_generate(tiny_request(*sd, tmp.path()), sink, cache);
    CHECK(again.images[0].file == tmp / "00002-1234.png");
    CHECK(cache.count() == models);
}

TEST_CASE("generate job: rerunning a PNG's parameters gives the same pixels", "[jobs]") {
    const auto sd = test::require_fixtures("sd-tiny");
    if (!sd) return;
    test::TempDir tmp;
    JobSink sink;
    const jobs::GenerateResult first = jobs::run_generate(tiny_request(*sd, tmp / "a"), sink);
    const fs::path png = first.images[1].file;

    jobs::GenerateRequest rerun = jobs::request_from_png(png);
    CHECK(rerun.model == first.model_reference);
    CHECK(rerun.seed == 1234u);
    CHECK(rerun.images_per_prompt == 2);  // the batch the seed belongs to
    CHECK(rerun.scheduler == "Euler a");
    rerun.out_dir = tmp / "b";
    const jobs::GenerateResult second = jobs::run_generate(rerun, sink);
    REQUIRE(second.images.size() == 2);
    for (size_t i = 0; i < 2; ++i) {
        CHECK(at::equal(read_image(first.images[i].file), read_image(second.images[i].file)));
        CHECK(first.images[i].parameters == second.images[i].parameters);
    }
}

TEST_CASE("generate job: what A1111 writes maps onto a request", "[jobs]") {
    const auto g = parse_parameters(
        "a fox\nNegative prompt: blurry\nSteps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, "
        "Seed: 42, Size: 512x768, Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Version: v1.9.4");
    REQUIRE(g);
    const jobs::GenerateRequest r = jobs::request_from_parameters(*g);
    CHECK(r.scheduler == "DPM++ 2M Karras");
    CHECK(r.steps == 20);
    CHECK(r.guidance == 7.0);
    CHECK(r.seed == 42u);
    CHECK(r.width == 512);
    CHECK(r.height == 768);
    CHECK(r.images_per_prompt == 1);
    CHECK(r.model == "v1-5-pruned-emaonly");
    CHECK_NOTHROW(jobs::validate(r));

    auto other = *g;
    other.sampler = "DPM++ SDE";
    other.schedule_type.clear();
    CHECK_THROWS_WITH(jobs::request_from_parameters(other), Contains("sampler 'DPM++ SDE' is not supported"));
}

TEST_CASE("generate job: a cancelled run writes no file", "[jobs]") {
    const auto sd = test::require_fixtures("sd-tiny");
    if (!sd) return;
    test::TempDir tmp;
    struct CancelAfterOne : JobSink {
        void on_step(int, int) override { stop = true; }
        bool cancelled() const override { return stop; }
        bool stop = false;
    } sink;
    const jobs::GenerateResult r = jobs::run_generate(tiny_request(*sd, tmp / "out"), sink);
    CHECK(r.cancelled);
    CHECK(r.steps_done == 1);
    CHECK(r.images.empty());
    CHECK_FALSE(fs::exists(tmp / "out" / "00000-1234.png"));
}

TEST_CASE("generate job: a model that is not there names the reference", "[jobs]") {
    test::TempDir tmp;
    auto r = tiny_request(tmp / "no-such-model", tmp.path());
    JobSink sink;
    try {
        jobs::run_generate(r, sink);
        FAIL("ran without a model");
    } catch (const ModelNotFound& e) {
        CHECK(e.role == "Stable Diffusion model");
        CHECK_THAT(std::string(e.what()), Contains("no-such-model"));
    }
    r.model = "stable-diffusion-v1-5/stable-diffusion-v1-5";
    setenv("HF_HUB_CACHE", (tmp / "empty-cache").c_str(), 1);
    try {
        jobs::run_generate(r, sink);
        FAIL("ran without a model");
    } catch (const ModelNotFound& e) {
        CHECK(e.catalogue_entry == "sd15");  // the studio offers this download
    }
    unsetenv("HF_HUB_CACHE");
}
