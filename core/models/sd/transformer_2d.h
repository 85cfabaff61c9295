// The spatial transformer of the SD UNet (diffusers' Transformer2DModel, continuous input).
//
// Failure contract: forward() throws c10::Error on mismatched shapes (validated by the UNet).
// Thread-safety: as torch::nn::Module.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/TensorOptions.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>

#include <vector>

#include "core/models/sd/attention.h"
#include "core/models/sd/sd_layers.h"

namespace pictor::sd {

struct TransformerOptions {
    int64_t heads = 8;
    int64_t dim_head = 40;
    int64_t in_channels = 320;
    int64_t num_layers = 1;
    int64_t cross_attention_dim = 768;
    int64_t norm_num_groups = 32;
    bool use_linear_projection = false;
    bool only_cross_attention = false;
    bool upcast_attention = false;
};

// Ref: diffusers/models/attention.py BasicTransformerBlock (norm_type "layer_norm", GEGLU,
// no attention bias). Names: norm1, attn1, norm2, attn2, norm3, ff.
struct BasicTransformerBlockImpl : torch::nn::Module {
    BasicTransformerBlockImpl(int64_t dim, const TransformerOptions& opts, const at::TensorOptions& options);
    // x: [N, T, dim], context: [N, S, cross_attention_dim] -> [N, T, dim]
    at::Tensor forward(const at::Tensor& x, const at::Tensor& context) const;

    LayerNorm norm1{nullptr}, norm2{nullptr}, norm3{nullptr};
    Attention attn1{nullptr}, attn2{nullptr};
    FeedForward ff{nullptr};
    bool only_cross_attention = false;
};
TORCH_MODULE(BasicTransformerBlock);

// Ref: diffusers/models/transformer_2d.py Transformer2DModel (continuous input). Names: norm,
// proj_in (1×1 conv or linear), transformer_blocks.i, proj_out.
struct Transformer2DModelImpl : torch::nn::Module {
    Transformer2DModelImpl(const TransformerOptions& opts, const at::TensorOptions& options);
    // x: [N, C, H, W], context: [N, S, cross_attention_dim] -> [N, C, H, W]
    at::Tensor forward(const at::Tensor& x, const at::Tensor& context) const;

    GroupNorm norm{nullptr};
    // proj_in / proj_out: 1×1 convs, or linears with use_linear_projection (the other is null).
    Conv2d proj_in_conv{nullptr}, proj_out_conv{nullptr};
    Linear proj_in_linear{nullptr}, proj_out_linear{nullptr};
    torch::nn::ModuleList transformer_blocks{nullptr};
    TransformerOptions opts;

private:
    std::vector<BasicTransformerBlock> blocks_;
};
TORCH_MODULE(Transformer2DModel);

}  // namespace pictor::sd
