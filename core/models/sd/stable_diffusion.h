// A Stable Diffusion model as a diffusers StableDiffusionPipeline folder holds it, and its loader.
//
// The bundle of networks, tokenizer and scheduler config that text-to-image (and later img2img)
// compose; pipelines take a loaded StableDiffusion and open no files.
// Failure contract: load_stable_diffusion throws pictor::Error "loading Stable Diffusion from
// <folder>: ..." naming what is missing or wrong (a component, a config key, a tensor).
// Thread-safety: a loaded model is used by one run at a time.
#pragma once

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <filesystem>
#include <optional>
#include <string>

#include "core/io/json_config.h"
#include "core/models/clip/clip.h"
#include "core/models/sd/lora_state.h"
#include "core/models/sd/unet_2d_condition.h"
#include "core/models/sd/vae.h"
#include "core/text/clip_tokenizer.h"

namespace pictor {

// Where and in which precision the networks run. CPU: float32 (F16 checkpoints are upcast);
// CUDA (when LibTorch has it): float16 or float32. The VAE stays float32 when the config asks
// for force_upcast and the dtype is float16, as diffusers does.
struct SdPlacement {
    c10::Device device = c10::Device(c10::kCPU);
    c10::ScalarType dtype = c10::kFloat;
};

// A loaded model: everything a diffusers StableDiffusionPipeline folder holds that generation
// needs (the safety checker and feature extractor are not used).
struct StableDiffusion {
    std::optional<ClipTokenizer> tokenizer;  // always set by load_stable_diffusion
    CLIPTextModel text_encoder{nullptr};
    UNet2DConditionModel unet{nullptr};
    AutoencoderKL vae{nullptr};
    JsonConfig scheduler_config;  // scheduler/scheduler_config.json
    std::string name;             // the folder name, e.g. stable-diffusion-v1-5
    // What the PNG parameters name the model by ("Model:", "Model hash:"): the job layer sets the
    // reference it resolved (repo id or absolute path); load_stable_diffusion sets `name`.
    std::string reference;
    std::string model_hash;
    SdPlacement placement;
    // The LoRAs merged into unet/text_encoder (core/models/sd/lora_merge.h); the model cache keys
    // on the base model only, so a job changes this set on the cached instance.
    MergedLoras loras;
};

// Loads a diffusers folder (model_index.json; unet/, vae/, text_encoder/, tokenizer/, scheduler/).
// Throws pictor::Error "loading Stable Diffusion from <folder>: ..." naming what is missing or wrong.
StableDiffusion load_stable_diffusion(const std::filesystem::path& folder, const SdPlacement& placement = {});

}  // namespace pictor
