#include "core/pipelines/txt2img.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <random>
#include <sstream>

#include "core/image/a1111_parameters.h"
#include "core/text/extra_networks.h"
#include "core/models/sd/embeddings.h"
#include "core/pipelines/prompt_encoding.h"
#include "core/schedulers/scheduler.h"
#include "core/util/error.h"

namespace pictor {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::string sampler_display_name(const Txt2ImgParams& p, const Scheduler& s) {
    if (!p.scheduler.empty()) return scheduler_display_name(p.scheduler);
    switch (s.kind()) {
        case SchedulerKind::pndm: return "PNDM";
        case SchedulerKind::ddim: return "DDIM";
        case SchedulerKind::euler: return "Euler";
        case SchedulerKind::euler_ancestral: return "Euler a";
        case SchedulerKind::dpm_solver_multistep:
            return s.config().use_karras_sigmas ? "DPM++ 2M Karras" : "DPM++ 2M";
        case SchedulerKind::lms: return "LMS";
        case SchedulerKind::lcm: return "LCM";
    }
    return s.class_name();
}

// Ref: StableDiffusionPipeline.encode_prompt (plain syntax: one truncated window, as diffusers) and
// A1111's conditioning (core/pipelines/prompt_encoding.h: weighted chunks, CLIP skip, emphasis).
// Prompts and negatives are padded with the empty prompt's conditioning to the largest chunk
// count among them (A1111's pad_cond_uncond and empty_chunk), so cond and uncond batch into one
// UNet call: [texts, 77·chunks, D].
std::vector<at::Tensor> encode_texts(StableDiffusion& m, const std::vector<std::string>& texts,
                                     const PromptEncodingOptions& options) {
    if (!m.tokenizer) fail("txt2img: the model has no tokenizer");
    const std::vector<EncodedPrompt> encoded = encode_prompts(*m.text_encoder, *m.tokenizer, texts, options, m.placement.device);
    std::vector<at::Tensor> conds;
    bool same_length = true;
    for (const EncodedPrompt& e : encoded) {
        conds.push_back(e.cond);
        same_length = same_length && e.cond.size(1) == encoded[0].cond.size(1);
    }
    if (same_length) return conds;
    const at::Tensor empty = encode_prompts(*m.text_encoder, *m.tokenizer, {""}, options, m.placement.device)[0].cond;
    return pad_to_same_length(conds, empty);
}

// SD 1.x latent -> RGB factors (least-squares fit of the VAE decoder's average colour per latent
// channel), as used for previews by the common SD front ends.
constexpr float kLatentRgb[4][3] = {
    {0.3512f, 0.2297f, 0.3227f}, {0.3250f, 0.4974f, 0.2350f}, {-0.2829f, 0.1762f, 0.2721f}, {-0.2120f, -0.2616f, -0.7177f}};

}  // namespace

at::Tensor taesd_preview(const AutoencoderTiny& taesd, const at::Tensor& latents) {
    const at::Tensor z = latents.dim() == 3 ? latents.unsqueeze(0) : latents.narrow(0, 0, 1);
    const at::Tensor image = taesd->decode((z / taesd->config().scaling_factor).to(taesd->dtype()))[0];  // [3, H, W] ≈[-1, 1]
    return ((image.to(at::kCPU, at::kFloat) + 1.0) * 127.5).clamp(0, 255).round().to(at::kByte).permute({1, 2, 0}).contiguous();
}

at::Tensor latent_preview(const at::Tensor& latents) {
    at::Tensor z = latents.dim() == 4 ? latents[0] : latents;
    if (z.dim() != 3 || z.size(0) != 4) fail("latent_preview: latents must be [4, h, w], got " + sd::shape_string(latents.sizes()));
    const at::Tensor factors = at::from_blob(const_cast<float*>(&kLatentRgb[0][0]), {4, 3}, at::kFloat);
    const at::Tensor rgb = at::einsum("chw,cr->hwr", {z.to(at::kCPU, at::kFloat), factors});  // ≈[-1, 1]
    return ((rgb + 1.0) * 127.5).clamp(0, 255).round().to(at::kByte).contiguous();
}

// Ref: diffusers/pipelines/stable_diffusion/pipeline_stable_diffusion.py StableDiffusionPipeline.__call__
Txt2ImgResult txt2img(StableDiffusion& m, const Txt2ImgParams& p, ProgressSink& sink, Txt2ImgTrace* trace) {
    c10::InferenceMode inference;
    const auto start = Clock::now();
    const auto& unet_config = m.unet->config();
    const int64_t factor = m.vae->downsampling_factor();

    // 1. check inputs (everything before any heavy work)
    if (p.prompts.empty()) fail("txt2img: no prompt given");
    const size_t n_prompts = p.prompts.size();
    if (!p.negative_prompts.empty() && p.negative_prompts.size() != 1 && p.negative_prompts.size() != n_prompts)
        fail("txt2img: " + std::to_string(p.negative_prompts.size()) + " negative prompts for " +
             std::to_string(n_prompts) + " prompts (give none, one for all, or one per prompt)");
    const bool img2img = p.init_image.defined();
    if (img2img) {
        if (p.init_image.dim() != 4 || p.init_image.size(1) != 3)
            fail("img2img: the init image must be [1 or N, 3, H, W], got " + sd::shape_string(p.init_image.sizes()));
        if (!(p.strength > 0.0 && p.strength <= 1.0))
            fail("img2img: strength must lie in (0, 1], got " + std::to_string(p.strength));
        if (p.latents.defined()) fail("img2img: explicit latents and an init image exclude each other");
    }
    const int width = img2img ? static_cast<int>(p.init_image.size(3))
                      : p.width > 0 ? p.width : static_cast<int>(unet_config.sample_size * factor);
    const int height = img2img ? static_cast<int>(p.init_image.size(2))
                       : p.height > 0 ? p.height : static_cast<int>(unet_config.sample_size * factor);
    if (width % 8 != 0 || height % 8 != 0 || width < 8 || height < 8)
        fail("txt2img: width and height must be positive multiples of 8, got " + std::to_string(width) + "x" +
             std::to_string(height));
    if (p.num_inference_steps < 1) fail("txt2img: num_inference_steps must be >= 1");
    if (p.num_images_per_prompt < 1) fail("txt2img: num_images_per_prompt must be >= 1");
    const int64_t encoder_layers = m.text_encoder->text_model->config.num_hidden_layers;
    if (p.clip_skip < 1 || p.clip_skip > encoder_layers)
        fail("txt2img: clip_skip must be between 1 and the text encoder's " + std::to_string(encoder_layers) +
             " layers, got " + std::to_string(p.clip_skip));
    const int64_t n_images = static_cast<int64_t>(n_prompts) * p.num_images_per_prompt;
    const std::vector<int64_t> latent_shape{n_images, m.vae->config().latent_channels, height / factor, width / factor};
    if (p.latents.defined() && p.latents.sizes() != c10::IntArrayRef(latent_shape))
        fail("txt2img: latents must be " + sd::shape_string(latent_shape) + " (prompts × images, channels, H/8, W/8), got " +
             sd::shape_string(p.latents.sizes()));
    std::unique_ptr<Scheduler> scheduler = make_scheduler(p.scheduler, m.scheduler_config, p.timestep_spacing);
    scheduler->set_timesteps(p.num_inference_steps);
    // Ref: StableDiffusionImg2ImgPipeline.get_timesteps: init_timestep = min(int(n * strength), n),
    // t_start = max(n - init_timestep, 0), timesteps[t_start * order:] (a double product, truncated).
    int64_t first_call = 0;
    if (img2img) {
        const int64_t n = p.num_inference_steps;
        const int64_t init_timestep = std::min(static_cast<int64_t>(static_cast<double>(n) * p.strength), n);
        first_call = std::max<int64_t>(n - init_timestep, 0) * scheduler->order();
        if (first_call >= scheduler->num_unet_calls())
            fail("img2img: strength " + std::to_string(p.strength) + " with " + std::to_string(n) +
                 " steps leaves no denoising step (raise the strength or the steps)");
    }
    // Ref: LatentConsistencyModelPipeline.__call__ (0.23.0): an LCM-distilled UNet takes the
    // guidance as an embedding (timestep_cond) and runs without the unconditional half.
    const bool lcm_unet = unet_config.time_cond_proj_dim > 0;
    const bool cfg = !lcm_unet && p.guidance_scale > 1.0;
    if (p.decoder && p.decoder->config().latent_channels != m.vae->config().latent_channels)
        fail("txt2img: the decoder has " + std::to_string(p.decoder->config().latent_channels) +
             " latent channels, the model " + std::to_string(m.vae->config().latent_channels));
    const auto device = m.placement.device;
    const auto dtype = m.placement.dtype;

    Txt2ImgResult r;
    std::vector<std::string> negatives(n_prompts);
    for (size_t i = 0; i < n_prompts; ++i)
        negatives[i] = p.negative_prompts.empty() ? "" : p.negative_prompts[p.negative_prompts.size() == 1 ? 0 : i];
    for (size_t i = 0; i < n_prompts; ++i)
        for (int k = 0; k < p.num_images_per_prompt; ++k) {
            r.prompt_of_image.push_back(p.prompts[i]);
            r.negative_of_image.push_back(negatives[i]);
        }

    // 2. prompts (uncond first), each repeated per image
    sink.on_stage("encoding prompts");
    if (lcm_unet && !p.negative_prompts.empty())
        sink.on_message("this LCM-distilled model takes the guidance as an embedding: the negative prompt is not used");
    // A1111's extra-network tags (<lora:NAME:SCALE>) are instructions, not text: cut out before
    // encoding (the job layer merged the LoRAs they name); the recorded prompts keep them.
    std::vector<std::string> texts;
    for (const std::string& prompt : p.prompts) texts.push_back(strip_extra_networks(prompt));
    if (cfg) texts.insert(texts.end(), negatives.begin(), negatives.end());
    const std::vector<at::Tensor> conds = encode_texts(m, texts, {p.prompt_syntax, p.clip_skip});
    const auto rows = [&](size_t first) {
        return at::cat(std::vector<at::Tensor>(conds.begin() + std::ptrdiff_t(first), conds.begin() + std::ptrdiff_t(first + n_prompts)))
            .repeat_interleave(p.num_images_per_prompt, 0);
    };
    at::Tensor embeds = cfg ? at::cat({rows(n_prompts), rows(0)}) : rows(0);  // unconditional first
    embeds = embeds.to(dtype);
    r.prompt_embeds = embeds.to(at::kCPU, at::kFloat);

    r.text_seconds = seconds_since(start);

    // 3. initial latents: diffusers' randn_tensor with a CPU generator draws on the CPU in float32.
    uint64_t seed = 0;
    if (p.seed) {
        seed = *p.seed;
    } else {
        std::random_device rd;
        seed = (static_cast<uint64_t>(rd()) << 32 | rd()) & ((uint64_t{1} << 53) - 1);
    }
    at::Generator generator = at::detail::createCPUGenerator(seed);
    at::Tensor latents;
    if (img2img) {
        // Ref: StableDiffusionImg2ImgPipeline.prepare_latents: posterior sample (draw 0), scaled,
        // repeated to the batch; noise (draw 1); add_noise to the first timestep of the slice.
        r.seed = seed;
        const at::Tensor image = p.init_image.to(device, dtype);
        at::Tensor init;
        if (p.decoder) {
            init = p.decoder->encode(image.to(p.decoder->dtype()))
                       .to(at::kCPU, at::kFloat) * p.decoder->config().scaling_factor;
        } else {
            const LatentDistribution posterior = m.vae->encode(image);
            const at::Tensor eps = at::randn(posterior.mean.sizes(), generator, at::TensorOptions().dtype(at::kFloat));
            if (trace) trace->vae_eps = eps;
            init = (posterior.mean.to(at::kCPU, at::kFloat) + posterior.std.to(at::kCPU, at::kFloat) * eps) *
                   m.vae->config().scaling_factor;
        }
        if (n_images % init.size(0) != 0)
            fail("img2img: " + std::to_string(init.size(0)) + " init images for " + std::to_string(n_images) +
                 " images (give one, or one per image)");
        init = at::cat(std::vector<at::Tensor>(static_cast<size_t>(n_images / init.size(0)), init));
        r.init_latents = init;
        const at::Tensor noise = at::randn(latent_shape, generator, at::TensorOptions().dtype(at::kFloat));
        const at::Tensor t0 = scheduler->timesteps()[first_call].reshape({1}).repeat({n_images});
        latents = scheduler->add_noise(init, noise, t0);
        if (trace) {
            trace->noise = noise;
            trace->noised_latents = latents;
        }
    } else if (p.latents.defined()) {
        latents = p.latents.to(at::kCPU, at::kFloat);
        if (scheduler->draws_noise()) r.seed = seed;  // the per-step noise comes from it
    } else {
        r.seed = seed;
        r.drawn_noise = at::randn(latent_shape, generator, at::TensorOptions().dtype(at::kFloat));
        latents = r.drawn_noise;
    }
    if (!img2img) latents = latents * scheduler->init_noise_sigma();  // img2img's add_noise has the scale
    r.initial_latents = latents;
    latents = latents.to(device, dtype);
    r.timesteps = scheduler->timesteps().narrow(0, first_call, scheduler->num_unet_calls() - first_call);
    r.used_cfg = cfg;
    at::Tensor w_embedding;
    if (lcm_unet) {
        // Ref: LatentConsistencyModelPipeline.__call__: w = torch.tensor(guidance_scale - 1).repeat(bs)
        const at::Tensor w = at::full({n_images}, static_cast<float>(p.guidance_scale - 1.0), at::kFloat);
        w_embedding = sd::guidance_scale_embedding(w, unet_config.time_cond_proj_dim);
        if (trace) trace->w_embedding = w_embedding;
        w_embedding = w_embedding.to(device, dtype);
    }

    // 4. denoising loop
    sink.on_stage("denoising");
    const int64_t total = scheduler->num_unet_calls();
    const auto loop_start = Clock::now();
    auto* timing_sink = dynamic_cast<Txt2ImgSink*>(&sink);
    StepOptions step_options;
    step_options.generator = generator;
    step_options.eta = p.eta;
    const int64_t calls = total - first_call;
    for (int64_t i = first_call; i < total; ++i) {
        if (sink.cancelled()) {
            r.cancelled = true;
            r.seconds = seconds_since(start);
            return r;
        }
        const double t = scheduler->timestep_values()[static_cast<size_t>(i)];
        const at::Tensor t_tensor = scheduler->timesteps()[i];  // 0-d, in the scheduler's dtype
        at::Tensor x_in = cfg ? at::cat({latents, latents}) : latents;
        x_in = scheduler->scale_model_input(x_in, t);
        at::Tensor noise_pred = m.unet->forward(x_in, t_tensor, embeds, w_embedding);
        if (trace) {
            trace->unet_input.push_back(x_in.to(at::kCPU, at::kFloat));
            trace->unet_output.push_back(noise_pred.to(at::kCPU, at::kFloat));
        }
        if (cfg) {
            const auto halves = noise_pred.chunk(2);
            noise_pred = halves[0] + p.guidance_scale * (halves[1] - halves[0]);
        }
        const StepOutput step = scheduler->step(noise_pred, t, latents, step_options);
        latents = step.prev_sample;
        if (trace) {
            trace->guided_noise_pred.push_back(noise_pred.to(at::kCPU, at::kFloat));
            trace->step_latents.push_back(latents.to(at::kCPU, at::kFloat));
            if (step.pred_original_sample.defined())
                trace->step_denoised.push_back(step.pred_original_sample.to(at::kCPU, at::kFloat));
        }
        const int64_t done = i + 1 - first_call;  // UNet calls made (img2img skips the first ones)
        r.steps_done = static_cast<int>(done);
        sink.on_step(static_cast<int>(done), static_cast<int>(calls));
        if (timing_sink) {
            Txt2ImgTiming timing;
            timing.step = static_cast<int>(done);
            timing.total = static_cast<int>(calls);
            timing.elapsed_s = seconds_since(loop_start);
            timing.seconds_per_step = timing.elapsed_s / static_cast<double>(done);
            timing.eta_s = timing.seconds_per_step * static_cast<double>(calls - done);
            timing_sink->on_timing(timing);
        }
        if (p.preview_every > 0 && done % p.preview_every == 0 && i + 1 < total)
            sink.on_preview(p.preview_decoder ? taesd_preview(p.preview_decoder, latents.narrow(0, 0, 1))
                                              : latent_preview(latents[0]));
    }

    r.denoise_seconds = seconds_since(loop_start);

    // 5. decode one image at a time (bounded memory; cancel between images)
    sink.on_stage("decoding");
    const auto decode_start = Clock::now();
    std::vector<at::Tensor> images, decoded_all;
    // Ref: StableDiffusionPipeline.__call__: vae.decode(latents / vae.config.scaling_factor) —
    // with TAESD assigned as pipe.vae its own factor (1.0) applies.
    const double scaling = p.decoder ? p.decoder->config().scaling_factor : m.vae->config().scaling_factor;
    for (int64_t i = 0; i < n_images; ++i) {
        if (sink.cancelled()) {
            r.cancelled = true;
            r.seconds = seconds_since(start);
            return r;
        }
        const at::Tensor z = latents.narrow(0, i, 1) / scaling;
        const at::Tensor decoded = p.decoder ? p.decoder->decode(z.to(p.decoder->dtype()))
                                             : m.vae->decode(z);
        if (trace) decoded_all.push_back(decoded.to(at::kCPU, at::kFloat));
        images.push_back((decoded / 2 + 0.5).clamp(0, 1).to(at::kCPU, at::kFloat).permute({0, 2, 3, 1}));
        sink.on_step(static_cast<int>(i + 1), static_cast<int>(n_images));
    }
    r.images = at::cat(images).contiguous();
    r.decode_seconds = seconds_since(decode_start);
    if (trace) trace->decoded = at::cat(decoded_all);

    r.sampler = sampler_display_name(p, *scheduler);
    GenerationParameters g;
    g.steps = p.num_inference_steps;
    g.sampler = r.sampler;
    g.cfg_scale = p.guidance_scale;
    g.seed = r.seed;
    g.width = width;
    g.height = height;
    g.model = m.reference.empty() ? m.name : m.reference;
    g.model_hash = m.model_hash;
    std::vector<std::pair<std::string, std::string>> lora_hashes;  // A1111's "Lora hashes", one per name
    for (const LoraUse& lora : m.loras.set)
        if (!lora.hash.empty() &&
            std::none_of(lora_hashes.begin(), lora_hashes.end(), [&](const auto& e) { return e.first == lora.name; }))
            lora_hashes.emplace_back(lora.name, lora.hash);
    set_lora_hashes(g, lora_hashes);
    if (p.clip_skip > 1) g.clip_skip = p.clip_skip;  // A1111 writes "Clip skip" only when not 1
    // Not A1111's (it has no literal mode): recorded so that --from-png reruns the same conditioning.
    if (p.prompt_syntax == PromptSyntax::plain) g.extra.emplace_back("Prompt syntax", "plain");
    if (n_images > 1) g.batch_size = static_cast<int>(n_images);
    if (img2img) g.denoising_strength = p.strength;
    if (p.decoder) g.extra.emplace_back("VAE", p.decoder_name.empty() ? "TAESD" : p.decoder_name);
    if (!p.timestep_spacing.empty()) g.extra.emplace_back("Timestep spacing", p.timestep_spacing);
    for (int64_t i = 0; i < n_images; ++i) {
        g.prompt = r.prompt_of_image[static_cast<size_t>(i)];
        g.negative_prompt = r.negative_of_image[static_cast<size_t>(i)];
        if (n_images > 1) g.batch_pos = static_cast<int>(i);
        r.parameters.push_back(format_parameters(g));
    }
    r.seconds = seconds_since(start);
    return r;
}

}  // namespace pictor
