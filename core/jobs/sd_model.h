// Stable Diffusion through the model cache, with the memory check, for the generate and dataset
// jobs (internal to core/jobs).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/jobs/job_sink.h"
#include "core/jobs/model_cache.h"
#include "core/models/sd/lora_state.h"
#include "core/pipelines/txt2img.h"

namespace pictor::jobs::detail {

struct SdRun {
    std::string reference;  // model reference as given
    std::string device = "cpu";
    std::string dtype;      // "" = f32 on cpu, f16 on cuda
    int width = 0, height = 0;  // 0 = the model's size
    int64_t batch = 1;      // latents per UNet call, before CFG doubling
    bool cfg = true;
    // A single-file checkpoint (model.diffusion_model.* keys): its architecture config and EMA
    // choice (core/models/sd/single_file.h); ignored for diffusers folders.
    std::string config;
    bool ema = false;
    // The LoRAs to merge (core/jobs/sd_lora.h); empty = the base weights. The cache keys on the
    // base model only: the cached instance gets this set merged (or taken out) before it is returned.
    std::vector<LoraUse> loras;
};

// The settings every Stable Diffusion job shares, validated in one place: steps 1..1000, guidance
// finite in 0..100, width/height positive multiples of 8 (0 = the model's size when
// `zero_size_ok`), a known scheduler (engine or A1111 name), a device/dtype pair Pictor runs.
// Throws InvalidRequest naming the field.
struct GenerationSettings {
    int steps = 50;
    double guidance = 7.5;
    int width = 0, height = 0;
    bool zero_size_ok = true;
    std::string scheduler;
    std::string device = "cpu";
    std::string dtype;
};
void validate_settings(const GenerationSettings& settings);
bool known_scheduler(const std::string& name);
std::string known_schedulers();  // "pndm (PNDM), ddim (DDIM), ..."

// Resolves the model, refuses a run that does not fit the machine's memory (the estimate in the
// message) before anything is loaded, then takes the model from the cache or loads it. The
// returned model's `reference` is the portable reference (absolute path or repo id) and
// `model_hash` A1111's short hash of its UNet weights.
std::shared_ptr<StableDiffusion> stable_diffusion_for(const SdRun& run, ModelCache& cache, JobSink& sink);

}  // namespace pictor::jobs::detail
