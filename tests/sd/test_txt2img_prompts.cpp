// txt2img and the jobs with A1111 prompts on sd-tiny: chunked cond/uncond batched into one UNet
// call ([2N, 77·k, D]), CLIP skip in the run and in the PNG parameters, prompt-setting validation,
// the encode job.
#include <ATen/ATen.h>

#include "tests/support/catch.h"

#include "core/image/a1111_parameters.h"
#include "core/io/safetensors.h"
#include "core/jobs/encode_job.h"
#include "core/jobs/generate_job.h"
#include "core/jobs/job_error.h"
#include "core/models/sd/stable_diffusion.h"
#include "core/pipelines/prompt_encoding.h"
#include "core/pipelines/txt2img.h"
#include "tests/support/fixtures.h"

namespace fs = std::filesystem;
using namespace pictor;

namespace {

StableDiffusion* sd_tiny() {
    static std::unique_ptr<StableDiffusion> sd;
    if (!sd) {
        const auto root = test::require_fixtures("sd-tiny");
        if (!root) return nullptr;
        sd = std::make_unique<StableDiffusion>(load_stable_diffusion(*root));
    }
    return sd.get();
}

Txt2ImgParams small_run() {
    Txt2ImgParams p;
    p.width = p.height = 32;
    p.num_inference_steps = 2;
    p.seed = 11;
    p.preview_every = 0;
    return p;
}

std::string long_prompt(int words) {
    std::string s;
    for (int i = 0; i < words; ++i) s += (i ? " " : "") + std::string(i % 2 ? "fox" : "snow");
    return s;
}

struct Quiet : ProgressSink {};

}  // namespace

TEST_CASE("txt2img: chunked prompt and shorter negative batch into one UNet call", "[sd][txt2img][prompt]") {
    StableDiffusion* sd = sd_tiny();
    if (!sd) return;
    Txt2ImgParams p = small_run();
    p.prompts = {long_prompt(100)};  // 100 tokens: 2 chunks
    p.negative_prompts = {"blurry"};
    p.num_images_per_prompt = 2;
    Quiet quiet;
    Txt2ImgTrace trace;
    const Txt2ImgResult r = txt2img(*sd, p, quiet, &trace);
    REQUIRE(r.prompt_embeds.sizes() == c10::IntArrayRef{4, 154, 32});
    CHECK(r.images.sizes() == c10::IntArrayRef{2, 32, 32, 3});

    // Rows: uncond ×2 then cond ×2, the negative padded with the empty prompt (pad_cond_uncond).
    const std::vector<EncodedPrompt> e = encode_prompts(*sd->text_encoder, *sd->tokenizer, {p.prompts[0], "blurry", ""}, {}, sd->placement.device);
    const at::Tensor uncond = pad_cond(e[1].cond, e[2].cond, 2);
    CHECK(test::all_close(r.prompt_embeds.narrow(0, 0, 1), uncond, 1e-5, 0, "uncond"));
    CHECK(test::all_close(r.prompt_embeds.narrow(0, 1, 1), uncond, 1e-5, 0, "uncond"));
    CHECK(test::all_close(r.prompt_embeds.narrow(0, 2, 1), e[0].cond, 1e-5, 0, "cond"));
    CHECK(test::all_close(r.prompt_embeds.narrow(0, 3, 1), e[0].cond, 1e-5, 0, "cond"));
    CHECK(r.parameters[0].find("Clip skip") == std::string::npos);  // 1 is not written

    // Truncating (plain) gives other pixels: the second chunk reaches the UNet.
    p.prompt_syntax = PromptSyntax::plain;
    const Txt2ImgResult plain = txt2img(*sd, p, quiet);
    CHECK(plain.prompt_embeds.sizes() == c10::IntArrayRef{4, 77, 32});
    CHECK(test::max_abs_diff(plain.images, r.images) > 0);
    // Plain syntax is recorded (A1111 has none) and read back.
    CHECK(r.parameters[0].find("Prompt syntax") == std::string::npos);
    REQUIRE(plain.parameters[0].find(", Prompt syntax: plain") != std::string::npos);
    const auto back = parse_parameters(plain.parameters[0]);
    REQUIRE(back);
    CHECK(jobs::request_from_parameters(*back).prompt_syntax == "plain");
}

TEST_CASE("txt2img: clip skip changes the conditioning and is recorded", "[sd][txt2img][prompt]") {
    StableDiffusion* sd = sd_tiny();
    if (!sd) return;
    Txt2ImgParams p = small_run();
    p.prompts = {"a (red:1.3) fox"};
    p.guidance_scale = 1.0;  // cond only
    Quiet quiet;
    const Txt2ImgResult one = txt2img(*sd, p, quiet);
    p.clip_skip = 2;
    const Txt2ImgResult two = txt2img(*sd, p, quiet);
    PromptEncodingOptions o;
    o.clip_skip = 2;
    const at::Tensor expected = encode_prompts(*sd->text_encoder, *sd->tokenizer, p.prompts, o, sd->placement.device)[0].cond;
    CHECK(test::all_close(two.prompt_embeds, expected, 1e-5, 0, "clip skip 2"));
    CHECK(test::max_abs_diff(one.prompt_embeds, two.prompt_embeds) > 1e-3);
    REQUIRE(two.parameters.size() == 1);
    CHECK(two.parameters[0].find(", Clip skip: 2") != std::string::npos);
    const auto back = parse_parameters(two.parameters[0]);
    REQUIRE(back);
    CHECK(back->clip_skip == 2);
    CHECK(jobs::request_from_parameters(*back).clip_skip == 2);

    p.clip_skip = 4;  // sd-tiny's text encoder has 3 layers
    CHECK_THROWS_WITH(txt2img(*sd, p, quiet), Catch::Contains("clip_skip must be between 1 and the text encoder's 3 layers"));
    p.clip_skip = 0;
    CHECK_THROWS_AS(txt2img(*sd, p, quiet), Error);
}

TEST_CASE("generate job: prompt settings are validated before loading", "[jobs][prompt]") {
    jobs::GenerateRequest r;
    r.model = "/nonexistent";
    r.prompts = {"a fox"};
    r.clip_skip = 13;
    CHECK_THROWS_WITH(jobs::validate(r), Catch::Contains("clip skip must be between 1 and 12"));
    r.clip_skip = 2;
    r.prompt_syntax = "compel";
    CHECK_THROWS_AS(jobs::validate(r), InvalidRequest);
    r.prompt_syntax = "a1111";
    r.prompts = {"a fox", "a (dog:1.2.3)"};
    CHECK_THROWS_WITH(jobs::validate(r), Catch::Contains("prompt 2: the weight '1.2.3' is not a number"));
    r.prompt_syntax = "plain";  // the text is taken as is
    CHECK_NOTHROW(jobs::validate(r));
    GenerationParameters g;
    g.prompt = "x";
    CHECK(jobs::request_from_parameters(g).clip_skip == 1);
}

TEST_CASE("encode job: embeddings padded to the same chunks, tensors file", "[jobs][prompt]") {
    const auto root = test::require_fixtures("sd-tiny");
    if (!root) return;
    test::TempDir dir;
    jobs::EncodeRequest r;
    r.model = root->string();
    r.prompt = "a castle BREAK a dragon BREAK the sea";
    r.negative_prompt = "blurry";
    r.clip_skip = 2;
    r.save_tensors = dir / "e.safetensors";
    JobSink sink;
    const jobs::EncodeResult e = jobs::run_encode(r, sink);
    CHECK(e.prompt.tokens.chunks.size() == 3);
    CHECK(e.negative.tokens.chunks.size() == 1);
    CHECK(e.prompt.embeds_shape == std::vector<int64_t>{1, 231, 32});
    CHECK(e.negative.embeds_shape == std::vector<int64_t>{1, 231, 32});
    CHECK(e.text_encoder_layers == 3);
    const SafetensorsFile f(r.save_tensors);
    const at::Tensor prompt = f.load("prompt_embeds"), negative = f.load("negative_prompt_embeds");
    // The padding chunks are the empty prompt's, the same as generate's conditioning.
    PromptEncodingOptions o;
    o.clip_skip = 2;
    StableDiffusion* sd = sd_tiny();
    REQUIRE(sd);
    const auto enc = encode_prompts(*sd->text_encoder, *sd->tokenizer, {r.prompt, "blurry", ""}, o, sd->placement.device);
    CHECK(test::all_close(prompt, enc[0].cond, 1e-6, 0, "prompt_embeds"));
    CHECK(test::all_close(negative, pad_cond(enc[1].cond, enc[2].cond, 3), 1e-6, 0, "negative_prompt_embeds"));
    CHECK(test::all_close(negative.narrow(1, 77, 77), enc[2].cond, 1e-6, 0, "empty chunk"));

    r.save_tensors = dir / "missing" / "e.safetensors";
    CHECK_THROWS_WITH(jobs::validate(r), Catch::Contains("does not exist"));
    r.save_tensors.clear();
    r.clip_skip = 5;
    CHECK_THROWS_AS(jobs::run_encode(r, sink), InvalidRequest);
}
