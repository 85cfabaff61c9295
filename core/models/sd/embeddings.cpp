#include "core/models/sd/embeddings.h"

#include <ATen/ATen.h>

#include <cmath>

#include "core/util/error.h"

namespace pictor::sd {

// Ref: diffusers/models/embeddings.py get_timestep_embedding
at::Tensor timestep_embedding(const at::Tensor& timesteps, int64_t dim, bool flip_sin_to_cos, double freq_shift) {
    if (timesteps.dim() != 1) fail("timestep_embedding: timesteps must be 1-d, got " + std::to_string(timesteps.dim()) + "-d");
    const int64_t half = dim / 2;
    const auto opts = at::TensorOptions().dtype(at::kFloat).device(timesteps.device());
    // Same float32 operation order as the reference: (-ln(10000) * arange) / (half - shift).
    at::Tensor exponent = at::arange(0, half, opts).mul(-std::log(10000.0)).div(static_cast<double>(half) - freq_shift);
    at::Tensor emb = timesteps.unsqueeze(1).to(at::kFloat) * exponent.exp().unsqueeze(0);  // [N, half]
    at::Tensor sin = emb.sin(), cos = emb.cos();
    emb = flip_sin_to_cos ? at::cat({cos, sin}, -1) : at::cat({sin, cos}, -1);
    if (dim % 2 == 1) emb = at::constant_pad_nd(emb, {0, 1}, 0);
    return emb;
}

TimestepEmbeddingImpl::TimestepEmbeddingImpl(int64_t in_channels, int64_t time_embed_dim,
                                             const at::TensorOptions& options, int64_t cond_proj_dim)
    : linear_1(register_module("linear_1", Linear(in_channels, time_embed_dim, true, options))),
      linear_2(register_module("linear_2", Linear(time_embed_dim, time_embed_dim, true, options))) {
    if (cond_proj_dim > 0) cond_proj = register_module("cond_proj", Linear(cond_proj_dim, in_channels, false, options));
}

// Ref: diffusers/models/embeddings.py TimestepEmbedding.forward
at::Tensor TimestepEmbeddingImpl::forward(const at::Tensor& sample, const at::Tensor& condition) const {
    if (!condition.defined()) return linear_2->forward(at::silu(linear_1->forward(sample)));
    if (!cond_proj) fail("TimestepEmbedding: a timestep condition was given but the UNet has no time_cond_proj_dim");
    return linear_2->forward(at::silu(linear_1->forward(sample + cond_proj->forward(condition))));
}

// Ref: LatentConsistencyModelPipeline.get_guidance_scale_embedding (0.23.0)
at::Tensor guidance_scale_embedding(const at::Tensor& w, int64_t dim) {
    if (w.dim() != 1) fail("guidance_scale_embedding: w must be 1-d, got " + std::to_string(w.dim()) + "-d");
    if (dim < 4) fail("guidance_scale_embedding: embedding_dim must be >= 4, got " + std::to_string(dim));
    const int64_t half = dim / 2;
    const auto opts = at::TensorOptions().dtype(at::kFloat).device(w.device());
    const at::Tensor scaled = w.to(at::kFloat) * 1000.0;
    // torch.log(torch.tensor(10000.0)) / (half_dim - 1): a float32 0-d tensor divided by an int.
    const float step = std::log(10000.0f) / static_cast<float>(half - 1);
    const at::Tensor freqs = (at::arange(half, opts) * static_cast<double>(-step)).exp();
    at::Tensor emb = scaled.unsqueeze(1) * freqs.unsqueeze(0);
    emb = at::cat({emb.sin(), emb.cos()}, 1);
    if (dim % 2 == 1) emb = at::constant_pad_nd(emb, {0, 1}, 0);
    return emb;
}

}  // namespace pictor::sd
