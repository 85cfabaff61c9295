// pictor-cli generate: text-to-image with Stable Diffusion (PNG files with A1111 parameters).
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/cli/args.h"
#include "app/cli/command.h"
#include "app/cli/terminal_sink.h"
#include "core/jobs/generate_job.h"
#include "core/jobs/job_error.h"

namespace pictor::cli {
namespace {

constexpr const char* kUsage =
    "usage: pictor-cli generate --model REF --prompt TEXT [--prompt TEXT ...] [options]\n"
    "       pictor-cli generate --from-png FILE [options that override the image's parameters]\n\n"
    "Text-to-image with a Stable Diffusion 1.x/2.x model in diffusers format (the same images as\n"
    "diffusers' StableDiffusionPipeline for the same seed). Images are written as PNG with the\n"
    "generation parameters in a `parameters` text chunk (AUTOMATIC1111 format).\n\n"
    "  --model REF             diffusers folder (model_index.json, unet/, vae/, text_encoder/, ...) or\n"
    "                          a Hugging Face repo id in the local cache (stable-diffusion-v1-5/stable-diffusion-v1-5)\n"
    "  --from-png FILE         rerun the parameters of a generated PNG (Pictor's or A1111's): model,\n"
    "                          prompts, steps, sampler, guidance, seed, size and batch size; the same seed\n"
    "                          gives the same pixels. Other options given override them.\n"
    "  --prompt TEXT           a prompt; repeat for several\n"
    "  --negative TEXT         negative prompt: one for all prompts, or one per prompt (repeat)\n"
    "  --steps N               denoising steps (default 50)\n"
    "  --guidance G            classifier-free guidance scale (default 7.5; <= 1 turns it off)\n"
    "  --images N              images per prompt (default 2, as the studio)\n"
    "  --seed N                seed of the torch.Generator(\"cpu\") draw (default: random, printed)\n"
    "  --width W --height H    multiples of 8 (default: the model's size, 512 for SD 1.5)\n"
    "  --scheduler NAME        pndm|ddim|euler|euler_a|dpmpp_2m|dpmpp_2m_karras|lms, or A1111's names\n"
    "                          (\"Euler a\", \"DPM++ 2M Karras\"); default: the model's\n"
    "  --latents FILE          initial latents: safetensors with tensor `latents`\n"
    "                          [prompts x images, 4, H/8, W/8] (replaces --seed)\n"
    "  --out DIR               output folder (default .); files NNNNN-SEED.png\n"
    "  --save-tensors OUT      also write `images` (NHWC float in [0,1]) and `initial_latents`\n"
    "  --device cpu|cuda       (default cpu)\n"
    "  --dtype f32|f16         (default f32 on cpu, f16 on cuda)\n"
    "  --json                  print a JSON summary\n\n"
    "Ctrl-C stops after the current step; no partial image is written.\n";

int run_generate_command(Args& args) {
    if (args.wants_help()) {
        std::cout << kUsage;
        return 0;
    }
    jobs::GenerateRequest r;
    const std::optional<std::string> from_png = args.value("from-png");
    if (from_png) r = jobs::request_from_png(*from_png);
    if (auto v = args.value("model")) r.model = *v;
    if (auto v = args.values("prompt"); !v.empty()) r.prompts = v;
    if (auto v = args.values("negative"); !v.empty()) r.negative_prompts = v;
    r.steps = args.int_or("steps", r.steps);
    r.guidance = args.double_or("guidance", r.guidance);
    r.images_per_prompt = args.int_or("images", r.images_per_prompt);
    if (auto seed = args.optional_int64("seed")) {
        if (*seed < 0) throw UsageError("--seed must be >= 0");
        r.seed = uint64_t(*seed);
    }
    r.width = args.int_or("width", r.width);
    r.height = args.int_or("height", r.height);
    r.scheduler = args.value_or("scheduler", r.scheduler);
    if (auto v = args.value("latents")) {
        r.latents_file = *v;
        if (from_png && !args.optional_int64("seed")) r.seed.reset();  // explicit latents replace the image's seed
    }
    r.out_dir = args.value_or("out", ".");
    r.save_tensors = args.value_or("save-tensors", "");
    r.device = args.value_or("device", r.device);
    r.dtype = args.value_or("dtype", r.dtype);
    const bool json = args.flag("json");
    args.finish();
    if (!from_png && r.model.empty()) throw UsageError("--model is required (or --from-png FILE)");
    if (r.prompts.empty()) throw UsageError("--prompt is required");

    TerminalSink sink("loading", " steps");
    const jobs::GenerateResult result = jobs::run_generate(r, sink);
    sink.clear();
    if (result.cancelled) {
        std::cerr << "cancelled after " << result.steps_done << " steps; no image written\n";
        return 130;
    }
    if (json) {
        nlohmann::json files = nlohmann::json::array();
        for (const auto& image : result.images)
            files.push_back({{"file", image.file.string()},
                             {"prompt", image.prompt},
                             {"negative", image.negative_prompt},
                             {"parameters", image.parameters}});
        nlohmann::json out{{"model", result.model_reference},
                           {"model_hash", result.model_hash},
                           {"sampler", result.sampler},
                           {"images", files},
                           {"steps", r.steps},
                           {"unet_calls", result.unet_calls},
                           {"guidance", r.guidance},
                           {"width", result.width},
                           {"height", result.height},
                           {"seconds", result.seconds}};
        if (result.seed) out["seed"] = *result.seed;
        std::cout << out.dump(2) << "\n";
        return 0;
    }
    for (const auto& image : result.images) std::cout << image.file.string() << "\n";
    if (result.seed && !r.seed) std::cout << "seed " << *result.seed << "\n";
    return 0;
}

const Registration registration{"generate", "text-to-image with Stable Diffusion (PNG + parameters)", run_generate_command};

}  // namespace
}  // namespace pictor::cli
