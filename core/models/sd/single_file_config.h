// The architecture of a single-file (original LDM layout) Stable Diffusion checkpoint: the
// diffusers configs its networks are built from, and where they came from.
//
// Precedence (the first that applies):
//   1. an explicit config (`--config`): an LDM yaml, or a diffusers model folder whose
//      unet/ vae/ [text_encoder/ scheduler/ tokenizer/] configs are used;
//   2. the A1111 sidecar `<checkpoint stem>.yaml` beside the file;
//   3. detection from the weights: SD 1.x vs 2.x from the cross-attention width (768 / 1024),
//      inpainting from conv_in's 9 input channels, with the settings of the yaml the reference
//      loader would fetch (v1-inference.yaml, v2-inference-v.yaml: SD 1.5 / 2.1 defaults).
// A yaml cannot say everything (no GroupNorm group count, no text-encoder architecture, no head
// count for OpenCLIP): each default taken is listed in `notes`.
// Ref: diffusers 0.21.4 convert_from_ckpt.py download_from_original_stable_diffusion_ckpt,
// create_unet_diffusers_config, create_vae_diffusers_config.
// Failure contract: pictor::Error naming the file and what could not be decided.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/io/json_config.h"
#include "core/io/ldm_key_map.h"
#include "core/io/ldm_yaml.h"
#include "core/models/clip/clip.h"
#include "core/models/sd/unet_2d_condition.h"
#include "core/models/sd/vae.h"

namespace pictor {

using TensorShapes = std::map<std::string, std::vector<int64_t>>;

struct SingleFileOptions {
    std::filesystem::path config;  // LDM yaml or diffusers folder; empty: sidecar, else detection
    bool ema = false;              // take the UNet's EMA weights (`model_ema.*`) when the file has them
};

struct SingleFileArchitecture {
    std::string family;            // "SD 1.x" | "SD 2.x" | "custom"
    bool inpainting = false;
    bool open_clip = false;        // SD 2.x text encoder keys (cond_stage_model.model.*)
    std::string prediction_type;   // "epsilon" | "v_prediction"
    std::string config_source;     // "--config X", "sidecar X", "detected from the weights"
    UNet2DConditionConfig unet;
    AutoencoderKLConfig vae;
    CLIPTextConfig text;
    JsonConfig scheduler;          // a scheduler_config.json equivalent
    std::filesystem::path tokenizer_dir;  // a diffusers --config folder's tokenizer/, if any
    LdmLayout layout;
    std::vector<std::string> notes;  // defaults taken and why

    // "SD 1.x (epsilon, 512x512), config: detected from the weights".
    std::string describe() const;
};

// True when the names look like an original LDM checkpoint (model.diffusion_model.* keys).
bool is_ldm_checkpoint(const TensorShapes& shapes);

// The sidecar A1111 reads: `<dir>/<stem>.yaml`, if it exists.
std::optional<std::filesystem::path> sidecar_yaml(const std::filesystem::path& file);

// The configs for `file` (used in messages and for the sidecar) with tensor names/shapes `shapes`.
SingleFileArchitecture single_file_architecture(const std::filesystem::path& file, const TensorShapes& shapes,
                                                const SingleFileOptions& options);

// The derivation alone, from a parsed yaml (exposed for tests).
UNet2DConditionConfig unet_config_from_ldm(const LdmYaml& yaml, std::vector<std::string>& notes);
AutoencoderKLConfig vae_config_from_ldm(const LdmYaml& yaml, std::vector<std::string>& notes);
JsonConfig scheduler_config_from_ldm(const LdmYaml& yaml);
// The yaml the reference loader fetches when none is given (v1-inference.yaml, v2-inference-v.yaml,
// v1-inpainting-inference.yaml), as parsed values.
LdmYaml builtin_ldm_yaml(bool sd2, bool inpainting);

// Text encoder architecture from its weights (a yaml only names the class).
CLIPTextConfig text_config_from_weights(const TensorShapes& shapes, bool open_clip, std::vector<std::string>& notes);

}  // namespace pictor
