// The tensors of a weight file, without running anything (`pictor-cli inspect`).
//
// A .safetensors file is read through its header only; a PyTorch checkpoint (.pth/.pt/.bin/.ckpt)
// through the restricted unpickler (nothing in the file executes). The reference may be a file,
// a model folder (its weight file) or any model reference core/io resolves.
// Failure contract: pictor::Error naming the file (not found, corrupt, malicious pickle).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace pictor::jobs {

struct TensorInfo {
    std::string name;
    std::string dtype;  // safetensors' names: F32, F16, BF16, I64, ...
    std::vector<int64_t> shape;
    int64_t numel = 1;
};

struct WeightListing {
    std::string file;
    std::string format;  // "safetensors" | "pytorch"
    std::vector<TensorInfo> tensors;  // safetensors: sorted by name; pytorch: state_dict order
    std::map<std::string, std::string> metadata;
    int64_t total_values = 0;
};

WeightListing inspect_weights(const std::string& reference);

}  // namespace pictor::jobs
