// A checkpoint's tensors by name, in name order, and the format-independent loader.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/ScalarType.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace pictor {

using TensorMap = std::map<std::string, at::Tensor>;

// Loads every tensor of a weight file: `.safetensors` (memory-mapped reader) or a PyTorch zip
// checkpoint (`.pth`, `.pt`, `.bin`, `.ckpt`, through the restricted unpickler). When `dtype` is
// given, floating-point tensors are converted to it (integer tensors such as BatchNorm's
// `num_batches_tracked` keep theirs). The format is decided by content (a zip signature means a
// PyTorch checkpoint), then by extension. Throws pictor::Error naming the file on any problem.
// Thread-safety: no shared state; different files may load in parallel.
TensorMap load_weights(const std::filesystem::path& path, std::optional<c10::ScalarType> dtype = std::nullopt);

}  // namespace pictor
