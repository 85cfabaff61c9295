#include "core/models/sd/sd_layers.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/GradMode.h>

#include <cmath>
#include <sstream>

namespace pictor::sd {

Conv2dImpl::Conv2dImpl(int64_t in_channels, int64_t out_channels, int64_t kernel, int64_t stride_, int64_t padding_,
                       bool with_bias, const at::TensorOptions& options)
    : stride(stride_), padding(padding_) {
    weight = register_parameter("weight", at::empty({out_channels, in_channels, kernel, kernel}, options), false);
    if (with_bias) bias = register_parameter("bias", at::empty({out_channels}, options), false);
}

at::Tensor Conv2dImpl::forward(const at::Tensor& x) const {
    return at::conv2d(x, weight, bias, {stride, stride}, {padding, padding});
}

LinearImpl::LinearImpl(int64_t in_features, int64_t out_features, bool with_bias, const at::TensorOptions& options) {
    weight = register_parameter("weight", at::empty({out_features, in_features}, options), false);
    if (with_bias) bias = register_parameter("bias", at::empty({out_features}, options), false);
}

at::Tensor LinearImpl::forward(const at::Tensor& x) const { return at::linear(x, weight, bias); }

GroupNormImpl::GroupNormImpl(int64_t groups, int64_t num_channels, double eps_, const at::TensorOptions& options)
    : num_groups(groups), eps(eps_) {
    weight = register_parameter("weight", at::empty({num_channels}, options), false);
    bias = register_parameter("bias", at::empty({num_channels}, options), false);
}

at::Tensor GroupNormImpl::forward(const at::Tensor& x) const {
    // bfloat16 on the CPU: statistics and normalisation in float32, as diffusers upcasts its norms
    // for reduced precision. LibTorch 1.13's bf16 GroupNorm kernel is also ~4x slower than the
    // float32 one plus both conversions (measured: 64 ms vs 16 ms at [2, 320, 64, 64]).
    if (x.scalar_type() == at::kBFloat16 && x.device().is_cpu())
        return at::group_norm(x.to(at::kFloat), num_groups, weight.to(at::kFloat), bias.to(at::kFloat), eps, true)
            .to(at::kBFloat16);
    return at::group_norm(x, num_groups, weight, bias, eps, /*cudnn_enabled=*/true);
}

LayerNormImpl::LayerNormImpl(int64_t dim, double eps_, const at::TensorOptions& options) : eps(eps_) {
    weight = register_parameter("weight", at::empty({dim}, options), false);
    bias = register_parameter("bias", at::empty({dim}, options), false);
}

at::Tensor LayerNormImpl::forward(const at::Tensor& x) const {
    return at::layer_norm(x, {weight.size(0)}, weight, bias, eps, /*cudnn_enable=*/true);
}

namespace {

void fill_uniform(at::Tensor& t, double bound, at::Generator& gen) {
    if (t.is_meta()) return;
    if (t.device().is_cpu()) {
        t.uniform_(-bound, bound, gen);
    } else {
        t.copy_(at::empty(t.sizes(), t.options().device(at::kCPU)).uniform_(-bound, bound, gen));
    }
}

}  // namespace

std::string shape_string(c10::IntArrayRef shape) {
    std::ostringstream o;
    o << shape;
    return o.str();
}

void randomize_parameters(torch::nn::Module& module, uint64_t seed) {
    at::NoGradGuard no_grad;
    at::Generator gen = at::detail::createCPUGenerator(seed);
    for (const auto& child : module.modules(/*include_self=*/false)) {
        if (auto* conv = dynamic_cast<Conv2dImpl*>(child.get())) {
            const double bound = 1.0 / std::sqrt(static_cast<double>(conv->weight[0].numel()));
            fill_uniform(conv->weight, bound, gen);
            if (conv->bias.defined()) fill_uniform(conv->bias, bound, gen);
        } else if (auto* linear = dynamic_cast<LinearImpl*>(child.get())) {
            const double bound = 1.0 / std::sqrt(static_cast<double>(linear->weight.size(1)));
            fill_uniform(linear->weight, bound, gen);
            if (linear->bias.defined()) fill_uniform(linear->bias, bound, gen);
        } else if (auto* gn = dynamic_cast<GroupNormImpl*>(child.get())) {
            if (!gn->weight.is_meta()) {
                gn->weight.fill_(1.0);
                gn->bias.zero_();
            }
        } else if (auto* ln = dynamic_cast<LayerNormImpl*>(child.get())) {
            if (!ln->weight.is_meta()) {
                ln->weight.fill_(1.0);
                ln->bias.zero_();
            }
        }
    }
}

}  // namespace pictor::sd
