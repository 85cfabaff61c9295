// Few-step generation against its references, every step: LCM (diffusers 0.23.0,
// ../shared/fixtures/lcm: an LCM-distilled UNet, and LCM sampling on a plain model at guidance
// 1 and 1.5), SD-Turbo-style Euler ancestral with "trailing" spacing at guidance 0 (turbo/), and
// TAESD as the pipeline's decoder (taesd/). Seeded runs check that the generator's draws (initial
// latents, then the per-step noise) come in the reference's order.
#include <ATen/ATen.h>
#include "tests/support/catch.h"
#include <c10/core/InferenceMode.h>

#include "core/io/safetensors.h"
#include "core/models/sd/taesd.h"
#include "core/pipelines/txt2img.h"
#include "tests/support/fixtures.h"

using namespace pictor;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kPrompts{"a photo of an astronaut riding a horse on mars",
                                        "a watercolor painting of a fox in the snow"};

struct Quiet : ProgressSink {
    std::vector<std::string> messages;
    int previews = 0;
    void on_message(std::string_view m) override { messages.emplace_back(m); }
    void on_preview(const at::Tensor&) override { ++previews; }
};

StableDiffusion& sd_tiny() {
    static std::optional<StableDiffusion> m;
    if (!m) m = load_stable_diffusion(*test::fixtures_root() / "sd-tiny");
    return *m;
}

// lcm-tiny holds the LCM UNet and scheduler; its README says to take the other components from
// sd-tiny, which a folder of links does without copying.
StableDiffusion& lcm_tiny() {
    static std::optional<StableDiffusion> m;
    static std::unique_ptr<test::TempDir> dir;
    if (!m) {
        dir = std::make_unique<test::TempDir>();
        const fs::path root = *test::fixtures_root();
        for (const char* part : {"model_index.json", "unet", "scheduler"})
            fs::create_symlink(root / "lcm" / "lcm-tiny" / part, *dir / part);
        for (const char* part : {"text_encoder", "tokenizer", "vae", "feature_extractor"})
            fs::create_symlink(root / "sd-tiny" / part, *dir / part);
        m = load_stable_diffusion(dir->path());
    }
    return *m;
}

// Compares the trace of a run with the fixture's `<prefix>_*` tensors: per step [steps, B, ...].
void check_run(const Txt2ImgResult& r, const Txt2ImgTrace& trace, const SafetensorsFile& e, const std::string& prefix,
               double step_atol, double step_rtol) {
    INFO(prefix);
    const auto key = [&](const char* name) { return prefix + "_" + name; };
    REQUIRE_FALSE(r.cancelled);
    CHECK(test::all_close(r.timesteps, e.load(key("timesteps")), 0, 0, key("timesteps")));
    CHECK(test::all_close(r.prompt_embeds, e.load(key("prompt_embeds")), 1e-4, 0, key("prompt_embeds")));
    CHECK(test::all_close(r.initial_latents, e.load(key("initial_latents")), 1e-4, 1e-5, key("initial_latents")));
    if (e.contains(key("w_embedding"))) {
        REQUIRE(trace.w_embedding.defined());
        CHECK(test::all_close(trace.w_embedding, e.load(key("w_embedding")), 1e-3, 0, key("w_embedding")));
    } else {
        CHECK_FALSE(trace.w_embedding.defined());
    }
    const at::Tensor unet_in = e.load(key("unet_input")), unet_out = e.load(key("unet_output"));
    const at::Tensor latents = e.load(key("step_latents"));
    const int64_t steps = latents.size(0);
    REQUIRE(static_cast<int64_t>(trace.unet_input.size()) == steps);
    for (int64_t i = 0; i < steps; ++i) {
        INFO("step " << i);
        CHECK(test::all_close(trace.unet_input[size_t(i)], unet_in[i], step_atol, step_rtol, key("unet_input")));
        CHECK(test::all_close(trace.unet_output[size_t(i)], unet_out[i], step_atol, 1e-4, key("unet_output")));
        if (e.contains(key("guided_noise_pred")))
            CHECK(test::all_close(trace.guided_noise_pred[size_t(i)], e.load(key("guided_noise_pred"))[i], step_atol, 1e-4,
                                  key("guided_noise_pred")));
        CHECK(test::all_close(trace.step_latents[size_t(i)], latents[i], step_atol, step_rtol, key("step_latents")));
        if (e.contains(key("step_denoised"))) {
            REQUIRE(trace.step_denoised.size() == size_t(steps));
            CHECK(test::all_close(trace.step_denoised[size_t(i)], e.load(key("step_denoised"))[i], step_atol, step_rtol,
                                  key("step_denoised")));
        }
    }
    CHECK(test::all_close(r.images, e.load(key("images")), 1e-3, 0, key("images")));
}

}  // namespace

TEST_CASE("LCM-distilled pipeline equals LatentConsistencyModelPipeline", "[sd][txt2img][lcm][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "lcm");
    PICTOR_REQUIRE_FIXTURES(sd, "sd-tiny");
    c10::InferenceMode inference;
    const SafetensorsFile e(dir / "expected.safetensors");
    StableDiffusion& m = lcm_tiny();
    REQUIRE(m.unet->config().time_cond_proj_dim == 32);
    Txt2ImgParams p;
    p.width = p.height = 64;
    p.num_inference_steps = 4;
    p.guidance_scale = 8.5;
    p.preview_every = 0;
    Txt2ImgTrace trace;
    Quiet sink;
    SECTION("explicit latents; the seed only drives the step noise") {
        p.prompts = kPrompts;
        p.latents = e.load("run_latents_in");
        p.seed = 7;
        p.negative_prompts = {"ignored"};
        const Txt2ImgResult r = txt2img(m, p, sink, &trace);
        check_run(r, trace, e, "run", 5e-4, 1e-5);
        CHECK_FALSE(r.used_cfg);
        CHECK(r.seed == 7u);  // recorded: the step noise came from it
        CHECK(r.sampler == "LCM");
        REQUIRE(sink.messages.size() == 1);
        CHECK(sink.messages[0].find("negative prompt is not used") != std::string::npos);
    }
    SECTION("seeded: initial latents, then one draw per step but the last") {
        p.prompts = {kPrompts[0]};
        p.num_images_per_prompt = 2;
        p.seed = 1234;
        const Txt2ImgResult r = txt2img(m, p, sink, &trace);
        CHECK(at::equal(r.drawn_noise, e.load("gen_drawn_noise")[0]));
        check_run(r, trace, e, "gen", 5e-4, 1e-5);
    }
}

TEST_CASE("LCM sampling on a plain model (LCM-LoRA style) at guidance 1 and 1.5", "[sd][txt2img][lcm][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "lcm");
    PICTOR_REQUIRE_FIXTURES(sd, "sd-tiny");
    c10::InferenceMode inference;
    const SafetensorsFile e(dir / "expected.safetensors");
    const auto [prefix, guidance, seed] = GENERATE(std::make_tuple("lora_g1", 1.0, 8), std::make_tuple("lora_g15", 1.5, 9));
    Txt2ImgParams p;
    p.prompts = kPrompts;
    p.width = p.height = 64;
    p.num_inference_steps = 4;
    p.guidance_scale = guidance;
    p.scheduler = "lcm";
    p.latents = e.load(std::string(prefix) + "_latents_in");
    p.seed = static_cast<uint64_t>(seed);
    p.preview_every = 0;
    Txt2ImgTrace trace;
    Quiet sink;
    const Txt2ImgResult r = txt2img(sd_tiny(), p, sink, &trace);
    check_run(r, trace, e, prefix, 5e-4, 1e-5);
    CHECK(r.used_cfg == (guidance > 1.0));
    CHECK(trace.unet_input[0].size(0) == (guidance > 1.0 ? 4 : 2));  // guidance 1 never runs the unconditional half
}

TEST_CASE("SD-Turbo-style sampling: Euler a, trailing, guidance 0", "[sd][txt2img][turbo][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "turbo");
    PICTOR_REQUIRE_FIXTURES(sd, "sd-tiny");
    c10::InferenceMode inference;
    const SafetensorsFile e(dir / "expected.safetensors");
    struct Run {
        const char* name;
        int steps;
        int seed;
        bool explicit_latents;
    };
    const Run run = GENERATE(Run{"lat_n1", 1, 3201, true}, Run{"lat_n4", 4, 3204, true}, Run{"gen_n1", 1, 3301, false},
                             Run{"gen_n4", 4, 3304, false});
    Txt2ImgParams p;
    p.prompts = kPrompts;
    p.width = p.height = 64;
    p.num_inference_steps = run.steps;
    p.guidance_scale = 0.0;
    p.scheduler = "euler_a";
    p.timestep_spacing = "trailing";
    p.seed = static_cast<uint64_t>(run.seed);
    p.preview_every = 0;
    if (run.explicit_latents) p.latents = e.load(std::string(run.name) + "_latents_in");
    Txt2ImgTrace trace;
    Quiet sink;
    const Txt2ImgResult r = txt2img(sd_tiny(), p, sink, &trace);
    if (!run.explicit_latents) CHECK(at::equal(r.drawn_noise, e.load(std::string(run.name) + "_drawn_noise")[0]));
    check_run(r, trace, e, run.name, 2e-4, 1e-5);
    CHECK_FALSE(r.used_cfg);
    CHECK(r.prompt_embeds.size(0) == 2);  // no negative prompt encoded
    CHECK(r.parameters[0].find("Timestep spacing: trailing") != std::string::npos);
}

TEST_CASE("TAESD decodes the pipeline's latents as pipe.vae = AutoencoderTiny", "[sd][txt2img][taesd][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "taesd");
    PICTOR_REQUIRE_FIXTURES(sd, "sd-tiny");
    c10::InferenceMode inference;
    const SafetensorsFile e(dir / "expected.safetensors");
    Txt2ImgParams p;
    p.prompts = kPrompts;
    p.negative_prompts = {"blurry, low quality", "ugly, deformed"};
    p.width = p.height = 64;
    p.num_inference_steps = 3;
    p.guidance_scale = 7.5;
    p.latents = e.load("run_latents_in");
    p.decoder = load_taesd(dir / "taesd-tiny");
    p.decoder_name = "taesd-tiny";
    p.preview_decoder = p.decoder;
    p.preview_every = 1;
    Txt2ImgTrace trace;
    Quiet sink;
    const Txt2ImgResult r = txt2img(sd_tiny(), p, sink, &trace);
    REQUIRE_FALSE(r.cancelled);
    CHECK(test::all_close(trace.step_latents.back(), e.load("run_final_latents"), 2e-4, 1e-5, "run_final_latents"));
    CHECK(test::all_close(trace.decoded, e.load("run_decode_sample"), 1e-3, 0, "run_decode_sample"));
    CHECK(test::all_close(r.images, e.load("run_images"), 1e-3, 0, "run_images"));
    CHECK(r.parameters[0].find("VAE: taesd-tiny") != std::string::npos);
    CHECK(sink.previews == 3);  // 4 UNet calls, none after the last
    // The TAESD preview is the decode itself at preview size.
    const at::Tensor preview = taesd_preview(p.decoder, trace.step_latents.back());
    CHECK(preview.sizes() == c10::IntArrayRef({64, 64, 3}));
    CHECK(preview.scalar_type() == at::kByte);
}
