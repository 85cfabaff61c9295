// The generate job in img2img mode (what `pictor-cli img2img` and the studio send): the PNGs equal
// diffusers' StableDiffusionImg2ImgPipeline images (../shared/fixtures/img2img) within one level,
// the parameters record the strength, bad init images are refused with their path.
#include "tests/support/catch.h"

#include <ATen/ATen.h>

#include <filesystem>

#include "core/image/image_io.h"
#include "core/io/safetensors.h"
#include "core/jobs/generate_job.h"
#include "core/jobs/job_error.h"
#include "tests/support/fixtures.h"

using namespace pictor;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

struct Quiet : JobSink {};

double level_difference(const fs::path& written, const fs::path& reference) {
    const at::Tensor a = to_rgb(read_image(written)).to(at::kInt), b = to_rgb(read_image(reference)).to(at::kInt);
    REQUIRE(a.sizes() == b.sizes());
    return (a - b).abs().max().item<double>();
}

jobs::GenerateRequest img2img_request(const fs::path& sd, const fs::path& dir, const fs::path& out) {
    jobs::GenerateRequest r;
    r.model = sd.string();
    r.prompts = {"a watercolor painting of a fox in the snow"};
    r.negative_prompts = {"blurry, low quality"};
    r.steps = 10;
    r.guidance = 7.5;
    r.images_per_prompt = 2;
    r.init_image = dir / "init_image.png";
    r.out_dir = out;
    return r;
}

}  // namespace

TEST_CASE("img2img job writes diffusers' images and records the strength", "[jobs][img2img][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "img2img");
    PICTOR_REQUIRE_FIXTURES(sd, "sd-tiny");
    test::TempDir tmp;
    jobs::GenerateRequest r = img2img_request(sd, dir, tmp.path());
    r.scheduler = "euler_a";
    r.strength = 0.3;
    r.seed = 4104;
    Quiet sink;
    const jobs::GenerateResult result = jobs::run_generate(r, sink);
    REQUIRE(result.images.size() == 2);
    CHECK(result.unet_calls == 3);
    CHECK(result.width == 64);
    for (int i = 0; i < 2; ++i)
        CHECK(level_difference(result.images[size_t(i)].file, dir / ("euler_ancestral_s30_n10_image_" + std::to_string(i) + ".png")) <= 1);
    CHECK_THAT(result.images[0].parameters, Contains("Denoising strength: 0.3") && Contains("Seed: 4104"));
    const jobs::GenerateRequest again = jobs::request_from_png(result.images[0].file);
    CHECK(again.strength == 0.3);
}

TEST_CASE("img2img job: the init image is resized to the requested size", "[jobs][img2img]") {
    PICTOR_REQUIRE_FIXTURES(dir, "img2img");
    PICTOR_REQUIRE_FIXTURES(sd, "sd-tiny");
    test::TempDir tmp;
    // A 70x45 init image: rounded down to 64x40 by default, or resized to what is asked.
    const at::Tensor odd = to_rgb(read_image(dir / "init_image.png")).narrow(0, 0, 45).narrow(1, 0, 60);
    write_png(tmp / "odd.png", at::cat({odd, odd.narrow(1, 0, 10)}, 1).contiguous(), {});
    jobs::GenerateRequest r = img2img_request(sd, dir, tmp / "out");
    r.init_image = tmp / "odd.png";
    r.steps = 2;
    r.strength = 1.0;
    r.images_per_prompt = 1;
    r.seed = 1;
    Quiet sink;
    jobs::GenerateResult result = jobs::run_generate(r, sink);
    CHECK(result.width == 64);
    CHECK(result.height == 40);
    r.width = 32;
    r.height = 48;
    result = jobs::run_generate(r, sink);
    CHECK(result.width == 32);
    CHECK(result.height == 48);
}

TEST_CASE("img2img job: bad init images and strengths are refused before any work", "[jobs][img2img]") {
    PICTOR_REQUIRE_FIXTURES(dir, "img2img");
    PICTOR_REQUIRE_FIXTURES(sd, "sd-tiny");
    test::TempDir tmp;
    jobs::GenerateRequest r = img2img_request(sd, dir, tmp / "out");
    Quiet sink;
    r.strength = 0;
    CHECK_THROWS_WITH(jobs::validate(r), Contains("strength must be greater than 0"));
    r.strength = 1.5;
    CHECK_THROWS_AS(jobs::validate(r), InvalidRequest);
    r.strength = 0.5;
    r.init_image = tmp / "missing.png";
    CHECK_THROWS_WITH(jobs::validate(r), Contains("missing.png"));
    test::write_text_file(tmp / "broken.png", "not a png");
    r.init_image = tmp / "broken.png";
    CHECK_THROWS_WITH(jobs::run_generate(r, sink), Contains("init image '" + (tmp / "broken.png").string() + "' cannot be read"));
    CHECK_FALSE(fs::exists(tmp / "out"));
}
