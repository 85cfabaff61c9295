#include "core/jobs/generate_job.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cstdio>
#include <regex>
#include <system_error>

#include "core/image/a1111_parameters.h"
#include "core/image/image_io.h"
#include "core/io/safetensors.h"
#include "core/jobs/job_support.h"
#include "core/jobs/sd_model.h"
#include "core/pipelines/txt2img.h"
#include "core/schedulers/scheduler.h"

namespace pictor::jobs {

namespace fs = std::filesystem;
using namespace detail;

namespace {

constexpr int kMaxImagesPerPrompt = 64;

// The next free 5-digit counter in `dir` (A1111's naming: 00012-1234.png).
int next_counter(const fs::path& dir) {
    int next = 0;
    const std::regex pattern(R"((\d{5})-.*\.png)");
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        std::smatch m;
        const std::string name = entry.path().filename().string();
        if (std::regex_match(name, m, pattern)) next = std::max(next, std::stoi(m[1].str()) + 1);
    }
    return next;
}

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
    if (!r.latents_file.empty()) {
        require_file(r.latents_file, "latents file");
        if (r.seed) throw InvalidRequest("a seed and a latents file exclude each other");
    }
    if (r.out_dir.empty()) throw InvalidRequest("output folder is not set");
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
    p.seed = r.seed;
    p.preview_every = r.preview_every;
    if (!r.latents_file.empty()) p.latents = load_latents(r.latents_file);

    const SdRun run{r.model, r.device, r.dtype, r.width, r.height, int64_t(r.prompts.size()) * r.images_per_prompt, r.guidance > 1.0};
    const std::shared_ptr<StableDiffusion> model = stable_diffusion_for(run, cache, sink);

    if (p.latents.defined() && p.latents.dim() == 4) {
        // The image size follows from explicit latents when not given.
        const int64_t factor = model->vae->downsampling_factor();
        if (p.width == 0) p.width = int(p.latents.size(3) * factor);
        if (p.height == 0) p.height = int(p.latents.size(2) * factor);
    }

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
    int counter = next_counter(r.out_dir);
    const std::string tag = out.seed ? std::to_string(*out.seed) : "latents";
    for (int64_t i = 0; i < out.images.size(0); ++i) {
        GeneratedImage image;
        image.file = counter_file(r.out_dir, counter++, tag);
        image.prompt = out.prompt_of_image[size_t(i)];
        image.negative_prompt = out.negative_of_image[size_t(i)];
        image.parameters = out.parameters[size_t(i)];
        image.batch_pos = int(i);
        write_png(image.file, float_to_u8(out.images[i]), {{"parameters", image.parameters}});  // atomic
        if (r.keep_pixels) image.pixels = to_rgb8(float_to_u8(out.images[i]));
        result.images.push_back(std::move(image));
    }
    if (!r.save_tensors.empty())
        write_safetensors(r.save_tensors, {{"images", out.images}, {"initial_latents", out.initial_latents}});
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
    if (g.clip_skip > 1)
        throw InvalidRequest("Clip skip " + std::to_string(g.clip_skip) + " is not supported yet (only 1, the default)");
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
