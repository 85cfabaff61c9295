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
                                             const at::TensorOptions& options)
    : linear_1(register_module("linear_1", Linear(in_channels, time_embed_dim, true, options))),
      linear_2(register_module("linear_2", Linear(time_embed_dim, time_embed_dim, true, options))) {}

// Ref: diffusers/models/embeddings.py TimestepEmbedding.forward
at::Tensor TimestepEmbeddingImpl::forward(const at::Tensor& sample) const {
    return linear_2->forward(at::silu(linear_1->forward(sample)));
}

}  // namespace pictor::sd
