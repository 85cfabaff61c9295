// img2img against diffusers 0.21.4's StableDiffusionImg2ImgPipeline on sd-tiny
// (../shared/fixtures/img2img): preprocessing, the posterior and noise draws in the reference's
// order, the strength's timestep slice (PNDM's quirk included), every UNet call and step, images.
#include <ATen/ATen.h>
#include "tests/support/catch.h"
#include <c10/core/InferenceMode.h>

#include "core/image/image_io.h"
#include "core/io/safetensors.h"
#include "core/pipelines/txt2img.h"
#include "core/util/error.h"
#include "tests/support/fixtures.h"

using namespace pictor;

namespace {

struct Quiet : ProgressSink {};

StableDiffusion& sd_tiny() {
    static std::optional<StableDiffusion> m;
    if (!m) m = load_stable_diffusion(*test::fixtures_root() / "sd-tiny");
    return *m;
}

// VaeImageProcessor.preprocess for an image already a multiple of 8: x / 255 * 2 - 1, NCHW.
at::Tensor preprocess(const std::filesystem::path& png) {
    return (to_rgb(read_image(png)).permute({2, 0, 1}).unsqueeze(0).to(at::kFloat) / 255.0) * 2.0 - 1.0;
}

Txt2ImgParams run_params(const std::filesystem::path& dir, double strength, uint64_t seed, const std::string& scheduler) {
    Txt2ImgParams p;
    p.prompts = {"a watercolor painting of a fox in the snow"};
    p.negative_prompts = {"blurry, low quality"};
    p.guidance_scale = 7.5;
    p.num_images_per_prompt = 2;
    p.num_inference_steps = 10;
    p.init_image = preprocess(dir / "init_image.png");
    p.strength = strength;
    p.seed = seed;
    p.scheduler = scheduler;
    p.preview_every = 0;
    return p;
}

}  // namespace

TEST_CASE("img2img preprocessing equals VaeImageProcessor.preprocess", "[sd][img2img][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "img2img");
    const SafetensorsFile e(dir / "expected.safetensors");
    CHECK(test::max_abs_diff(preprocess(dir / "init_image.png"), e.load("init_image_preprocessed")) == 0.0);
}

TEST_CASE("img2img equals StableDiffusionImg2ImgPipeline at every step", "[sd][img2img][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "img2img");
    PICTOR_REQUIRE_FIXTURES(sd, "sd-tiny");
    c10::InferenceMode inference;
    const SafetensorsFile e(dir / "expected.safetensors");
    struct Run {
        const char* name;
        const char* scheduler;
        double strength;
        uint64_t seed;
        int calls;
    };
    const Run run = GENERATE(Run{"pndm_s75_n10", "pndm", 0.75, 4101, 8}, Run{"pndm_s30_n10", "pndm", 0.3, 4102, 4},
                             Run{"euler_ancestral_s75_n10", "euler_a", 0.75, 4103, 7},
                             Run{"euler_ancestral_s30_n10", "euler_a", 0.3, 4104, 3},
                             Run{"ddim_s75_n10", "ddim", 0.75, 4105, 7}, Run{"ddim_s30_n10", "ddim", 0.3, 4106, 3});
    INFO(run.name);
    const auto key = [&](const char* t) { return std::string(run.name) + "." + t; };
    Txt2ImgTrace trace;
    Quiet sink;
    const Txt2ImgResult r = txt2img(sd_tiny(), run_params(dir, run.strength, run.seed, run.scheduler), sink, &trace);
    REQUIRE_FALSE(r.cancelled);
    CHECK(test::all_close(r.prompt_embeds, e.load("prompt_embeds"), 1e-4, 0, "prompt_embeds"));
    CHECK(at::equal(trace.vae_eps, e.load(key("vae_eps"))));  // draw 0, bit-exact
    CHECK(test::all_close(r.init_latents, e.load(key("init_latents")), 1e-4, 0, "init_latents"));
    CHECK(at::equal(trace.noise, e.load(key("noise"))));  // draw 1
    CHECK(test::all_close(trace.noised_latents, e.load(key("noised_latents")), 1e-4, 0, "noised_latents"));
    REQUIRE(r.timesteps.size(0) == run.calls);
    CHECK(test::all_close(r.timesteps, e.load(key("timesteps")), 0, 0, "timesteps"));
    REQUIRE(static_cast<int>(trace.unet_input.size()) == run.calls);
    const at::Tensor unet_in = e.load(key("unet_input")), unet_out = e.load(key("unet_output"));
    const at::Tensor guided = e.load(key("guided_noise_pred")), latents = e.load(key("step_latents"));
    for (int i = 0; i < run.calls; ++i) {
        INFO("call " << i);
        CHECK(test::all_close(trace.unet_input[size_t(i)], unet_in[i], 1e-4, 1e-5, "unet_input"));
        CHECK(test::all_close(trace.unet_output[size_t(i)], unet_out[i], 1e-4, 1e-5, "unet_output"));
        CHECK(test::all_close(trace.guided_noise_pred[size_t(i)], guided[i], 1e-4, 1e-5, "guided_noise_pred"));
        CHECK(test::all_close(trace.step_latents[size_t(i)], latents[i], 1e-4, 1e-5, "step_latents"));
    }
    CHECK(test::all_close(r.images, e.load(key("images")), 1e-3, 0, "images"));
    CHECK(r.steps_done == run.calls);
    CHECK(r.parameters[0].find("Denoising strength: " + std::string(run.strength == 0.75 ? "0.75" : "0.3")) !=
          std::string::npos);
}

TEST_CASE("img2img: invalid inputs are pictor::Error before any work", "[sd][img2img]") {
    PICTOR_REQUIRE_FIXTURES(dir, "img2img");
    PICTOR_REQUIRE_FIXTURES(sd, "sd-tiny");
    Quiet sink;
    Txt2ImgParams p = run_params(dir, 0.0, 1, "ddim");
    CHECK_THROWS_WITH(txt2img(sd_tiny(), p, sink), Catch::Contains("strength must lie in (0, 1]"));
    p.strength = 0.05;  // int(10 * 0.05) = 0 steps
    CHECK_THROWS_WITH(txt2img(sd_tiny(), p, sink), Catch::Contains("leaves no denoising step"));
    p.strength = 0.5;
    p.init_image = at::zeros({1, 4, 64, 64});
    CHECK_THROWS_WITH(txt2img(sd_tiny(), p, sink), Catch::Contains("init image must be [1 or N, 3, H, W]"));
    p.init_image = at::zeros({1, 3, 60, 64});
    CHECK_THROWS_WITH(txt2img(sd_tiny(), p, sink), Catch::Contains("multiples of 8"));
}
