// The down, mid and up blocks of the SD UNet (diffusers names: resnets.i, attentions.i,
// downsamplers.0, upsamplers.0).
//
// Failure contract: forward() throws c10::Error on mismatched shapes (validated by the UNet).
// Thread-safety: as torch::nn::Module.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/TensorOptions.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>

#include <optional>
#include <vector>

#include "core/models/sd/resnet_block2d.h"
#include "core/models/sd/transformer_2d.h"

namespace pictor::sd {

struct UNetBlockOptions {
    int64_t in_channels = 0;
    int64_t out_channels = 0;
    int64_t prev_output_channels = 0;  // up blocks: channels coming from the block below
    int64_t temb_channels = 0;
    int64_t num_layers = 2;
    bool cross_attention = true;  // CrossAttn*Block2D (false: DownBlock2D / UpBlock2D)
    bool add_sampler = true;      // downsampler / upsampler at the end
    int64_t groups = 32;
    double eps = 1e-5;
    int64_t downsample_padding = 1;
    TransformerOptions transformer;  // heads, dim_head, in_channels are filled in by the block
};

// Ref: diffusers/models/unet_2d_blocks.py CrossAttnDownBlock2D (cross_attention) and DownBlock2D.
struct UNetDownBlockImpl : torch::nn::Module {
    UNetDownBlockImpl(const UNetBlockOptions& opts, const at::TensorOptions& options);
    // x: [N, in, H, W] -> [N, out, H/2, W/2] (or H, W in the last block); appends each layer's
    // output (and the downsampled one) to `skips`.
    at::Tensor forward(const at::Tensor& x, const at::Tensor& temb, const at::Tensor& context,
                       std::vector<at::Tensor>& skips) const;

    torch::nn::ModuleList resnets{nullptr}, attentions{nullptr}, downsamplers{nullptr};

private:
    std::vector<ResnetBlock2D> resnets_;
    std::vector<Transformer2DModel> attentions_;
    Downsample2D downsampler_{nullptr};
};
TORCH_MODULE(UNetDownBlock);

// Ref: diffusers/models/unet_2d_blocks.py UNetMidBlock2DCrossAttn.
struct UNetMidBlockImpl : torch::nn::Module {
    UNetMidBlockImpl(const UNetBlockOptions& opts, double output_scale_factor, const at::TensorOptions& options);
    // x: [N, C, H, W] -> same
    at::Tensor forward(const at::Tensor& x, const at::Tensor& temb, const at::Tensor& context) const;

    torch::nn::ModuleList resnets{nullptr}, attentions{nullptr};

private:
    std::vector<ResnetBlock2D> resnets_;
    std::vector<Transformer2DModel> attentions_;
};
TORCH_MODULE(UNetMidBlock);

// Ref: diffusers/models/unet_2d_blocks.py CrossAttnUpBlock2D (cross_attention) and UpBlock2D.
struct UNetUpBlockImpl : torch::nn::Module {
    UNetUpBlockImpl(const UNetBlockOptions& opts, const at::TensorOptions& options);
    // x: [N, prev, H, W]; consumes one skip per layer from the back of `skips`; upsamples to the
    // spatial size of the next remaining skip -> [N, out, H', W'].
    at::Tensor forward(const at::Tensor& x, const at::Tensor& temb, const at::Tensor& context,
                       std::vector<at::Tensor>& skips) const;

    torch::nn::ModuleList resnets{nullptr}, attentions{nullptr}, upsamplers{nullptr};

private:
    std::vector<ResnetBlock2D> resnets_;
    std::vector<Transformer2DModel> attentions_;
    Upsample2D upsampler_{nullptr};
};
TORCH_MODULE(UNetUpBlock);

}  // namespace pictor::sd
