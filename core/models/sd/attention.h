// Multi-head attention for the SD UNet and VAE (diffusers' `Attention` with `AttnProcessor`),
// its GEGLU feed-forward, and the memory-bounded attention kernel they run on.
//
// Failure contract: forward() throws c10::Error on mismatched shapes (validated by the models).
// Thread-safety: as torch::nn::Module; `attention` itself is reentrant.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/TensorOptions.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>

#include <optional>

#include "core/models/sd/sd_layers.h"

namespace pictor::sd {

// softmax(q k^T * scale) v for every head, on [N, T, H*d] / [N, S, H*d] inputs (heads side by
// side in the last dimension, as the to_q/to_k/to_v projections produce them) -> [N, T, H*d].
// q, k, v need unit stride in their last dimension only (views are fine).
//
// On the CPU this is a parallel loop over (sample·head, 256-query tile): a GEMM into a per-thread
// [256, S] score buffer, softmax in place, and a GEMM straight into the output slice. No [N·H, T, S] score
// tensor is ever built (at 512² the SD UNet's 4096-token self-attention would need 1 GiB for it),
// and the heads are never split into a separate copy. Elsewhere (CUDA) it is batched matmuls.
// `upcast` computes the scores and softmax in float32 (diffusers' upcast_attention/upcast_softmax)
// when the inputs are half precision.
at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t heads, double scale,
                     bool upcast);

// The same computation, written as diffusers' AttnProcessor does it (baddbmm + softmax + bmm over
// [N·H, T, d] tensors). Kept as the reference the fast kernel is tested against.
at::Tensor attention_reference(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t heads,
                               double scale, bool upcast);

struct AttentionOptions {
    int64_t query_dim = 0;
    int64_t cross_attention_dim = 0;  // 0: self-attention (keys/values from the query input)
    int64_t heads = 8;
    int64_t dim_head = 64;
    bool bias = false;               // on to_q/to_k/to_v
    bool upcast = false;             // upcast_attention / upcast_softmax
    int64_t norm_groups = 0;         // > 0: a `group_norm` on the [N, C, H, W] input (VAE mid-block)
    double norm_eps = 1e-5;
    bool residual_connection = false;  // add the input (VAE mid-block)
    double rescale_output_factor = 1.0;
};

// Ref: diffusers/models/attention_processor.py Attention + AttnProcessor (0.21.4). Parameter
// names: to_q, to_k, to_v, to_out.0 (and group_norm when present).
struct AttentionImpl : torch::nn::Module {
    AttentionImpl(const AttentionOptions& opts, const at::TensorOptions& options);
    // x: [N, T, query_dim], context: [N, S, cross_attention_dim] or undefined (self-attention)
    // -> [N, T, query_dim]. With a group_norm, x may also be [N, C, H, W] (the VAE form).
    at::Tensor forward(const at::Tensor& x, const at::Tensor& context = {}) const;

    Linear to_q{nullptr}, to_k{nullptr}, to_v{nullptr};
    torch::nn::ModuleList to_out{nullptr};  // [Linear] (diffusers' Dropout at index 1 has no parameters)
    GroupNorm group_norm{nullptr};
    AttentionOptions opts;

private:
    Linear out_proj_{nullptr};
};
TORCH_MODULE(Attention);

// Ref: diffusers/models/attention.py FeedForward(activation_fn="geglu"), GEGLU (exact GELU).
// Names: net.0.proj (Linear dim -> 2·inner), net.2 (Linear inner -> dim).
struct FeedForwardImpl : torch::nn::Module {
    FeedForwardImpl(int64_t dim, int64_t mult, const at::TensorOptions& options);
    // x: [N, T, dim] -> [N, T, dim]
    at::Tensor forward(const at::Tensor& x) const;

    torch::nn::ModuleList net{nullptr};

private:
    Linear proj_{nullptr}, out_{nullptr};
};
TORCH_MODULE(FeedForward);

}  // namespace pictor::sd
