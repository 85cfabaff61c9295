// Text-to-image with Stable Diffusion 1.x/2.x: the same images as diffusers' (0.21.4)
// StableDiffusionPipeline for the same weights, prompts, settings and seed.
//
//     pictor::StableDiffusion sd = pictor::load_stable_diffusion("stable-diffusion-v1-5/");  // core/models/sd/stable_diffusion.h
//     pictor::Txt2ImgParams p;
//     p.prompts = {"a watercolor painting of a fox"};
//     p.seed = 1234;
//     pictor::Txt2ImgResult r = pictor::txt2img(sd, p, sink);   // r.images: [N, H, W, 3] in [0, 1]
// (The pipeline opens no files: the job layer, core/jobs/generate_job.h, names and writes them.)
//
// What a run does (Ref: diffusers/pipelines/stable_diffusion/pipeline_stable_diffusion.py
// StableDiffusionPipeline.__call__): encode prompts and negative prompts with the CLIP text
// encoder (no attention mask) — diffusers' truncated 77-token window for plain syntax, A1111's
// weighted chunks otherwise (core/pipelines/prompt_encoding.h; identical for plain prompts),
// cond and uncond padded to the same chunk count — repeat each per image,
// classifier-free guidance as ONE batched UNet call per step with the unconditional half first
// (off when guidance_scale <= 1), initial latents drawn as diffusers draws them from
// torch.Generator("cpu").manual_seed(seed) (one randn of [N, 4, H/8, W/8] on the CPU) or given
// explicitly, scaled by the scheduler's init_noise_sigma, the scheduler loop, VAE decode of
// latents / scaling_factor, images = clamp(x/2 + 0.5, 0, 1).
//
// Progress: the sink gets on_stage("encoding prompts" / "denoising" / "decoding"), on_step per
// denoising step (and per decoded image), a cheap preview every `preview_every` steps (latent→RGB
// linear approximation, no VAE) and, if it is a Txt2ImgSink, the timing with the ETA. Cancel is
// checked before every UNet call and every VAE decode: the run returns within one step, with
// `cancelled` set and no images.
//
// Failure contract: invalid parameters (no prompt, width/height not multiples of 8, negative
// prompt count that is neither 0, 1 nor the prompt count, latents of the wrong shape, unknown
// scheduler, ...) throw pictor::Error naming the parameter before any heavy work. Loading throws
// pictor::Error naming the folder and file.
// Thread-safety: a StableDiffusion may be used by one run at a time (the modules are not
// reentrant); distinct instances are independent.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/models/sd/stable_diffusion.h"
#include "core/models/sd/taesd.h"
#include "core/text/prompt_chunks.h"
#include "core/util/progress.h"

namespace pictor {

struct Txt2ImgParams {
    std::vector<std::string> prompts;           // at least one
    std::vector<std::string> negative_prompts;  // none (-> ""), one for all prompts, or one per prompt
    double guidance_scale = 7.5;                // classifier-free guidance; off at <= 1
    int num_inference_steps = 50;
    int num_images_per_prompt = 1;
    int width = 0, height = 0;                  // multiples of 8; 0 = unet sample_size × 8
    std::string scheduler;                      // a scheduler_names() entry; "" = the model's own
    // "" = the scheduler config's; "trailing" for SD-Turbo-style sampling (diffusers'
    // from_config(..., timestep_spacing=...)); LCM does not read it.
    std::string timestep_spacing;
    // The torch.Generator("cpu") seed; none = random. It seeds the initial latents (when not
    // given) and the per-step noise of Euler ancestral and LCM, in the reference's draw order.
    std::optional<uint64_t> seed;
    // Explicit initial latents [prompts × images, 4, H/8, W/8] (diffusers' `latents` argument,
    // before the init_noise_sigma scaling). The generator then only supplies per-step noise, as
    // diffusers' `latents=` + `generator=`.
    at::Tensor latents;
    // When set, decodes the final latents instead of the model's VAE (TAESD: diffusers'
    // `pipe.vae = AutoencoderTiny...`; latents / its scaling_factor, 1.0).
    AutoencoderTiny decoder{nullptr};
    std::string decoder_name;  // what the PNG parameters call it ("VAE: taesd")
    // When set, previews are this TAESD's decode of the current latents (sharp, ~1/15 of a VAE
    // decode); otherwise the latent→RGB approximation.
    AutoencoderTiny preview_decoder{nullptr};
    // img2img (Ref: StableDiffusionImg2ImgPipeline.__call__, diffusers 0.21.4) when defined: the init
    // image [1 or prompts × images, 3, H, W] in [-1, 1] (uint8 / 127.5 - 1), whose size is the
    // output size (multiples of 8). It is VAE-encoded (the posterior sample is the generator's
    // first draw; with a TAESD decoder, TAESD encodes it, no draw), noised with the second draw to
    // the timestep `strength` of the way up, and denoised over the rest of the schedule — the
    // reference's timestep slicing included (PNDM's repeated step cut into, as diffusers does).
    at::Tensor init_image;
    double strength = 0.8;                      // (0, 1]: how much of the schedule runs
    int preview_every = 5;                      // steps between previews; 0 = none
    double eta = 0.0;                           // DDIM eta
    // How prompts become conditioning: A1111's syntax (weights, BREAK, any length in 75-token
    // chunks) or diffusers' literal text (truncated to 77 tokens); the same for plain prompts.
    PromptSyntax prompt_syntax = PromptSyntax::a1111;
    int clip_skip = 1;                          // A1111's "Clip skip": 1 = the last layer
};

// One denoising step's timing, for sinks that show an ETA.
struct Txt2ImgTiming {
    int step = 0, total = 0;
    double elapsed_s = 0;    // since the first step started
    double seconds_per_step = 0;
    double eta_s = 0;        // remaining denoising steps + decoding, estimated
};

// A ProgressSink that also wants the timing of each denoising step.
class Txt2ImgSink : public ProgressSink {
public:
    virtual void on_timing(const Txt2ImgTiming& timing) {}
};

// Intermediate tensors of a run, for tests and debugging (one entry per UNet call).
struct Txt2ImgTrace {
    std::vector<at::Tensor> unet_input, unet_output, guided_noise_pred, step_latents;
    std::vector<at::Tensor> step_denoised;  // the scheduler's x0 / LCM's denoised, where it returns one
    at::Tensor vae_eps, noise, noised_latents;  // img2img: the posterior draw, the noise draw, the noised start
    at::Tensor w_embedding;                 // LCM-distilled UNets: the guidance embedding [N, time_cond_proj_dim]
    at::Tensor decoded;                     // the decoder's raw output [N, 3, H, W] (before /2 + 0.5)
};

struct Txt2ImgResult {
    bool cancelled = false;
    at::Tensor images;           // [N, H, W, 3] float32 in [0, 1], CPU; undefined when cancelled
    at::Tensor initial_latents;  // [N, 4, H/8, W/8] float32, CPU, after init_noise_sigma scaling
    at::Tensor drawn_noise;      // the seeded randn draw (undefined with explicit latents)
    at::Tensor init_latents;     // img2img: the encoded init image × scaling_factor, per image, before noise
    at::Tensor prompt_embeds;    // [(2 if CFG) × N, 77·chunks, D] float32 CPU, unconditional first
    at::Tensor timesteps;        // the scheduler's timesteps (one per UNet call)
    std::optional<uint64_t> seed;
    std::vector<std::string> prompt_of_image, negative_of_image;  // per image
    std::vector<std::string> parameters;  // per image: the A1111 `parameters` text (core/image/a1111_parameters.h)
    std::string sampler;                  // A1111 name of the scheduler that ran ("PNDM", "Euler a", ...)
    bool used_cfg = false;                // whether the UNet ran the unconditional half
    int steps_done = 0;
    double seconds = 0;
    // Where the time went (wall seconds): prompt encoding, the denoising loop, decoding.
    double text_seconds = 0, denoise_seconds = 0, decode_seconds = 0;
};

// Runs the pipeline. See the file comment for the contract.
Txt2ImgResult txt2img(StableDiffusion& model, const Txt2ImgParams& params, ProgressSink& sink,
                      Txt2ImgTrace* trace = nullptr);

// Latent → RGB preview by the linear approximation of the SD 1.x VAE: [4, h, w] (or [1, 4, h, w])
// -> uint8 [h, w, 3] on the CPU.
at::Tensor latent_preview(const at::Tensor& latents);

// Preview by a TAESD decode of the first image's latents ([4, h, w] or [N, 4, h, w]) -> uint8
// [8h, 8w, 3] on the CPU: the image as it will look, at ~1/15 of the VAE's cost.
at::Tensor taesd_preview(const AutoencoderTiny& taesd, const at::Tensor& latents);


}  // namespace pictor
