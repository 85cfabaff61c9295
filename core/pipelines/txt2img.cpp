#include "core/pipelines/txt2img.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/InferenceMode.h>

#include <charconv>
#include <chrono>
#include <random>
#include <sstream>

#include "core/image/a1111_parameters.h"
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
    }
    return s.class_name();
}

// Ref: StableDiffusionPipeline.encode_prompt — tokenizer(padding="max_length", max_length=77,
// truncation=True), text_encoder(input_ids) without attention mask, last_hidden_state.
at::Tensor encode_texts(StableDiffusion& m, const std::vector<std::string>& texts) {
    if (!m.tokenizer) fail("txt2img: the model has no tokenizer");
    const int max_length = m.tokenizer->model_max_length();
    std::vector<int64_t> ids;
    ids.reserve(texts.size() * static_cast<size_t>(max_length));
    for (const auto& t : texts) {
        const TokenizedText tok = m.tokenizer->encode_padded(t, max_length);
        ids.insert(ids.end(), tok.input_ids.begin(), tok.input_ids.end());
    }
    const at::Tensor input_ids =
        at::tensor(ids, at::kLong).view({static_cast<int64_t>(texts.size()), max_length}).to(m.placement.device);
    return m.text_encoder->forward(input_ids).last_hidden_state;  // [n, 77, D]
}

// SD 1.x latent -> RGB factors (least-squares fit of the VAE decoder's average colour per latent
// channel), as used for previews by the common SD front ends.
constexpr float kLatentRgb[4][3] = {
    {0.3512f, 0.2297f, 0.3227f}, {0.3250f, 0.4974f, 0.2350f}, {-0.2829f, 0.1762f, 0.2721f}, {-0.2120f, -0.2616f, -0.7177f}};

}  // namespace

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
    const int width = p.width > 0 ? p.width : static_cast<int>(unet_config.sample_size * factor);
    const int height = p.height > 0 ? p.height : static_cast<int>(unet_config.sample_size * factor);
    if (width % 8 != 0 || height % 8 != 0 || width < 8 || height < 8)
        fail("txt2img: width and height must be positive multiples of 8, got " + std::to_string(width) + "x" +
             std::to_string(height));
    if (p.num_inference_steps < 1) fail("txt2img: num_inference_steps must be >= 1");
    if (p.num_images_per_prompt < 1) fail("txt2img: num_images_per_prompt must be >= 1");
    const int64_t n_images = static_cast<int64_t>(n_prompts) * p.num_images_per_prompt;
    const std::vector<int64_t> latent_shape{n_images, m.vae->config().latent_channels, height / factor, width / factor};
    if (p.latents.defined() && p.latents.sizes() != c10::IntArrayRef(latent_shape))
        fail("txt2img: latents must be " + sd::shape_string(latent_shape) + " (prompts × images, channels, H/8, W/8), got " +
             sd::shape_string(p.latents.sizes()));
    std::unique_ptr<Scheduler> scheduler =
        p.scheduler.empty() ? make_scheduler(m.scheduler_config) : make_scheduler(p.scheduler, m.scheduler_config);
    scheduler->set_timesteps(p.num_inference_steps);
    const bool cfg = p.guidance_scale > 1.0;
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
    at::Tensor embeds = encode_texts(m, p.prompts).repeat_interleave(p.num_images_per_prompt, 0);
    if (cfg) {
        const at::Tensor uncond = encode_texts(m, negatives).repeat_interleave(p.num_images_per_prompt, 0);
        embeds = at::cat({uncond, embeds});
    }
    embeds = embeds.to(dtype);
    r.prompt_embeds = embeds.to(at::kCPU, at::kFloat);

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
    if (p.latents.defined()) {
        latents = p.latents.to(at::kCPU, at::kFloat);
    } else {
        r.seed = seed;
        r.drawn_noise = at::randn(latent_shape, generator, at::TensorOptions().dtype(at::kFloat));
        latents = r.drawn_noise;
    }
    latents = latents * scheduler->init_noise_sigma();
    r.initial_latents = latents;
    latents = latents.to(device, dtype);
    r.timesteps = scheduler->timesteps();

    // 4. denoising loop
    sink.on_stage("denoising");
    const int64_t total = scheduler->num_unet_calls();
    const auto loop_start = Clock::now();
    auto* timing_sink = dynamic_cast<Txt2ImgSink*>(&sink);
    StepOptions step_options;
    step_options.generator = generator;
    step_options.eta = p.eta;
    for (int64_t i = 0; i < total; ++i) {
        if (sink.cancelled()) {
            r.cancelled = true;
            r.seconds = seconds_since(start);
            return r;
        }
        const double t = scheduler->timestep_values()[static_cast<size_t>(i)];
        const at::Tensor t_tensor = scheduler->timesteps()[i];  // 0-d, in the scheduler's dtype
        at::Tensor x_in = cfg ? at::cat({latents, latents}) : latents;
        x_in = scheduler->scale_model_input(x_in, t);
        at::Tensor noise_pred = m.unet->forward(x_in, t_tensor, embeds);
        if (trace) {
            trace->unet_input.push_back(x_in.to(at::kCPU, at::kFloat));
            trace->unet_output.push_back(noise_pred.to(at::kCPU, at::kFloat));
        }
        if (cfg) {
            const auto halves = noise_pred.chunk(2);
            noise_pred = halves[0] + p.guidance_scale * (halves[1] - halves[0]);
        }
        latents = scheduler->step(noise_pred, t, latents, step_options).prev_sample;
        if (trace) {
            trace->guided_noise_pred.push_back(noise_pred.to(at::kCPU, at::kFloat));
            trace->step_latents.push_back(latents.to(at::kCPU, at::kFloat));
        }
        r.steps_done = static_cast<int>(i + 1);
        sink.on_step(static_cast<int>(i + 1), static_cast<int>(total));
        if (timing_sink) {
            Txt2ImgTiming timing;
            timing.step = static_cast<int>(i + 1);
            timing.total = static_cast<int>(total);
            timing.elapsed_s = seconds_since(loop_start);
            timing.seconds_per_step = timing.elapsed_s / static_cast<double>(i + 1);
            timing.eta_s = timing.seconds_per_step * static_cast<double>(total - i - 1);
            timing_sink->on_timing(timing);
        }
        if (p.preview_every > 0 && (i + 1) % p.preview_every == 0 && i + 1 < total)
            sink.on_preview(latent_preview(latents[0]));
    }

    // 5. decode one image at a time (bounded memory; cancel between images)
    sink.on_stage("decoding");
    std::vector<at::Tensor> images;
    const double scaling = m.vae->config().scaling_factor;
    for (int64_t i = 0; i < n_images; ++i) {
        if (sink.cancelled()) {
            r.cancelled = true;
            r.seconds = seconds_since(start);
            return r;
        }
        const at::Tensor decoded = m.vae->decode(latents.narrow(0, i, 1) / scaling);
        images.push_back((decoded / 2 + 0.5).clamp(0, 1).to(at::kCPU, at::kFloat).permute({0, 2, 3, 1}));
        sink.on_step(static_cast<int>(i + 1), static_cast<int>(n_images));
    }
    r.images = at::cat(images).contiguous();

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
    if (n_images > 1) g.batch_size = static_cast<int>(n_images);
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
