// Timestep embeddings of the diffusion UNet.
//
// Failure contract: `timestep_embedding` throws pictor::Error for a timesteps tensor that is not
// 0-d or 1-d. Thread-safety: as torch::nn::Module.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/TensorOptions.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "core/models/sd/sd_layers.h"

namespace pictor::sd {

// Ref: diffusers/models/embeddings.py get_timestep_embedding (max_period 10000, scale 1).
// timesteps: [N] (any dtype) -> [N, dim] float32 sinusoidal embedding.
at::Tensor timestep_embedding(const at::Tensor& timesteps, int64_t dim, bool flip_sin_to_cos, double freq_shift);

// Ref: diffusers/models/embeddings.py TimestepEmbedding (act "silu", no cond_proj, no post_act).
struct TimestepEmbeddingImpl : torch::nn::Module {
    TimestepEmbeddingImpl(int64_t in_channels, int64_t time_embed_dim, const at::TensorOptions& options);
    // sample: [N, in] -> [N, time_embed_dim]
    at::Tensor forward(const at::Tensor& sample) const;

    Linear linear_1{nullptr}, linear_2{nullptr};
};
TORCH_MODULE(TimestepEmbedding);

}  // namespace pictor::sd
