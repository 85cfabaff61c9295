#include "core/jobs/generate_job.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cstdio>
#include <system_error>

#include "core/image/a1111_parameters.h"
#include "core/image/image_io.h"
#include "core/image/resize.h"
#include "core/io/safetensors.h"
#include "core/jobs/job_support.h"
#include "core/jobs/prompt_settings.h"
#include "core/jobs/sd_lora.h"
#include "core/jobs/sd_model.h"
#include "core/jobs/taesd_model.h"
#include "core/pipelines/txt2img.h"
#include "core/schedulers/scheduler.h"

namespace pictor::jobs {

namespace fs = std::filesystem;
using namespace detail;

namespace {

constexpr int kMaxImagesPerPrompt = 64;

fs::path counter_file(const fs::path& dir, int counter, const std::string& tag) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%05d", counter);
    return dir / (std::string(buf) + "-" + tag + ".png");
}

// Forwards the pipeline's progress and ETA to the job's sink.
class GenerateBridge : public Txt2ImgSink {
public:
    explicit GenerateBridge(JobSink& sink) : bridge_(sink), sink_(sink) {}
    void on_stage(std::string_view stage) override { bridge_.on_stage(stage); }
    void on_step(int step, int total) override { bridge_.on_step(step, total); }
    void on_preview(const at::Tensor& rgb) override { bridge_.on_preview(rgb); }
    void on_message(std::string_view message) override { bridge_.on_message(message); }
    bool cancelled() const override { return bridge_.cancelled(); }
    void on_timing(const Txt2ImgTiming& t) override {
        sink_.on_timing(StepTiming{t.step, t.total, t.elapsed_s, t.seconds_per_step, t.eta_s});
    }

private:
    SinkBridge bridge_;
    JobSink& sink_;
};

// Ref: diffusers/image_processor.py VaeImageProcessor.preprocess (0.21.4): RGB, the size floored
// to multiples of 8 (a Lanczos resize only when that changes it), x / 255 * 2 - 1, NCHW.
at::Tensor load_init_image(const fs::path& file, int width, int height) {
    at::Tensor rgb;
    try {
        rgb = to_rgb(read_image(file));
    } catch (const Error& e) {
        throw InvalidRequest("init image '" + file.string() + "' cannot be read: " + e.what());
    }
    const int w = width > 0 ? width : int(rgb.size(1)) / 8 * 8;
    const int h = height > 0 ? height : int(rgb.size(0)) / 8 * 8;
    if (w < 8 || h < 8)
        throw InvalidRequest("init image '" + file.string() + "' is " + std::to_string(rgb.size(1)) + "x" +
                             std::to_string(rgb.size(0)) + " pixels; img2img needs at least 8x8");
    if (w != rgb.size(1) || h != rgb.size(0)) rgb = pillow_resize(rgb, w, h, ResampleFilter::lanczos);
    return (rgb.permute({2, 0, 1}).unsqueeze(0).to(at::kFloat) / 255.0) * 2.0 - 1.0;
}

at::Tensor load_latents(const fs::path& file) {
    const SafetensorsFile f(file);
    if (!f.contains("latents")) throw InvalidRequest("latents file '" + file.string() + "' has no tensor named 'latents'");
    at::Tensor latents = f.load("latents", at::kFloat);
    if (!at::isfinite(latents).all().item<bool>())
        throw InvalidRequest("latents file '" + file.string() + "': tensor 'latents' holds NaN or infinite values");
    return latents;
}

}  // namespace

void validate(const GenerateRequest& r) {
    if (r.prompts.empty()) throw InvalidRequest("prompt: give at least one prompt");
    if (!r.negative_prompts.empty() && r.negative_prompts.size() != 1 && r.negative_prompts.size() != r.prompts.size())
        throw InvalidRequest("negative prompt: give one for all prompts or one per prompt (" +
                             std::to_string(r.negative_prompts.size()) + " for " + std::to_string(r.prompts.size()) +
                             " prompts)");
    require_range(r.images_per_prompt, 1, kMaxImagesPerPrompt, "images per prompt");
    validate_settings({r.steps, r.guidance, r.width, r.height, true, r.scheduler, r.device, r.dtype});
    validate_prompt_settings(r.prompt_syntax, r.clip_skip, r.prompts, r.negative_prompts);
    if (!r.latents_file.empty()) require_file(r.latents_file, "latents file");
    if (!r.init_image.empty()) {
        require_file(r.init_image, "init image");
        require_range(r.strength, 0, 1, "strength");
        if (r.strength == 0) throw InvalidRequest("strength must be greater than 0 (0 would return the init image)");
        if (!r.latents_file.empty()) throw InvalidRequest("an init image and a latents file exclude each other");
    }
    // LCM samples on its 50-step distillation grid (an LCM model's own scheduler is checked when it runs).
    if ((r.scheduler == "lcm" || r.scheduler == "LCM") && r.steps > 50)
        throw InvalidRequest("steps must be at most 50 with the LCM scheduler (its original_inference_steps), got " +
                             std::to_string(r.steps));
    if (!r.timestep_spacing.empty() && r.timestep_spacing != "leading" && r.timestep_spacing != "linspace" &&
        r.timestep_spacing != "trailing")
        throw InvalidRequest("timestep spacing must be leading, linspace or trailing, got '" + r.timestep_spacing + "'");
    lora_set_for(r.loras, r.prompts, r.lora_folders);  // every file and tag resolves
    if (r.out_dir.empty()) throw InvalidRequest("output folder is not set");
    if (!r.file_name.empty()) {
        if (r.prompts.size() != 1 || r.images_per_prompt != 1)
            throw InvalidRequest("a file name is for one image: one prompt and one image per prompt");
        if (fs::path(r.file_name).filename().string() != r.file_name || fs::path(r.file_name).extension() != ".png")
            throw InvalidRequest("file name '" + r.file_name + "' must be a plain NAME.png");
    }
    std::error_code ec;
    if (fs::exists(r.out_dir, ec) && !fs::is_directory(r.out_dir, ec))
        throw InvalidRequest("output folder '" + r.out_dir.string() + "' is a file");
}

GenerateResult run_generate(const GenerateRequest& r, JobSink& sink, ModelCache& cache) {
    validate(r);
    Txt2ImgParams p;
    p.prompts = r.prompts;
    p.negative_prompts = r.negative_prompts;
    p.guidance_scale = r.guidance;
    p.num_inference_steps = r.steps;
    p.num_images_per_prompt = r.images_per_prompt;
    p.width = r.width;
    p.height = r.height;
    p.scheduler = r.scheduler;
    p.timestep_spacing = r.timestep_spacing;
    p.seed = r.seed;
    p.preview_every = r.preview_every;
    p.prompt_syntax = parse_prompt_syntax(r.prompt_syntax);
    p.clip_skip = r.clip_skip;
    if (!r.latents_file.empty()) p.latents = load_latents(r.latents_file);
    if (!r.init_image.empty()) {
        p.init_image = load_init_image(r.init_image, r.width, r.height);
        p.strength = r.strength;
    }

    SdRun run{r.model, r.device, r.dtype, r.width, r.height, int64_t(r.prompts.size()) * r.images_per_prompt, r.guidance > 1.0};
    if (p.init_image.defined()) {  // the init image's size is the output size
        run.width = int(p.init_image.size(3));
        run.height = int(p.init_image.size(2));
    }
    run.config = r.config;  // single-file checkpoints only
    run.ema = r.ema;
    run.loras = lora_set_for(r.loras, r.prompts, r.lora_folders);
    // A LoRA given outside the prompt is recorded in it as the tag that reruns it (A1111 records
    // LoRAs only as prompt tags); txt2img cuts tags out before encoding, so the image is the same.
    for (std::string& prompt : p.prompts)
        for (const LoraRequest& l : r.loras) {
            const std::string tag = lora_tag_text(lora_name_of_file(l.file), l.text_encoder_scale, l.unet_scale);
            if (prompt.find(tag) == std::string::npos) prompt += " " + tag;
        }
    const std::shared_ptr<StableDiffusion> model = stable_diffusion_for(run, cache, sink);
    require_clip_skip_fits(r.clip_skip, model->text_encoder->text_model->config.num_hidden_layers);

    if (p.latents.defined() && p.latents.dim() == 4) {
        // The image size follows from explicit latents when not given.
        const int64_t factor = model->vae->downsampling_factor();
        if (p.width == 0) p.width = int(p.latents.size(3) * factor);
        if (p.height == 0) p.height = int(p.latents.size(2) * factor);
    }

    if (!r.decoder.empty()) {
        p.decoder = taesd_for(r.decoder, model->placement, cache, sink);
        p.decoder_name = fs::path(r.decoder).filename().string();
        if (p.decoder_name.empty() || r.decoder == kTaesdCatalogueName) p.decoder_name = "taesd";
    }
    if (p.preview_every > 0) p.preview_decoder = p.decoder ? p.decoder : local_preview_taesd(model->placement, cache, sink);

    GenerateBridge bridge(sink);
    const Txt2ImgResult out = txt2img(*model, p, bridge);

    GenerateResult result;
    result.cancelled = out.cancelled;
    result.steps_done = out.steps_done;
    result.seed = out.seed;
    result.model_reference = model->reference;
    result.model_hash = model->model_hash;
    result.unet_calls = int(out.timesteps.defined() ? out.timesteps.size(0) : 0);
    result.seconds = out.seconds;
    if (out.cancelled) return result;
    result.width = int(out.images.size(2));
    result.height = int(out.images.size(1));
    result.sampler = out.sampler;

    std::error_code ec;
    fs::create_directories(r.out_dir, ec);
    if (!fs::is_directory(r.out_dir)) fail("cannot create the output folder '" + r.out_dir.string() + "'");
    sink.on_stage("saving");
    int counter = next_free_counter(r.out_dir, R"((\d{5})-.*\.png)");  // A1111's 00012-1234.png
    const std::string tag = out.seed ? std::to_string(*out.seed) : "latents";
    for (int64_t i = 0; i < out.images.size(0); ++i) {
        GeneratedImage image;
        image.file = r.file_name.empty() ? counter_file(r.out_dir, counter++, tag) : r.out_dir / r.file_name;
        image.prompt = out.prompt_of_image[size_t(i)];
        image.negative_prompt = out.negative_of_image[size_t(i)];
        image.parameters = out.parameters[size_t(i)];
        image.batch_pos = int(i);
        write_png(image.file, float_to_u8(out.images[i]), {{"parameters", image.parameters}});  // atomic
        if (r.keep_pixels) image.pixels = to_rgb8(float_to_u8(out.images[i]));
        result.images.push_back(std::move(image));
    }
    if (!r.save_tensors.empty()) {
        TensorMap tensors{{"images", out.images}, {"initial_latents", out.initial_latents}};
        if (out.init_latents.defined()) tensors["init_latents"] = out.init_latents;
        write_safetensors(r.save_tensors, tensors);
    }
    return result;
}

GenerateRequest request_from_parameters(const GenerationParameters& g) {
    GenerateRequest r;
    r.model = g.model;
    r.prompts = {g.prompt};
    if (!g.negative_prompt.empty()) r.negative_prompts = {g.negative_prompt};
    if (g.steps > 0) r.steps = g.steps;
    if (g.cfg_scale) r.guidance = *g.cfg_scale;
    r.seed = g.seed;
    r.width = g.width;
    r.height = g.height;
    r.images_per_prompt = g.batch_size > 0 ? g.batch_size : 1;
    if (!g.sampler.empty()) {
        const std::string sampler = combined_sampler_name(g);
        if (!g.schedule_type.empty() && g.schedule_type != "Automatic" && g.schedule_type != "Karras")
            throw InvalidRequest("schedule type '" + g.schedule_type + "' is not supported (Pictor has the default and Karras)");
        if (!known_scheduler(sampler))
            throw InvalidRequest("sampler '" + sampler + "' is not supported; Pictor has " + known_schedulers());
        r.scheduler = sampler;
    }
    if (g.clip_skip > 0) r.clip_skip = g.clip_skip;  // validate() checks the range
    if (g.denoising_strength) r.strength = *g.denoising_strength;  // with --init-image it reruns img2img
    for (const auto& [key, value] : g.extra) {
        if (key == "Timestep spacing") r.timestep_spacing = value;  // validate() checks it
        if (key == "Prompt syntax") r.prompt_syntax = value;        // Pictor's, written only for "plain"
        if (key == "VAE" && value == "taesd") r.decoder = kTaesdCatalogueName;
    }
    return r;
}

GenerateRequest request_from_png(const fs::path& png) {
    require_file(png, "PNG");
    const std::map<std::string, std::string> text = read_png_text(png);
    const auto it = text.find("parameters");
    if (it == text.end()) throw InvalidRequest("'" + png.string() + "' has no `parameters` text (not a generated image?)");
    const std::optional<GenerationParameters> g = parse_parameters(it->second);
    if (!g) throw InvalidRequest("'" + png.string() + "': its `parameters` text has no settings line");
    try {
        return request_from_parameters(*g);
    } catch (const InvalidRequest& e) {
        throw InvalidRequest("'" + png.string() + "': " + e.what());
    }
}

}  // namespace pictor::jobs
