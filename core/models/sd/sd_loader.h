// Loading the Stable Diffusion networks from a diffusers model folder (`unet/`, `vae/`): the
// folder's config.json builds the architecture, the weight file fills it strictly.
//
// Weight files tried, in order: diffusion_pytorch_model.safetensors, .fp16.safetensors, .bin,
// .fp16.bin. Weights are copied once into parameters allocated with the requested dtype/device
// (F16 checkpoints are upcast for a float32 CPU model); the checkpoint's own tensors are freed
// when loading returns.
//
// Failure contract: throws pictor::Error "loading UNet from <folder>: ..." naming the missing
// file, the config key, or every missing / unexpected / wrong-shape tensor.
// Thread-safety: the functions are reentrant; the returned modules are not shared.
#pragma once

#include <c10/core/TensorOptions.h>

#include <filesystem>
#include <initializer_list>
#include <string>

#include "core/models/sd/unet_2d_condition.h"
#include "core/models/sd/vae.h"

namespace pictor {

// `folder` holds config.json and the weights (a diffusers `unet/` folder).
UNet2DConditionModel load_unet(const std::filesystem::path& folder,
                               const at::TensorOptions& options = at::TensorOptions().dtype(at::kFloat));

// `folder` holds config.json and the weights (a diffusers `vae/` folder); old attention names
// and 1×1-conv-shaped attention weights are accepted.
AutoencoderKL load_vae(const std::filesystem::path& folder,
                       const at::TensorOptions& options = at::TensorOptions().dtype(at::kFloat));

}  // namespace pictor
