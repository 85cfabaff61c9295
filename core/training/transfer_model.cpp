#include "core/training/transfer_model.h"

#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/GradMode.h>

#include <cmath>

#include "core/util/error.h"

namespace pictor {

// Ref: torch/nn/modules/linear.py Linear.reset_parameters — kaiming_uniform_(a=sqrt(5)) gives
// bound = sqrt(6 / ((1 + 5) * fan_in)) = 1/sqrt(fan_in); the bias uses the same bound.
void init_linear_like_pytorch(torch::nn::LinearImpl& linear, uint64_t seed) {
    at::Generator generator = at::detail::createCPUGenerator(seed);
    const double fan_in = static_cast<double>(linear.weight.size(1));
    const double bound = fan_in > 0 ? 1.0 / std::sqrt(fan_in) : 0.0;
    c10::NoGradGuard no_grad;
    linear.weight.uniform_(-bound, bound, generator);
    if (linear.bias.defined()) linear.bias.uniform_(-bound, bound, generator);
}

void make_transfer_model(ResNetImpl& model, int num_classes, uint64_t seed) {
    if (num_classes < 2) fail("a classifier needs at least 2 classes, got " + std::to_string(num_classes));
    for (auto& p : model.parameters()) p.set_requires_grad(false);
    torch::nn::Linear head(model.config().feature_dim(), num_classes);
    init_linear_like_pytorch(*head, seed);
    model.replace_fc(head);
    for (auto& p : model.fc->parameters()) p.set_requires_grad(true);
}

}  // namespace pictor
