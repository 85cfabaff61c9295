// The generate job: text-to-image with Stable Diffusion, PNG files with A1111 parameters.
//
//     pictor::jobs::GenerateRequest r;
//     r.model = "stable-diffusion-v1-5/stable-diffusion-v1-5";
//     r.prompts = {"a watercolor painting of a fox"};
//     r.seed = 1234;
//     r.out_dir = "out";
//     pictor::jobs::GenerateResult result = pictor::jobs::run_generate(r, sink);   // out/00000-1234.png, ...
//
// The same request gives the same files (names, pixels, parameters text) from either front end.
// Files are named A1111's way, `NNNNN-SEED.png` with the next free 5-digit counter of the folder
// (`NNNNN-latents.png` for explicit latents), each written atomically (temporary file + rename).
// Every image of a batch records the batch's seed with `Batch size`/`Batch pos`: the diffusers
// pipeline draws all latents of a batch from one generator, so a batch, not an image, is what a
// seed reproduces.
//
// Failure contract: validate() throws InvalidRequest naming the field (no prompt, NaN/Inf or
// negative guidance, steps outside 1..1000, sizes not multiples of 8, an unknown scheduler, a
// prompt syntax other than a1111/plain, a clip skip outside 1..12, a prompt weight that is not a number, a
// latents file that is missing, not finite or of the wrong shape, a job larger than the machine's
// memory with the estimate in the message, a LoRA file that is missing, a <lora:NAME> tag whose
// NAME is in none of the LoRA folders (the folders searched in the message) or whose strength is
// not a number) before any model is loaded; run_generate() validates first, then throws
// ModelNotFound for a reference that does not resolve and pictor::Error for a broken model, a LoRA
// that does not fit it (file and key named) or an unwritable output folder. A cancelled run writes no file.
// Thread-safety: one run per request; runs on different threads share the ModelCache safely but
// a loaded model runs one job at a time (the cache hands both the same instance: serialise jobs).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/jobs/job_sink.h"
#include "core/jobs/lora_request.h"
#include "core/jobs/model_cache.h"

namespace pictor {
struct GenerationParameters;
}

namespace pictor::jobs {

struct GenerateRequest {
    std::string model;                          // model reference: diffusers folder, HF repo id, or one
                                                // original-layout checkpoint file (.safetensors/.ckpt)
    std::string config;                         // single file: LDM yaml or diffusers folder; "" = sidecar/detect
    bool ema = false;                           // single file: take the UNet's EMA weights
    std::vector<std::string> prompts;           // at least one
    std::vector<std::string> negative_prompts;  // none, one for all prompts, or one per prompt
    int steps = 50;
    double guidance = 7.5;                      // classifier-free guidance; off at <= 1
    int images_per_prompt = 2;
    int width = 0, height = 0;                  // multiples of 8; 0 = the model's own size
    std::string scheduler;                      // "pndm", "euler_a", "lcm", or A1111's "Euler a"; "" = the model's
    std::string timestep_spacing;               // "leading" | "linspace" | "trailing" (SD-Turbo); "" = the scheduler's
    std::optional<uint64_t> seed;               // none = a random seed (reported in the result)
    // Safetensors with `latents` [N, 4, H/8, W/8]: the initial latents. The seed then only drives the
    // per-step noise of Euler a / LCM (diffusers' latents= + generator=).
    std::filesystem::path latents_file;
    // Decodes with this TAESD (AutoencoderTiny folder, repo id, or "taesd") instead of the model's
    // VAE; "" = the model's VAE. Previews use a TAESD whenever one is on disk.
    std::string decoder;
    // img2img when set: the init image (PNG/JPEG), resized to width × height when they are given,
    // else to its own size rounded down to multiples of 8 (Pillow's Lanczos, as diffusers'
    // preprocessing), and `strength` (0, 1] of the schedule denoised. A1111 records it as
    // "Denoising strength".
    std::filesystem::path init_image;
    double strength = 0.75;
    std::filesystem::path out_dir = ".";
    // One image only (one prompt, images_per_prompt 1): its file name in out_dir, e.g. a grid cell's
    // "<generation_key>.png"; "" = A1111's NNNNN-SEED.png.
    std::string file_name;
    std::filesystem::path save_tensors;         // also write `images` and `initial_latents` here
    std::string device = "cpu";                 // "cpu" | "cuda"
    std::string dtype;                          // "f32" | "bf16" | "f16" (CUDA); "" = f32 on cpu, f16 on cuda
    std::string prompt_syntax = "a1111";        // "a1111" (weights, BREAK, any length) | "plain" (diffusers' literal text)
    int clip_skip = 1;                          // A1111's "Clip skip", 1..12; 1 = the last layer
    int preview_every = 0;                      // steps between previews; 0 = none
    // LoRAs besides the prompts' A1111 tags (<lora:NAME:SCALE>, NAME looked up in `lora_folders`,
    // empty = the settings' lora_folders). Each is recorded in the prompt text of the PNGs as the
    // tag that reruns it (<lora:FILE-STEM:SCALE>) and in "Lora hashes", as A1111 records its LoRAs.
    std::vector<LoraRequest> loras;
    std::vector<std::filesystem::path> lora_folders;
    bool keep_pixels = false;                   // return each image's pixels (the studio's thumbnails)
};

struct GeneratedImage {
    std::filesystem::path file;
    std::string prompt, negative_prompt;
    std::string parameters;  // the A1111 `parameters` text written into the PNG
    int batch_pos = 0;
    Rgb8Image pixels;        // only with keep_pixels
};

struct GenerateResult {
    bool cancelled = false;
    int steps_done = 0;
    std::vector<GeneratedImage> images;
    std::optional<uint64_t> seed;  // the seed used (drawn when the request had none)
    std::string model_reference;   // as written into the parameters (absolute path or repo id)
    std::string model_hash;
    std::string sampler;           // A1111 name of the scheduler that ran ("PNDM", "Euler a", ...)
    int unet_calls = 0;
    int width = 0, height = 0;
    double seconds = 0;
};

void validate(const GenerateRequest& request);
GenerateResult run_generate(const GenerateRequest& request, JobSink& sink, ModelCache& cache = ModelCache::process());

// The request that reruns an image: its parameters text (as the PNG holds it, see
// core/jobs/parameters.h) mapped onto a request, `images_per_prompt` = the recorded batch size.
// Throws InvalidRequest for a sampler Pictor does not have. "Clip skip" maps to clip_skip, Pictor's
// "Prompt syntax: plain" to prompt_syntax.
GenerateRequest request_from_parameters(const GenerationParameters& parameters);
// The same from a PNG file's `parameters` chunk; throws pictor::Error naming the file when it has none.
GenerateRequest request_from_png(const std::filesystem::path& png);

}  // namespace pictor::jobs
