// Strict loading of a name→tensor map into a torch::nn::Module.
//
// Every parameter and buffer of the module must be present with the same shape, and every tensor
// of the map must be used, except names matched by `ignore`. All problems are collected and
// reported together in one pictor::Error (missing, unexpected, wrong shape).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/io/tensor_map.h"
#include "core/util/glob.h"  // glob_match, which `ignore` and `optional` are matched with

namespace torch::nn {
class Module;
}

namespace pictor {

struct LoadOptions {
    // Glob patterns (core/util/glob.h: `*` matches any run of characters, `?` one, `[...]` a set)
    // of checkpoint names to drop silently, e.g. "*.position_ids".
    std::vector<std::string> ignore;
    // Prefix removed from checkpoint names that carry it (e.g. "module." or "model.").
    std::string strip_prefix;
    // Renames a checkpoint name to the module's name; return the name unchanged to keep it.
    std::function<std::string(const std::string&)> rename;
    // Buffers that may be absent from the checkpoint; they keep the module's value
    // (e.g. "*.num_batches_tracked" for old torchvision files).
    std::vector<std::string> optional;
    // Used in messages: "loading <what>: ...".
    std::string what = "weights";
};

// Copies the tensors into the module's parameters and buffers (converted to each one's dtype and
// device) without recording gradients. Throws pictor::Error listing every problem.
void load_state_dict(torch::nn::Module& module, const TensorMap& tensors, const LoadOptions& options = {});

}  // namespace pictor
