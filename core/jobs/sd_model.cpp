#include "core/jobs/sd_model.h"

#include <c10/core/Device.h>

#include "core/io/json_config.h"
#include "core/jobs/job_support.h"
#include "core/jobs/memory_estimate.h"
#include "core/jobs/sd_lora.h"
#include "core/io/torch_checkpoint.h"
#include "core/models/sd/single_file.h"
#include "core/schedulers/scheduler.h"

namespace pictor::jobs::detail {

namespace fs = std::filesystem;

namespace {

struct Placement {
    SdPlacement placement;
    std::string key;  // "f32|cpu"
    int bytes_per_value = 4;
};

// "CUDA means float16" unless the request says otherwise (diffusers' usual torch_dtype on GPUs).
Placement placement_of(const std::string& device, const std::string& requested_dtype) {
    Placement p;
    const bool cuda = device == "cuda";
    p.placement.device = c10::Device(cuda ? c10::kCUDA : c10::kCPU);
    const std::string dtype = requested_dtype.empty() ? (cuda ? "f16" : "f32") : requested_dtype;
    p.placement.dtype = dtype == "f16" ? c10::kHalf : dtype == "bf16" ? c10::kBFloat16 : c10::kFloat;
    p.bytes_per_value = dtype == "f32" ? 4 : 2;
    p.key = dtype + "|" + device;
    return p;
}

// The image size a run with width/height 0 gets: the UNet's sample_size × 8.
int default_size(const fs::path& model_dir) {
    try {
        const JsonConfig unet = JsonConfig::load(model_dir / "unet" / "config.json");
        return int(unet.get_int("sample_size", 64) * 8);
    } catch (const Error&) {
        return 512;
    }
}

// The same for a single-file checkpoint: from its safetensors header (cheap); a .ckpt must be
// unpickled whole to know, so its estimate assumes 512.
int single_file_default_size(const fs::path& file, const SingleFileOptions& options) {
    try {
        if (is_zip_file(file)) return 512;
        const SingleFileArchitecture arch = single_file_architecture(file, weight_file_shapes(file), options);
        return int(arch.unet.sample_size << (arch.vae.block_out_channels.size() - 1));
    } catch (const Error&) {
        return 512;  // the load reports what is wrong
    }
}

}  // namespace

bool known_scheduler(const std::string& name) {
    for (const std::string& n : scheduler_names())
        if (name == n || name == scheduler_display_name(n)) return true;
    return false;
}

std::string known_schedulers() {
    std::string s;
    for (const std::string& n : scheduler_names()) s += (s.empty() ? "" : ", ") + n + " (" + scheduler_display_name(n) + ")";
    return s;
}

void validate_settings(const GenerationSettings& g) {
    require_range(g.steps, 1, 1000, "steps");
    require_range(g.guidance, 0, 100, "guidance");
    for (const auto& [value, field] : {std::pair{g.width, "width"}, std::pair{g.height, "height"}}) {
        if (value < 0 || value % 8 != 0 || (value == 0 && !g.zero_size_ok))
            throw InvalidRequest(std::string(field) + " must be a positive multiple of 8" +
                                 (g.zero_size_ok ? " (or 0 for the model's size)" : "") + ", got " + std::to_string(value));
    }
    if (!g.scheduler.empty() && !known_scheduler(g.scheduler))
        throw InvalidRequest("scheduler '" + g.scheduler + "' is not one of " + known_schedulers());
    if (g.device != "cpu" && g.device != "cuda") throw InvalidRequest("device must be cpu or cuda, got '" + g.device + "'");
    if (!g.dtype.empty() && g.dtype != "f32" && g.dtype != "f16" && g.dtype != "bf16")
        throw InvalidRequest("dtype must be f32, bf16 or f16, got '" + g.dtype + "'");
    if (g.device == "cpu" && g.dtype == "f16")
        throw InvalidRequest("dtype f16 runs on CUDA only; on the CPU Stable Diffusion runs in f32 or bf16");
}

std::shared_ptr<StableDiffusion> stable_diffusion_for(const SdRun& run, ModelCache& cache, JobSink& sink) {
    const ResolvedModel resolved = resolve_for(run.reference, "Stable Diffusion model");
    // One original-layout checkpoint file (A1111 / civitai): converted on load.
    const bool single_file = resolved.is_file();
    SingleFileOptions file_options;
    file_options.config = run.config;
    file_options.ema = run.ema;
    if (!single_file && !run.config.empty())
        throw InvalidRequest("--config applies to a single checkpoint file; '" + run.reference + "' is a folder");
    if (!single_file && !resolved.is_diffusers_pipeline())
        fail("model '" + run.reference + "' is not a diffusers Stable Diffusion folder (no model_index.json in '" +
             resolved.path.string() + "')");
    const Placement placement = placement_of(run.device, run.dtype);

    const int size = single_file ? single_file_default_size(resolved.path, file_options) : default_size(resolved.path);
    const int width = run.width > 0 ? run.width : size, height = run.height > 0 ? run.height : size;
    const uint64_t weights = weights_in_memory_bytes(resolved.path, placement.bytes_per_value);
    const GenerationMemory need =
        estimate_generation_memory(weights, width, height, run.batch, run.cfg, placement.bytes_per_value);
    require_memory("generating " + std::to_string(run.batch) + " image(s) of " + std::to_string(width) + "x" +
                       std::to_string(height),
                   need.total(),
                   "weights " + format_bytes(need.weights) + " + " +
                       (need.vae_activations > need.unet_activations
                            ? "VAE decoder " + format_bytes(need.vae_activations)
                            : "UNet activations " + format_bytes(need.unet_activations)));

    std::string key = "sd|" + resolved.path.string() + "|" + placement.key;
    if (single_file)  // the same file with another config or EMA choice is another model
        key += "|" + modification_stamp(resolved.path) + "|config=" + run.config + (run.ema ? "|ema" : "");
    std::shared_ptr<StableDiffusion> model = cache.get<StableDiffusion>(key, weights, [&] {
        sink.on_stage("loading Stable Diffusion");
        if (single_file) {
            std::vector<std::string> notes;
            auto sd = std::make_shared<StableDiffusion>(
                load_stable_diffusion_file(resolved.path, file_options, placement.placement, &notes));
            for (const std::string& note : notes) sink.on_message(note);
            sd->model_hash = short_model_hash(resolved.path);  // A1111 hashes the checkpoint file
            return sd;
        }
        auto sd = std::make_shared<StableDiffusion>(load_stable_diffusion(resolved.path, placement.placement));
        try {
            sd->model_hash = short_model_hash(find_weight_file(resolved.path / "unet"));
        } catch (const Error&) {
        }
        return sd;
    });
    model->reference = portable_reference(run.reference, resolved);
    apply_lora_set(*model, run.loras, sink);  // a no-op when the model already has this set
    return model;
}

}  // namespace pictor::jobs::detail
