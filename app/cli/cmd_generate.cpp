// pictor-cli generate: text-to-image with Stable Diffusion (PNG files with A1111 parameters).
#include <cmath>
#include <cstdlib>
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/cli/args.h"
#include "app/cli/generate_options.h"
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
    "                          a Hugging Face repo id in the local cache (stable-diffusion-v1-5/stable-diffusion-v1-5),\n"
    "                          or one original-layout checkpoint FILE.safetensors|FILE.ckpt (A1111, civitai)\n"
    "  --config YAML|DIR       single file: its architecture, an LDM yaml or a diffusers folder (default:\n"
    "                          the sidecar FILE.yaml beside it, else detected from the weights)\n"
    "  --ema                   single file: use the UNet's EMA weights (model_ema.*) when it has them\n"
    "  --from-png FILE         rerun the parameters of a generated PNG (Pictor's or A1111's): model,\n"
    "                          prompts, steps, sampler, guidance, seed, size and batch size; the same seed\n"
    "                          gives the same pixels. Other options given override them.\n"
    "  --prompt TEXT           a prompt; repeat for several\n"
    "  --negative TEXT         negative prompt: one for all prompts, or one per prompt (repeat)\n"
    "  --prompt-syntax a1111|plain  a1111 (default): AUTOMATIC1111's (word), [word], (word:1.5), \\( escapes,\n"
    "                          BREAK, prompts of any length in 75-token chunks; plain: the text as is,\n"
    "                          truncated to 77 tokens (diffusers). Prompts without that syntax give the same.\n"
    "  --clip-skip N           A1111's Clip skip: condition on the text encoder's N-th last layer (default 1)\n"
    "  --steps N               denoising steps (default 50)\n"
    "  --guidance G            classifier-free guidance scale (default 7.5; <= 1 turns it off)\n"
    "  --images N              images per prompt (default 2, as the studio)\n"
    "  --seed N                seed of the torch.Generator(\"cpu\") draw (default: random, printed)\n"
    "  --width W --height H    multiples of 8 (default: the model's size, 512 for SD 1.5)\n"
    "  --scheduler NAME        pndm|ddim|euler|euler_a|dpmpp_2m|dpmpp_2m_karras|lms|lcm, or A1111's names\n"
    "                          (\"Euler a\", \"DPM++ 2M Karras\"); default: the model's. lcm: 2-8 steps at guidance\n"
    "                          1-2 with an LCM-distilled model or the LCM-LoRA\n"
    "  --timestep-spacing S    leading|linspace|trailing: override the scheduler's (SD-Turbo: euler_a, trailing,\n"
    "                          --guidance 0, 1-4 steps)\n"
    "  --latents FILE          initial latents: safetensors with tensor `latents`\n"
    "                          [prompts x images, 4, H/8, W/8]; --seed then seeds the per-step noise\n"
    "                          of euler_a and lcm (diffusers' latents= with generator=)\n"
    "  --decoder REF           decode with this TAESD (a diffusers AutoencoderTiny folder, a repo id, or\n"
    "                          taesd = madebyollin/taesd) instead of the model's VAE: ~15x faster, a little softer\n"
    "  --lora FILE[:SCALE]     merge a LoRA (kohya/A1111 .safetensors, a diffusers LoRA folder, or a catalogue\n"
    "                          name / repo id in the HF cache: lcm-lora-sdv1-5) at SCALE (default 1); repeat for several. The prompt's A1111 tags <lora:NAME:SCALE> work too,\n"
    "                          NAME looked up in --lora-dir or the settings' lora_folders. The PNG records\n"
    "                          each as A1111 does: a <lora:NAME:SCALE> tag in the prompt, and \"Lora hashes\"\n"
    "  --lora-dir DIR          where <lora:NAME> tags look (repeat; default: the settings' lora_folders)\n"
    "  --out DIR               output folder (default .); files NNNNN-SEED.png\n"
    "  --save-tensors OUT      also write `images` (NHWC float in [0,1]) and `initial_latents`\n"
    "  --device cpu|cuda       (default cpu)\n"
    "  --dtype f32|bf16|f16    (default f32 on cpu, f16 on cuda); bf16 runs on CPUs with AVX512-BF16/AMX\n"
    "  --json                  print a JSON summary\n\n"
    "Ctrl-C stops after the current step; no partial image is written.\n";

constexpr const char* kImg2ImgUsage =
    "usage: pictor-cli img2img --model REF --init IMAGE [--strength S] --prompt TEXT [options]\n\n"
    "Image-to-image with a Stable Diffusion model (the same images as diffusers'\n"
    "StableDiffusionImg2ImgPipeline for the same seed): the init image is VAE-encoded, noised to\n"
    "`strength` of the schedule and denoised over the remaining steps (steps x strength UNet calls).\n\n"
    "  --init IMAGE            PNG or JPEG; resized to --width/--height when given, else to its own size\n"
    "                          rounded down to multiples of 8\n"
    "  --strength S            (0, 1]: how far from the init image (default 0.75; 1 ignores it but its size)\n"
    "  --save-tensors OUT      also write `images` and `init_latents`\n\n"
    "Every `pictor-cli generate` option applies (model, prompts, steps, guidance, images, seed, size,\n"
    "scheduler, decoder, dtype, LoRA, prompt syntax, clip skip, out, json); see `pictor-cli generate --help`.\n";

// generate and img2img share every option; img2img adds --init and --strength.
int run_sd_command(Args& args, bool img2img) {
    if (args.wants_help()) {
        std::cout << (img2img ? kImg2ImgUsage : kUsage);
        return 0;
    }
    jobs::GenerateRequest r;
    const std::optional<std::string> from_png = args.value("from-png");
    if (from_png) r = jobs::request_from_png(*from_png);
    read_generate_options(args, r, img2img);
    const bool json = args.flag("json");
    args.finish();
    if (img2img && r.init_image.empty()) throw UsageError("--init IMAGE is required");
    if (!from_png && r.model.empty()) throw UsageError("--model is required (or --from-png FILE)");
    if (r.prompts.empty()) throw UsageError("--prompt is required");

    TerminalSink sink("loading", " steps");
    sink.show_messages(true);
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

int run_generate_command(Args& args) { return run_sd_command(args, false); }
int run_img2img_command(Args& args) { return run_sd_command(args, true); }

const Registration registration{"generate", "text-to-image with Stable Diffusion (PNG + parameters)", run_generate_command};
const Registration img2img_registration{"img2img", "image-to-image with Stable Diffusion (init image + strength)",
                                        run_img2img_command};

}  // namespace
}  // namespace pictor::cli
