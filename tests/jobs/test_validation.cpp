// Every job validates its whole request before any work: ranges, NaN/Inf, multiples of 8, empty
// label lists, files that exist, and a memory estimate against the machine's memory.
#include "tests/support/catch.h"

#include <ATen/ATen.h>

#include <chrono>
#include <cmath>
#include <limits>

#include "core/io/safetensors.h"
#include "core/jobs/classify_job.h"
#include "core/jobs/compare_job.h"
#include "core/jobs/dataset_job.h"
#include "core/jobs/generate_job.h"
#include "core/jobs/job_error.h"
#include "core/jobs/memory_estimate.h"
#include "core/jobs/predict_job.h"
#include "core/jobs/score_job.h"
#include "core/jobs/train_job.h"
#include "tests/support/fixtures.h"

using namespace pictor;
using Catch::Matchers::Contains;

namespace {

jobs::GenerateRequest good_generate() {
    jobs::GenerateRequest r;
    r.model = "/nowhere";
    r.prompts = {"a fox"};
    r.width = r.height = 64;
    return r;
}

}  // namespace

TEST_CASE("validation: generate refuses bad numbers naming the field", "[jobs]") {
    CHECK_NOTHROW(jobs::validate(good_generate()));
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    auto r = good_generate();
    r.guidance = nan;
    CHECK_THROWS_WITH(jobs::validate(r), Contains("guidance must be a finite number"));
    r.guidance = inf;
    CHECK_THROWS_WITH(jobs::validate(r), Contains("guidance"));
    r = good_generate();
    r.guidance = -1;
    CHECK_THROWS_WITH(jobs::validate(r), Contains("guidance must be between 0 and 100"));
    r = good_generate();
    r.steps = 0;
    CHECK_THROWS_WITH(jobs::validate(r), Contains("steps"));
    r = good_generate();
    r.width = 70;
    CHECK_THROWS_WITH(jobs::validate(r), Contains("width must be a positive multiple of 8"));
    r = good_generate();
    r.height = -8;
    CHECK_THROWS_WITH(jobs::validate(r), Contains("height"));
    r = good_generate();
    r.images_per_prompt = 0;
    CHECK_THROWS_WITH(jobs::validate(r), Contains("images per prompt"));
    r = good_generate();
    r.prompts.clear();
    CHECK_THROWS_WITH(jobs::validate(r), Contains("prompt"));
    r = good_generate();
    r.negative_prompts = {"a", "b"};
    CHECK_THROWS_WITH(jobs::validate(r), Contains("one for all prompts or one per prompt"));
    r = good_generate();
    r.scheduler = "heun";
    CHECK_THROWS_WITH(jobs::validate(r), Contains("scheduler 'heun' is not one of"));
    r.scheduler = "Euler a";  // A1111's name is fine
    CHECK_NOTHROW(jobs::validate(r));
    r = good_generate();
    r.dtype = "f16";
    CHECK_THROWS_WITH(jobs::validate(r), Contains("CUDA only"));
    r = good_generate();
    r.latents_file = "/no/such/latents.safetensors";
    CHECK_THROWS_WITH(jobs::validate(r), Contains("does not exist"));
    // Every refusal is an InvalidRequest (the CLI exits 2 for it).
    r.guidance = nan;
    CHECK_THROWS_AS(jobs::validate(r), InvalidRequest);
}

TEST_CASE("validation: a job too big for this machine is refused at once with the estimate", "[jobs]") {
    const auto sd = test::require_fixtures("sd-tiny");
    if (!sd) return;
    auto r = good_generate();
    r.model = sd->string();
    r.width = 512;
    r.height = 100000;
    ModelCache cache(uint64_t(1) << 40);
    JobSink sink;
    const auto start = std::chrono::steady_clock::now();
    try {
        jobs::run_generate(r, sink, cache);
        FAIL("a 512x100000 request ran");
    } catch (const InvalidRequest& e) {
        const std::string message = e.what();
        CHECK_THAT(message, Contains("generating 2 image(s) of 512x100000 needs about"));
        CHECK_THAT(message, Contains("GB of memory"));
        CHECK_THAT(message, Contains("this machine has"));
    }
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
    CHECK(cache.count() == 0);  // refused before any model was loaded
}

TEST_CASE("validation: the memory estimate grows with the size and stays modest at 512", "[jobs]") {
    const uint64_t weights = 4'000'000'000ull;
    const GenerationMemory m512 = estimate_generation_memory(weights, 512, 512, 2, true);
    CHECK(m512.total() < 8'000'000'000ull);  // SD 1.5 at 512² runs in ~6.5 GB here
    const GenerationMemory huge = estimate_generation_memory(weights, 512, 100000, 2, true);
    CHECK(huge.total() > 100'000'000'000ull);
    CHECK(format_bytes(3'400'000'000ull) == "3.4 GB");
}

TEST_CASE("validation: latents holding NaN are refused before any model is loaded", "[jobs]") {
    const auto sd = test::require_fixtures("sd-tiny");
    if (!sd) return;
    test::TempDir tmp;
    at::Tensor latents = at::zeros({2, 4, 8, 8});
    latents[0][0][0][0] = std::numeric_limits<float>::quiet_NaN();
    write_safetensors(tmp / "nan.safetensors", {{"latents", latents}});
    auto r = good_generate();
    r.model = sd->string();
    r.latents_file = tmp / "nan.safetensors";
    ModelCache cache(uint64_t(1) << 40);
    JobSink sink;
    CHECK_THROWS_WITH(jobs::run_generate(r, sink, cache), Contains("NaN or infinite"));
    CHECK(cache.count() == 0);
}

TEST_CASE("validation: score, classify, compare, predict, dataset and train requests", "[jobs]") {
    jobs::ScoreRequest s;
    s.clip = "x";
    CHECK_THROWS_WITH(jobs::validate(s), Contains("give at least one image"));
    s.images = {"/no/such.png"};
    CHECK_THROWS_WITH(jobs::validate(s), Contains("'/no/such.png' does not exist"));
    s.images = {test::source_dir() / "README.md"};
    CHECK_THROWS_WITH(jobs::validate(s), Contains("the label list is empty"));
    s.labels = {"fox", "  "};
    CHECK_THROWS_WITH(jobs::validate(s), Contains("label 2 is empty"));
    s.labels = {"fox"};
    s.prompt_template = "a photo of";
    CHECK_THROWS_WITH(jobs::validate(s), Contains("has no {}"));

    jobs::ClassifyRequest c;
    c.images = {test::source_dir() / "README.md"};
    c.top_k = 0;
    CHECK_THROWS_WITH(jobs::validate(c), Contains("top-k"));
    c.top_k = 5;
    c.preset = "v3";
    CHECK_THROWS_WITH(jobs::validate(c), Contains("preset"));

    jobs::CompareRequest k;
    k.image = test::source_dir() / "README.md";
    CHECK_THROWS_WITH(jobs::validate(k), Contains("the label list is empty"));

    jobs::PredictRequest p;
    CHECK_THROWS_WITH(jobs::validate(p), Contains("no trained classifier"));

    jobs::DatasetRequest d;
    d.classes = {{"fox", {"a fox"}, ""}};
    CHECK_THROWS_WITH(jobs::validate(d), Contains("at least two classes"));
    d.classes.push_back({"fox", {"a dog"}, ""});
    CHECK_THROWS_WITH(jobs::validate(d), Contains("given twice"));
    d.classes[1].name = "../dog";
    CHECK_THROWS_WITH(jobs::validate(d), Contains("cannot be a folder name"));
    d.classes[1].name = "dog";
    d.out_dir = "/tmp/x";
    d.guidance = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH(jobs::validate(d), Contains("guidance"));

    jobs::TrainRequest t;
    t.data_dir = test::source_dir();
    t.out_dir = "/tmp/x";
    t.learning_rate = std::numeric_limits<double>::infinity();
    CHECK_THROWS_WITH(jobs::validate(t), Contains("learning rate"));
    t.learning_rate = 1e-3;
    t.optimizer = "lbfgs";
    CHECK_THROWS_WITH(jobs::validate(t), Contains("optimizer"));
    t.optimizer = "Adam";
    CHECK_NOTHROW(jobs::validate(t));
}
