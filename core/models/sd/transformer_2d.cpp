#include "core/models/sd/transformer_2d.h"

#include <ATen/ATen.h>

namespace pictor::sd {

BasicTransformerBlockImpl::BasicTransformerBlockImpl(int64_t dim, const TransformerOptions& o,
                                                     const at::TensorOptions& options)
    : only_cross_attention(o.only_cross_attention) {
    AttentionOptions a;
    a.query_dim = dim;
    a.heads = o.heads;
    a.dim_head = o.dim_head;
    a.upcast = o.upcast_attention;
    norm1 = register_module("norm1", LayerNorm(dim, 1e-5, options));
    AttentionOptions a1 = a;
    if (o.only_cross_attention) a1.cross_attention_dim = o.cross_attention_dim;
    attn1 = register_module("attn1", Attention(a1, options));
    norm2 = register_module("norm2", LayerNorm(dim, 1e-5, options));
    AttentionOptions a2 = a;
    a2.cross_attention_dim = o.cross_attention_dim;
    attn2 = register_module("attn2", Attention(a2, options));
    norm3 = register_module("norm3", LayerNorm(dim, 1e-5, options));
    ff = register_module("ff", FeedForward(dim, 4, options));
}

// Ref: diffusers/models/attention.py BasicTransformerBlock.forward
at::Tensor BasicTransformerBlockImpl::forward(const at::Tensor& x, const at::Tensor& context) const {
    at::Tensor h = attn1->forward(norm1->forward(x), only_cross_attention ? context : at::Tensor());
    h.add_(x);  // h is ours: accumulate the residuals in place
    h.add_(attn2->forward(norm2->forward(h), context));
    h.add_(ff->forward(norm3->forward(h)));
    return h;
}

Transformer2DModelImpl::Transformer2DModelImpl(const TransformerOptions& o, const at::TensorOptions& options)
    : opts(o) {
    const int64_t inner = o.heads * o.dim_head;
    norm = register_module("norm", GroupNorm(o.norm_num_groups, o.in_channels, 1e-6, options));
    if (o.use_linear_projection) {
        proj_in_linear = register_module("proj_in", Linear(o.in_channels, inner, true, options));
    } else {
        proj_in_conv = register_module("proj_in", Conv2d(o.in_channels, inner, 1, 1, 0, true, options));
    }
    transformer_blocks = register_module("transformer_blocks", torch::nn::ModuleList());
    for (int64_t i = 0; i < o.num_layers; ++i) {
        blocks_.push_back(BasicTransformerBlock(inner, o, options));
        transformer_blocks->push_back(blocks_.back());
    }
    if (o.use_linear_projection) {
        proj_out_linear = register_module("proj_out", Linear(inner, o.in_channels, true, options));
    } else {
        proj_out_conv = register_module("proj_out", Conv2d(inner, o.in_channels, 1, 1, 0, true, options));
    }
}

// Ref: diffusers/models/transformer_2d.py Transformer2DModel.forward (continuous input)
at::Tensor Transformer2DModelImpl::forward(const at::Tensor& x, const at::Tensor& context) const {
    const int64_t n = x.size(0), c = x.size(1), height = x.size(2), width = x.size(3);
    // Both projection variants are one GEMM on the [N, H·W, C] tokens: a 1×1 conv is a linear map
    // over channels (its weight [out, in, 1, 1] viewed as [out, in]).
    const auto as_matrix = [](const at::Tensor& w) { return w.dim() == 4 ? w.flatten(1) : w; };
    const at::Tensor w_in = as_matrix(proj_in_conv ? proj_in_conv->weight : proj_in_linear->weight);
    const at::Tensor b_in = proj_in_conv ? proj_in_conv->bias : proj_in_linear->bias;
    const at::Tensor w_out = as_matrix(proj_out_conv ? proj_out_conv->weight : proj_out_linear->weight);
    const at::Tensor b_out = proj_out_conv ? proj_out_conv->bias : proj_out_linear->bias;

    const at::Tensor tokens = norm->forward(x).permute({0, 2, 3, 1}).reshape({n, height * width, c});
    at::Tensor h = at::linear(tokens, w_in, b_in);  // [N, HW, inner]
    for (const auto& block : blocks_) h = block->forward(h, context);
    h = at::linear(h, w_out, b_out);  // [N, HW, C]
    // The residual add also brings the tokens back to NCHW in the same pass.
    return at::add(x, h.view({n, height, width, c}).permute({0, 3, 1, 2}));
}

}  // namespace pictor::sd
