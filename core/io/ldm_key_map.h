// Tensor names of an original (LDM / CompVis / A1111) Stable Diffusion single-file checkpoint,
// mapped to the diffusers names Pictor's networks use.
//
// One table-driven map, key by key: `model.diffusion_model.*` → UNet, `first_stage_model.*` → VAE,
// `cond_stage_model.transformer.*` (SD 1.x CLIP) and `cond_stage_model.model.*` (SD 2.x OpenCLIP)
// → text encoder. The block indices depend on the layout (layers per UNet block, VAE levels).
// Ref: diffusers 0.21.4 pipelines/stable_diffusion/convert_from_ckpt.py (convert_ldm_unet_checkpoint,
// convert_ldm_vae_checkpoint, convert_ldm_clip_checkpoint, convert_open_clip_checkpoint).
// Thread-safety: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pictor {

enum class SdComponent { unet, vae, text_encoder };
const char* component_name(SdComponent component);  // "unet", "vae", "text_encoder"

enum class KeyTransform {
    none,
    conv1x1_to_linear,  // VAE attention q/k/v/proj_out: [C, C, 1, 1] → [C, C]
    split_qkv,          // OpenCLIP attn.in_proj_{weight,bias}: [3C, ...] → q_proj, k_proj, v_proj
};

struct LdmLayout {
    int64_t unet_layers_per_block = 2;  // LDM num_res_blocks
    int64_t vae_levels = 4;             // len(ch_mult): decoder.up.{levels-1-i} ↔ up_blocks.i
};

struct DiffusersKey {
    SdComponent component = SdComponent::unet;
    std::string name;  // for split_qkv: `...self_attn.in_proj.weight`, see qkv_names
    KeyTransform transform = KeyTransform::none;
};

// The diffusers name of an original key, or nullopt for a key that belongs to no network
// (noise-schedule buffers, `model_ema.*`, OpenCLIP's text_projection / logit_scale, ...).
// A key under a network prefix that the table does not know keeps its rest unchanged, so that a
// strict load reports it as unexpected.
std::optional<DiffusersKey> map_ldm_key(std::string_view key, const LdmLayout& layout = {});

// For KeyTransform::split_qkv: the q_proj, k_proj, v_proj names of `...self_attn.in_proj.<x>`.
std::array<std::string, 3> qkv_names(const std::string& in_proj_name);

// `model_ema.` + the key without its first segment and without dots, as LDM's EMA stores it
// ("model.diffusion_model.out.0.weight" → "model_ema.diffusion_modelout0weight").
// Ref: convert_ldm_unet_checkpoint's flat_ema_key.
std::string ldm_ema_key(std::string_view key);

}  // namespace pictor
