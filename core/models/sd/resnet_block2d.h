// Residual and resampling blocks shared by the SD UNet and VAE (diffusers names).
//
// Failure contract: forward() throws c10::Error on mismatched shapes (validated by the models).
// Thread-safety: as torch::nn::Module.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/TensorOptions.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <optional>

#include "core/models/sd/sd_layers.h"

namespace pictor::sd {

// Ref: diffusers/models/resnet.py ResnetBlock2D (pre_norm, time_embedding_norm "default", SiLU,
// no up/down sampling inside the block). `temb_channels` 0 = no time embedding (the VAE).
struct ResnetBlock2DImpl : torch::nn::Module {
    ResnetBlock2DImpl(int64_t in_channels, int64_t out_channels, int64_t temb_channels, int64_t groups, double eps,
                      double output_scale_factor, const at::TensorOptions& options);
    // x: [N, in, H, W], temb: [N, temb_channels] or undefined -> [N, out, H, W]
    at::Tensor forward(const at::Tensor& x, const at::Tensor& temb = {}) const;

    GroupNorm norm1{nullptr}, norm2{nullptr};
    Conv2d conv1{nullptr}, conv2{nullptr};
    Linear time_emb_proj{nullptr};  // registered only with a time embedding
    Conv2d conv_shortcut{nullptr};  // registered only when in != out
    double output_scale_factor = 1.0;
};
TORCH_MODULE(ResnetBlock2D);

// Ref: diffusers/models/resnet.py Downsample2D (use_conv, kernel 3, stride 2). padding 0 means
// diffusers' asymmetric (0, 1, 0, 1) zero pad before the conv (the VAE encoder).
struct Downsample2DImpl : torch::nn::Module {
    Downsample2DImpl(int64_t channels, int64_t padding, const at::TensorOptions& options);
    // x: [N, C, H, W] -> [N, C, ceil-ish H/2, W/2]
    at::Tensor forward(const at::Tensor& x) const;

    Conv2d conv{nullptr};
    int64_t padding = 1;
};
TORCH_MODULE(Downsample2D);

// Ref: diffusers/models/resnet.py Upsample2D (use_conv, nearest ×2 or to `output_size`).
struct Upsample2DImpl : torch::nn::Module {
    Upsample2DImpl(int64_t channels, const at::TensorOptions& options);
    // x: [N, C, H, W] -> [N, C, 2H, 2W] (or output_size = {H', W'})
    at::Tensor forward(const at::Tensor& x, std::optional<std::pair<int64_t, int64_t>> output_size = std::nullopt) const;

    Conv2d conv{nullptr};
};
TORCH_MODULE(Upsample2D);

}  // namespace pictor::sd
