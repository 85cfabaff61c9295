// txt2img against diffusers 0.21.4's StableDiffusionPipeline on sd-tiny: explicit latents (every
// step), seeded generation (the torch.Generator("cpu") draw), progress, cancel, PNG parameters.
#include <ATen/ATen.h>
#include "tests/support/catch.h"
#include <c10/core/InferenceMode.h>

#include "core/image/image_io.h"
#include "core/io/safetensors.h"
#include "core/image/a1111_parameters.h"
#include "core/pipelines/txt2img.h"
#include "core/util/error.h"
#include "tests/support/fixtures.h"
#include "tests/sd/sd_tiny_run.h"

using namespace pictor;
namespace fs = std::filesystem;

namespace {

struct Fixture {
    fs::path dir;
    std::unique_ptr<SafetensorsFile> expected;
    StableDiffusion sd;
};

// Loaded once: the tests only read the model.
Fixture* fixture() {
    static std::unique_ptr<Fixture> f;
    if (!f) {
        const auto root = test::require_fixtures("sd-tiny");
        if (!root) return nullptr;
        f = std::make_unique<Fixture>();
        f->dir = *root;
        f->expected = std::make_unique<SafetensorsFile>(root->parent_path() / "sd-tiny-expected" / "expected.safetensors");
        f->sd = load_stable_diffusion(*root);
    }
    return f.get();
}

Txt2ImgParams run_params(const SafetensorsFile& e) { return test::sd_tiny_run_params(e.load("run_latents_in")); }

struct Recorder : Txt2ImgSink {
    std::vector<std::string> stages;
    std::vector<std::pair<int, int>> steps;
    std::vector<Txt2ImgTiming> timings;
    int previews = 0;
    int cancel_after = -1;  // cancel once this many denoising steps were reported
    int denoise_steps = 0;
    void on_stage(std::string_view s) override { stages.emplace_back(s); }
    void on_step(int step, int total) override {
        steps.emplace_back(step, total);
        if (!stages.empty() && stages.back() == "denoising") denoise_steps = step;
    }
    void on_preview(const at::Tensor& rgb) override {
        ++previews;
        CHECK(rgb.scalar_type() == at::kByte);
        CHECK(rgb.sizes() == c10::IntArrayRef{8, 8, 3});
    }
    void on_timing(const Txt2ImgTiming& t) override { timings.push_back(t); }
    bool cancelled() const override { return cancel_after >= 0 && denoise_steps >= cancel_after; }
};

}  // namespace

TEST_CASE("txt2img with explicit latents equals diffusers at every step", "[sd][txt2img][golden]") {
    Fixture* f = fixture();
    if (!f) return;
    const SafetensorsFile& e = *f->expected;
    Recorder sink;
    Txt2ImgTrace trace;
    const Txt2ImgResult r = txt2img(f->sd, run_params(e), sink, &trace);
    REQUIRE_FALSE(r.cancelled);
    CHECK(test::all_close(r.prompt_embeds, e.load("run_prompt_embeds"), 1e-4, 1e-4, "run_prompt_embeds"));
    CHECK(test::all_close(r.timesteps.to(at::kFloat), e.load("run_timesteps"), 0, 0, "run_timesteps"));
    CHECK(test::all_close(r.initial_latents, e.load("run_initial_latents"), 1e-6, 0, "run_initial_latents"));
    REQUIRE(trace.unet_input.size() == 5);  // PNDM, 4 steps: 5 UNet calls
    const at::Tensor unet_in = e.load("run_unet_input"), unet_out = e.load("run_unet_output");
    const at::Tensor guided = e.load("run_guided_noise_pred"), latents = e.load("run_step_latents");
    for (int64_t i = 0; i < 5; ++i) {
        CAPTURE(i);
        CHECK(test::all_close(trace.unet_input[i], unet_in[i], 1e-4, 1e-4, "run_unet_input"));
        CHECK(test::all_close(trace.unet_output[i], unet_out[i], 1e-4, 1e-4, "run_unet_output"));
        CHECK(test::all_close(trace.guided_noise_pred[i], guided[i], 1e-4, 1e-4, "run_guided_noise_pred"));
        CHECK(test::all_close(trace.step_latents[i], latents[i], 1e-4, 1e-4, "run_step_latents"));
    }
    CHECK(test::all_close(r.images, e.load("run_images"), 1e-3, 0, "run_images"));
    CHECK_FALSE(r.seed.has_value());  // explicit latents: no seed

    // Order of images: prompt0-img0, prompt0-img1, prompt1-img0, prompt1-img1.
    CHECK(r.prompt_of_image[1] == "a photo of an astronaut riding a horse on mars");
    CHECK(r.negative_of_image[2] == "ugly, deformed");
    CHECK(r.parameters[2] ==
          "a watercolor painting of a fox in the snow\nNegative prompt: ugly, deformed\n"
          "Steps: 4, Sampler: PNDM, CFG scale: 7.5, Size: 64x64, Model: sd-tiny, Batch size: 4, Batch pos: 2");

    // Progress: stages, one on_step per UNet call, then per decoded image; timing with ETA.
    CHECK(sink.stages == std::vector<std::string>{"encoding prompts", "denoising", "decoding"});
    REQUIRE(sink.timings.size() == 5);
    CHECK(sink.timings.back().step == 5);
    CHECK(sink.timings.back().eta_s == 0.0);
    CHECK(sink.timings[0].eta_s >= 0.0);
    CHECK(sink.steps.size() == 5 + 4);
    CHECK(sink.previews == 0);  // preview_every 5 > 4 steps: none before the end

    // PNG: the stored reference PNGs within one 8-bit level, and the A1111 parameters chunk.
    test::TempDir dir;
    for (size_t i = 0; i < 4; ++i) {
        const fs::path file = dir / ("img" + std::to_string(i) + ".png");
        write_png(file, float_to_u8(r.images[int64_t(i)]), {{"parameters", r.parameters[i]}});
        const at::Tensor mine = read_image(file).to(at::kInt);
        const at::Tensor ref = read_image(f->dir.parent_path() / "sd-tiny-expected" / ("run_image_" + std::to_string(i) + ".png")).to(at::kInt);
        CHECK((mine - ref).abs().max().item<int>() <= 1);
        CHECK(read_png_text(file).at("parameters") == r.parameters[i]);
    }
}

TEST_CASE("txt2img with a seed draws the noise exactly as torch.Generator('cpu')", "[sd][txt2img][golden]") {
    Fixture* f = fixture();
    if (!f) return;
    const SafetensorsFile& e = *f->expected;
    Txt2ImgParams p;
    p.prompts = {"a photo of an astronaut riding a horse on mars"};
    p.width = p.height = 64;
    p.num_inference_steps = 4;
    p.num_images_per_prompt = 2;
    p.seed = 1234;
    p.preview_every = 2;
    Recorder sink;
    Txt2ImgTrace trace;
    const Txt2ImgResult r = txt2img(f->sd, p, sink, &trace);
    REQUIRE(r.drawn_noise.defined());
    CHECK(at::equal(r.drawn_noise, e.load("gen_drawn_noise")));  // bit-exact
    CHECK(at::equal(r.initial_latents, e.load("gen_initial_latents")));
    CHECK(test::all_close(r.prompt_embeds, e.load("gen_prompt_embeds"), 1e-4, 1e-4, "gen_prompt_embeds"));
    const at::Tensor latents = e.load("gen_step_latents");
    for (int64_t i = 0; i < 5; ++i) CHECK(test::all_close(trace.step_latents[i], latents[i], 1e-4, 1e-4, "gen_step_latents"));
    CHECK(test::all_close(r.images, e.load("gen_images"), 1e-3, 0, "gen_images"));
    CHECK(r.seed == std::optional<uint64_t>(1234));
    CHECK(r.parameters[0] == "a photo of an astronaut riding a horse on mars\n"
                             "Steps: 4, Sampler: PNDM, CFG scale: 7.5, Seed: 1234, Size: 64x64, Model: sd-tiny, "
                             "Batch size: 2, Batch pos: 0");
    CHECK(sink.previews == 2);  // after steps 2 and 4 of 5
}

TEST_CASE("txt2img: cancel returns within one step, without images", "[sd][txt2img]") {
    Fixture* f = fixture();
    if (!f) return;
    Txt2ImgParams p = run_params(*f->expected);
    Recorder sink;
    sink.cancel_after = 2;
    const Txt2ImgResult r = txt2img(f->sd, p, sink);
    CHECK(r.cancelled);
    CHECK(r.steps_done == 2);
    CHECK_FALSE(r.images.defined());
}

TEST_CASE("txt2img: guidance <= 1, one negative for all, scheduler by name, no trace", "[sd][txt2img]") {
    Fixture* f = fixture();
    if (!f) return;
    ProgressSink quiet;
    Txt2ImgParams p;
    p.prompts = {"a fox", "a dog"};
    p.width = 32;
    p.height = 48;
    p.num_inference_steps = 3;
    p.seed = 7;
    p.guidance_scale = 1.0;
    Txt2ImgTrace trace;
    Txt2ImgResult r = txt2img(f->sd, p, quiet, &trace);
    CHECK(r.prompt_embeds.size(0) == 2);  // no unconditional half
    CHECK(trace.unet_input[0].size(0) == 2);
    CHECK(r.images.sizes() == c10::IntArrayRef{2, 48, 32, 3});

    p.guidance_scale = 5;
    p.negative_prompts = {"blurry"};
    p.scheduler = "euler_a";
    r = txt2img(f->sd, p, quiet);
    CHECK(r.negative_of_image == std::vector<std::string>{"blurry", "blurry"});
    CHECK(r.parameters[1].find("Sampler: Euler a, CFG scale: 5.0, Seed: 7, Size: 32x48") != std::string::npos);
    CHECK(r.images.min().item<float>() >= 0.0f);
    CHECK(r.images.max().item<float>() <= 1.0f);
    // The same seed gives the same images (the ancestral noise comes from the same generator).
    const Txt2ImgResult again = txt2img(f->sd, p, quiet);
    CHECK(at::equal(again.images, r.images));
}

TEST_CASE("txt2img: invalid parameters are pictor::Error before any work", "[sd][txt2img]") {
    Fixture* f = fixture();
    if (!f) return;
    ProgressSink quiet;
    Txt2ImgParams good;
    good.prompts = {"a fox"};
    good.width = good.height = 64;
    good.num_inference_steps = 2;
    const auto fails_with = [&](Txt2ImgParams p, const std::string& what) {
        CHECK_THROWS_WITH(txt2img(f->sd, p, quiet), Catch::Contains(what));
    };
    Txt2ImgParams p = good;
    p.prompts.clear();
    fails_with(p, "no prompt");
    p = good;
    p.width = 60;
    fails_with(p, "multiples of 8");
    p = good;
    p.prompts = {"a", "b", "c"};
    p.negative_prompts = {"x", "y"};
    fails_with(p, "negative prompts");
    p = good;
    p.latents = at::zeros({2, 4, 8, 8});
    fails_with(p, "latents must be [1, 4, 8, 8]");
    p = good;
    p.scheduler = "heun";
    fails_with(p, "heun");
    p = good;
    p.num_inference_steps = 0;
    fails_with(p, "num_inference_steps");
}

TEST_CASE("load_stable_diffusion: clear errors for broken folders", "[sd][txt2img]") {
    PICTOR_REQUIRE_FIXTURES(fx, "sd-tiny");
    test::TempDir dir;
    CHECK_THROWS_WITH(load_stable_diffusion(dir / "absent"), Catch::Contains("not a folder"));
    CHECK_THROWS_WITH(load_stable_diffusion(dir.path()), Catch::Contains("model_index.json"));
    test::write_text_file(dir / "model_index.json", R"({"_class_name": "StableDiffusionPipeline", "unet": ["diffusers", "UNet2DConditionModel"]})");
    CHECK_THROWS_WITH(load_stable_diffusion(dir.path()), Catch::Contains("\"vae\""));
    SdPlacement cpu_half;
    cpu_half.dtype = at::kHalf;
    CHECK_THROWS_WITH(load_stable_diffusion(fx, cpu_half), Catch::Contains("float32"));
}

TEST_CASE("latent preview and A1111 text", "[sd][txt2img]") {
    const at::Tensor rgb = latent_preview(at::zeros({1, 4, 6, 5}));
    CHECK(rgb.sizes() == c10::IntArrayRef{6, 5, 3});
    CHECK(rgb.eq(128).all().item<bool>());  // latent 0 -> mid grey
    CHECK_THROWS_AS(latent_preview(at::zeros({3, 6, 5})), Error);
    // The pipeline writes its parameters with the engine's one writer (core/image/a1111_parameters.h).
    GenerationParameters g;
    g.prompt = "a fox";
    g.steps = 50;
    g.sampler = "PNDM";
    g.cfg_scale = 7.0;
    g.seed = 1234;
    g.width = g.height = 512;
    g.model = "stable-diffusion-v1-5";
    CHECK(format_parameters(g) ==
          "a fox\nSteps: 50, Sampler: PNDM, CFG scale: 7.0, Seed: 1234, Size: 512x512, Model: stable-diffusion-v1-5");
}
