// Leaf layers of the Stable Diffusion networks (UNet, VAE), built with explicit tensor options.
//
// torch::nn's Conv2d/Linear/GroupNorm always allocate and randomly initialise float32 CPU
// parameters. The SD networks are big (the SD 1.5 UNet has 860M parameters = 3.4 GB in F32), so
// these layers allocate their parameters with `at::empty` on the device and dtype the caller asks
// for, including the meta device (shapes only, no memory: used to check names and shapes against
// manifests of the real checkpoints). Parameters are uninitialised until weights are loaded
// (core/io/state_dict.h) or `randomize_parameters` is called.
//
// Parameter names equal torch.nn's ("weight", "bias"), so state_dict keys are unchanged.
// Failure contract: forward() throws c10::Error on shape mismatch (a programming error: the
// models validate shapes at their boundary). Thread-safety: as torch::nn::Module.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/TensorOptions.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <string>

namespace pictor::sd {

// Ref: torch.nn.Conv2d (square kernel, dilation 1, groups 1).
struct Conv2dImpl : torch::nn::Module {
    Conv2dImpl(int64_t in_channels, int64_t out_channels, int64_t kernel, int64_t stride, int64_t padding, bool bias,
               const at::TensorOptions& options);
    // x: [N, in, H, W] -> [N, out, H', W']
    at::Tensor forward(const at::Tensor& x) const;

    at::Tensor weight, bias;  // [out, in, k, k], [out] (undefined without bias)
    int64_t stride = 1, padding = 0;
};
TORCH_MODULE(Conv2d);

// Ref: torch.nn.Linear.
struct LinearImpl : torch::nn::Module {
    LinearImpl(int64_t in_features, int64_t out_features, bool bias, const at::TensorOptions& options);
    // x: [..., in] -> [..., out]
    at::Tensor forward(const at::Tensor& x) const;

    at::Tensor weight, bias;  // [out, in], [out] (undefined without bias)
};
TORCH_MODULE(Linear);

// Ref: torch.nn.GroupNorm (affine).
struct GroupNormImpl : torch::nn::Module {
    GroupNormImpl(int64_t num_groups, int64_t num_channels, double eps, const at::TensorOptions& options);
    // x: [N, C, *] -> same shape
    at::Tensor forward(const at::Tensor& x) const;

    at::Tensor weight, bias;  // [C]
    int64_t num_groups;
    double eps;
};
TORCH_MODULE(GroupNorm);

// Ref: torch.nn.LayerNorm over the last dimension (elementwise affine).
struct LayerNormImpl : torch::nn::Module {
    LayerNormImpl(int64_t dim, double eps, const at::TensorOptions& options);
    // x: [..., dim] -> same shape
    at::Tensor forward(const at::Tensor& x) const;

    at::Tensor weight, bias;  // [dim]
    double eps;
};
TORCH_MODULE(LayerNorm);

// Fills every parameter with deterministic random values as PyTorch's default initialisation
// does (Conv2d/Linear weight and bias uniform in ±1/sqrt(fan_in); norm weight 1, bias 0), for
// benchmarks and tests with random weights. Meta parameters are left alone.
void randomize_parameters(torch::nn::Module& module, uint64_t seed);

// "[2, 4, 64, 64]" for error messages.
std::string shape_string(c10::IntArrayRef shape);

}  // namespace pictor::sd
