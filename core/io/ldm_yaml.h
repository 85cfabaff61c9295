// The original LDM / Stability inference yaml (`v1-inference.yaml`, `v2-inference-v.yaml`, an A1111
// sidecar `<checkpoint>.yaml`): the fields a single-file Stable Diffusion loader reads.
//
// Every field is optional (absent in the file → unset); what is missing is the caller's to default.
// Ref: diffusers 0.21.4 convert_from_ckpt.py create_unet_diffusers_config / create_vae_diffusers_config
// and download_from_original_stable_diffusion_ckpt, which read the same keys.
// Failure contract: pictor::Error naming the file and the key (bad YAML, a key of the wrong type).
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace pictor {

struct LdmYaml {
    std::string source;  // the file, for messages
    // model.params
    std::optional<double> linear_start, linear_end, scale_factor;
    std::optional<int64_t> timesteps, image_size;  // image_size: the latent size
    std::optional<std::string> parameterization;   // "eps" or "v"
    // model.params.unet_config.params
    std::optional<int64_t> in_channels, out_channels, model_channels, num_res_blocks, context_dim;
    std::optional<int64_t> num_heads, num_head_channels;
    std::optional<std::vector<int64_t>> channel_mult, attention_resolutions, transformer_depth;
    std::optional<bool> use_linear_in_transformer;
    // model.params.first_stage_config.params(.ddconfig)
    std::optional<int64_t> vae_ch, vae_z_channels, vae_num_res_blocks, vae_in_channels, vae_out_ch, vae_resolution;
    std::optional<std::vector<int64_t>> vae_ch_mult;
    // model.params.cond_stage_config.target, e.g. ldm.modules.encoders.modules.FrozenCLIPEmbedder
    std::optional<std::string> cond_stage_target;
    bool has_unet_config = false;
};

LdmYaml parse_ldm_yaml(const std::string& text, const std::string& source);
LdmYaml load_ldm_yaml(const std::filesystem::path& file);

}  // namespace pictor
