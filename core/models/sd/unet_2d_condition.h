// The Stable Diffusion denoising UNet (diffusers' UNet2DConditionModel, 0.21.4), configured from
// its config.json, with diffusers' parameter names (`conv_in.weight`,
// `down_blocks.0.attentions.1.transformer_blocks.0.attn2.to_k.weight`, ...).
//
// Supports every option SD 1.x and 2.x checkpoints use: attention_head_dim / num_attention_heads
// as an int or a per-block list (in these configs `attention_head_dim` is the NUMBER of heads:
// diffusers does `num_attention_heads = num_attention_heads or attention_head_dim`),
// use_linear_projection, upcast_attention, cross_attention_dim (int or list), norm_num_groups,
// norm_eps, layers_per_block (int or list), transformer_layers_per_block, block_out_channels, the
// down/up block type lists (CrossAttnDownBlock2D, DownBlock2D, UpBlock2D, CrossAttnUpBlock2D),
// mid_block_type (UNetMidBlock2DCrossAttn or none), only_cross_attention, flip_sin_to_cos,
// freq_shift, center_input_sample, downsample_padding, mid_block_scale_factor, conv kernels,
// in/out channels (e.g. 9-channel inpainting UNets). Options of other model families (class /
// addition embeddings, dual cross-attention, scale-shift time norm, ...) are rejected with an error
// naming the key.
//
// Reference: https://huggingface.co/runwayml/stable-diffusion-v1-5/blob/main/unet/config.json
//
// Failure contract: config parsing and forward() throw pictor::Error naming the config key or the
// tensor and what was expected. Thread-safety: as torch::nn::Module (one forward at a time).
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/TensorOptions.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/models/sd/embeddings.h"
#include "core/models/sd/sd_layers.h"
#include "core/models/sd/unet_2d_blocks.h"

namespace pictor {

class JsonConfig;

struct UNet2DConditionConfig {
    int64_t sample_size = 64;
    int64_t in_channels = 4;
    int64_t out_channels = 4;
    bool center_input_sample = false;
    bool flip_sin_to_cos = true;
    double freq_shift = 0.0;
    std::vector<std::string> down_block_types{"CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D",
                                              "DownBlock2D"};
    std::string mid_block_type = "UNetMidBlock2DCrossAttn";  // "" = no mid block
    std::vector<std::string> up_block_types{"UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D",
                                            "CrossAttnUpBlock2D"};
    // Per down block (the up blocks use them reversed), all expanded from ints.
    std::vector<bool> only_cross_attention{false, false, false, false};
    std::vector<int64_t> block_out_channels{320, 640, 1280, 1280};
    std::vector<int64_t> layers_per_block{2, 2, 2, 2};
    std::vector<int64_t> cross_attention_dim{768, 768, 768, 768};
    std::vector<int64_t> transformer_layers_per_block{1, 1, 1, 1};
    std::vector<int64_t> num_attention_heads{8, 8, 8, 8};
    int64_t downsample_padding = 1;
    double mid_block_scale_factor = 1.0;
    int64_t norm_num_groups = 32;
    double norm_eps = 1e-5;
    bool use_linear_projection = false;
    bool upcast_attention = false;
    int64_t conv_in_kernel = 3;
    int64_t conv_out_kernel = 3;
    // LCM-distilled UNets: the width of the guidance embedding added to the time embedding
    // (`time_embedding.cond_proj`); 0 = none (config null).
    int64_t time_cond_proj_dim = 0;

    // runwayml/stable-diffusion-v1-5 unet/config.json.
    static UNet2DConditionConfig sd15();
    // stabilityai/stable-diffusion-2-1 unet/config.json (heads [5, 10, 20, 20], linear projections,
    // 1024-d context, upcast attention, 96×96 latents).
    static UNet2DConditionConfig sd21();
    // "sd15" or "sd21"; throws pictor::Error listing the names.
    static UNet2DConditionConfig preset(std::string_view name);
    // Applies diffusers 0.21.4's class defaults for missing keys; throws pictor::Error naming the
    // key for a wrong type, an inconsistent list length or an unsupported option.
    static UNet2DConditionConfig from_json(const JsonConfig& config);

    int64_t time_embed_dim() const { return block_out_channels.at(0) * 4; }
    // Throws pictor::Error when the fields do not describe a buildable UNet.
    void validate() const;
    bool operator==(const UNet2DConditionConfig&) const = default;
};

// Ref: diffusers/models/unet_2d_condition.py UNet2DConditionModel (0.21.4).
struct UNet2DConditionModelImpl : torch::nn::Module {
    // Parameters are allocated with `options` (dtype, device; the meta device gives shapes
    // without memory) and left uninitialised: load weights or call sd::randomize_parameters.
    explicit UNet2DConditionModelImpl(const UNet2DConditionConfig& config,
                                      const at::TensorOptions& options = at::TensorOptions().dtype(at::kFloat));

    // sample: [N, in_channels, h, w] latents; timesteps: 0-d, [1] or [N], integer or floating;
    // context: [N, S, cross_attention_dim] text embeddings -> noise prediction [N, out_channels, h, w].
    // timestep_cond: [N, time_cond_proj_dim] (LCM's guidance embedding), only for a UNet with
    // time_cond_proj_dim; undefined = none (the projection is skipped, as in diffusers).
    at::Tensor forward(const at::Tensor& sample, const at::Tensor& timesteps, const at::Tensor& context,
                       const at::Tensor& timestep_cond = {}) const;
    // A single (possibly fractional) timestep for the whole batch.
    at::Tensor forward(const at::Tensor& sample, double timestep, const at::Tensor& context) const;

    const UNet2DConditionConfig& config() const { return config_; }

    sd::Conv2d conv_in{nullptr}, conv_out{nullptr};
    sd::TimestepEmbedding time_embedding{nullptr};
    torch::nn::ModuleList down_blocks{nullptr}, up_blocks{nullptr};
    sd::UNetMidBlock mid_block{nullptr};  // absent when mid_block_type is none
    sd::GroupNorm conv_norm_out{nullptr};

private:
    UNet2DConditionConfig config_;
    std::vector<sd::UNetDownBlock> down_;
    std::vector<sd::UNetUpBlock> up_;
};
TORCH_MODULE(UNet2DConditionModel);

}  // namespace pictor
