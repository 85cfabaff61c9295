#include "core/models/sd/attention.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <cmath>

namespace pictor::sd {

namespace {

// Query rows per task: a [256, S] float score tile is 4 MiB at S = 4096 (SD at 512²). Measured on
// SD's 4096-token self-attention (2 threads, AVX-512): 256 rows with the softmax in place is ~9%
// faster than 128 rows with a separate probabilities buffer; 512 rows gains nothing more.
constexpr int64_t kQueryTile = 256;

// [N, L, H*d] -> [N*H, L, d]
at::Tensor split_heads(const at::Tensor& x, int64_t heads) {
    const int64_t n = x.size(0), len = x.size(1), d = x.size(2) / heads;
    return x.reshape({n, len, heads, d}).permute({0, 2, 1, 3}).reshape({n * heads, len, d});
}

}  // namespace

// Ref: diffusers/models/attention_processor.py AttnProcessor.__call__ + Attention.get_attention_scores
at::Tensor attention_reference(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t heads,
                               double scale, bool upcast) {
    const int64_t n = q.size(0), t = q.size(1), inner = q.size(2);
    at::Tensor qh = split_heads(q, heads), kh = split_heads(k, heads), vh = split_heads(v, heads);
    if (upcast) {
        qh = qh.to(at::kFloat);
        kh = kh.to(at::kFloat);
    }
    at::Tensor scores = at::baddbmm(at::empty({qh.size(0), t, kh.size(1)}, qh.options()), qh, kh.transpose(1, 2),
                                    /*beta=*/0, /*alpha=*/scale);
    at::Tensor probs = scores.softmax(-1).to(v.scalar_type());
    return at::bmm(probs, vh).reshape({n, heads, t, inner / heads}).permute({0, 2, 1, 3}).reshape({n, t, inner});
}

at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t heads, double scale,
                     bool upcast) {
    TORCH_CHECK(q.dim() == 3 && k.dim() == 3 && v.dim() == 3, "attention: q, k, v must be [N, L, H*d]");
    TORCH_CHECK(q.size(2) % heads == 0, "attention: ", q.size(2), " channels do not split into ", heads, " heads");
    const bool bf16 = q.scalar_type() == at::kBFloat16;
    if (!q.device().is_cpu() || (q.scalar_type() != at::kFloat && !bf16))
        return attention_reference(q, k, v, heads, scale, upcast);

    const int64_t n = q.size(0), t = q.size(1), s = k.size(1), inner = q.size(2), d = inner / heads;
    at::Tensor out = at::empty({n, t, inner}, q.options());
    // Ref: Attention.get_attention_scores with upcast_attention: q and k in float32 (SD 2.x).
    const bool upcast_scores = bf16 && upcast;
    const at::Tensor q_scores = upcast_scores ? q.to(at::kFloat) : q;
    const at::Tensor k_scores = upcast_scores ? k.to(at::kFloat) : k;
    const int64_t tiles = (t + kQueryTile - 1) / kQueryTile;
    const bool inference = c10::InferenceMode::is_enabled();
    at::parallel_for(0, n * heads * tiles, 1, [&](int64_t begin, int64_t end) {
        // Worker threads do not inherit the caller's thread-local InferenceMode.
        c10::InferenceMode guard(inference);
        const int64_t rows_max = std::min(kQueryTile, t);
        at::Tensor scores = at::empty({rows_max, s}, q.options());  // scores, then probabilities
        // bfloat16: the matrix products run in bf16 (AMX / AVX512-BF16), the softmax in float32
        // (an 8-bit mantissa loses the small probabilities; diffusers upcasts the softmax too).
        at::Tensor scores_f32 = bf16 ? at::empty({rows_max, s}, q.options().dtype(at::kFloat)) : at::Tensor();
        for (int64_t task = begin; task < end; ++task) {
            const int64_t b = task / (heads * tiles);
            const int64_t h = (task / tiles) % heads;
            const int64_t t0 = (task % tiles) * kQueryTile;
            const int64_t rows = std::min(kQueryTile, t - t0);
            // Row-strided views of one head: BLAS reads and writes them in place (no copies).
            const at::Tensor qs = q_scores.select(0, b).narrow(0, t0, rows).narrow(1, h * d, d);  // [rows, d]
            const at::Tensor ks = k_scores.select(0, b).narrow(1, h * d, d);                      // [S, d]
            const at::Tensor vs = v.select(0, b).narrow(1, h * d, d);                             // [S, d]
            at::Tensor sc = scores.narrow(0, 0, rows);
            if (bf16) {
                at::Tensor sf = scores_f32.narrow(0, 0, rows);
                if (upcast_scores) {
                    at::addmm_out(sf, sf, qs, ks.t(), /*beta=*/0, /*alpha=*/scale);
                } else {
                    // mm, then the scale in float32: LibTorch 1.13's bf16 addmm on these row-strided
                    // views skips oneDNN (measured 7.7 ms vs 0.8 ms for a 256×40×4096 tile).
                    at::mm_out(sc, qs, ks.t());  // [rows, S]
                    sf.copy_(sc);
                    sf.mul_(scale);
                }
                at::_softmax_out(sf, sf, 1, false);
                sc.copy_(sf);
            } else {
                at::addmm_out(sc, sc, qs, ks.t(), /*beta=*/0, /*alpha=*/scale);  // [rows, S]
                // In place: the CPU softmax reads each element before it writes the same element.
                at::_softmax_out(sc, sc, 1, false);
            }
            at::Tensor os = out.select(0, b).narrow(0, t0, rows).narrow(1, h * d, d);  // [rows, d]
            at::mm_out(os, sc, vs);
        }
    });
    return out;
}

AttentionImpl::AttentionImpl(const AttentionOptions& o, const at::TensorOptions& options) : opts(o) {
    const int64_t inner = o.heads * o.dim_head;
    const int64_t kv_dim = o.cross_attention_dim > 0 ? o.cross_attention_dim : o.query_dim;
    if (o.norm_groups > 0)
        group_norm = register_module("group_norm", GroupNorm(o.norm_groups, o.query_dim, o.norm_eps, options));
    to_q = register_module("to_q", Linear(o.query_dim, inner, o.bias, options));
    to_k = register_module("to_k", Linear(kv_dim, inner, o.bias, options));
    to_v = register_module("to_v", Linear(kv_dim, inner, o.bias, options));
    out_proj_ = Linear(inner, o.query_dim, true, options);
    to_out = register_module("to_out", torch::nn::ModuleList(out_proj_));
}

// Ref: diffusers/models/attention_processor.py AttnProcessor.__call__
at::Tensor AttentionImpl::forward(const at::Tensor& x, const at::Tensor& context) const {
    const bool spatial = x.dim() == 4;
    int64_t n = 0, c = 0, height = 0, width = 0;
    at::Tensor h;  // [N, T, C]
    if (spatial) {
        n = x.size(0), c = x.size(1), height = x.size(2), width = x.size(3);
        at::Tensor flat = x.view({n, c, height * width});
        if (group_norm) flat = group_norm->forward(flat);
        h = flat.transpose(1, 2).contiguous();
    } else {
        h = group_norm ? group_norm->forward(x.transpose(1, 2)).transpose(1, 2).contiguous() : x;
    }
    const at::Tensor ctx = context.defined() ? context : h;
    const at::Tensor q = to_q->forward(h), k = to_k->forward(ctx), v = to_v->forward(ctx);
    const double scale = std::pow(static_cast<double>(opts.dim_head), -0.5);
    at::Tensor o = out_proj_->forward(attention(q, k, v, opts.heads, scale, opts.upcast));  // [N, T, C]
    if (spatial) {
        const at::Tensor nchw = o.transpose(1, 2).view({n, c, height, width});
        o = opts.residual_connection ? at::add(x, nchw) : nchw.contiguous();
    } else if (opts.residual_connection) {
        o.add_(x);
    }
    if (opts.rescale_output_factor != 1.0) o.div_(opts.rescale_output_factor);
    return o;
}

FeedForwardImpl::FeedForwardImpl(int64_t dim, int64_t mult, const at::TensorOptions& options) {
    const int64_t inner = dim * mult;
    // net.0 is diffusers' GEGLU module holding `proj`; net.1 its Dropout (no parameters).
    auto geglu = std::make_shared<torch::nn::Module>("GEGLU");
    proj_ = geglu->register_module("proj", Linear(dim, inner * 2, true, options));
    out_ = Linear(inner, dim, true, options);
    net = register_module("net", torch::nn::ModuleList(geglu, std::make_shared<torch::nn::Module>("Dropout"), out_));
}

// Ref: diffusers/models/attention.py FeedForward.forward, GEGLU.forward
at::Tensor FeedForwardImpl::forward(const at::Tensor& x) const {
    const at::Tensor p = proj_->forward(x);  // [N, T, 2·inner]
    const int64_t inner = p.size(-1) / 2;
    at::Tensor g = at::gelu(p.narrow(-1, inner, inner));
    g.mul_(p.narrow(-1, 0, inner));
    return out_->forward(g);
}

}  // namespace pictor::sd
