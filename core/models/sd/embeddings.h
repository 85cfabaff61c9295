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

// Ref: diffusers/pipelines/latent_consistency_models/pipeline_latent_consistency_text2img.py
// LatentConsistencyModelPipeline.get_guidance_scale_embedding (diffusers 0.23.0): the sinusoid of
// w * 1000 that LCM-distilled UNets take as `timestep_cond`; w: [N] -> [N, dim] float32, computed
// in float32 in the reference's operation order (arguments reach ~8500 rad, so one ulp matters).
// The pipeline passes w = guidance_scale - 1.
at::Tensor guidance_scale_embedding(const at::Tensor& w, int64_t dim);

// Ref: diffusers/models/embeddings.py TimestepEmbedding (act "silu", no post_act). With
// cond_proj_dim > 0 it has `cond_proj` (Linear without bias), which adds a projected condition
// (LCM's guidance embedding) to the sample before linear_1.
struct TimestepEmbeddingImpl : torch::nn::Module {
    TimestepEmbeddingImpl(int64_t in_channels, int64_t time_embed_dim, const at::TensorOptions& options,
                          int64_t cond_proj_dim = 0);
    // sample: [N, in] -> [N, time_embed_dim]; condition: [N, cond_proj_dim] or undefined.
    at::Tensor forward(const at::Tensor& sample, const at::Tensor& condition = {}) const;

    Linear linear_1{nullptr}, linear_2{nullptr};
    Linear cond_proj{nullptr};  // only with cond_proj_dim > 0
};
TORCH_MODULE(TimestepEmbedding);

}  // namespace pictor::sd
