#include "core/io/state_dict.h"

#include <torch/nn/module.h>

#include <set>
#include <sstream>

#include "core/util/error.h"

namespace pictor {

namespace {

bool matches_any(const std::vector<std::string>& patterns, const std::string& name) {
    for (const auto& p : patterns)
        if (glob_match(p, name)) return true;
    return false;
}

std::string shape_string(c10::IntArrayRef shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

// At most this many names per category in the message; the count says how many in all.
constexpr size_t kListLimit = 20;

void append_list(std::ostringstream& msg, const std::string& title, const std::vector<std::string>& items) {
    if (items.empty()) return;
    msg << "\n  " << title << " (" << items.size() << "):";
    for (size_t i = 0; i < items.size() && i < kListLimit; ++i) msg << "\n    " << items[i];
    if (items.size() > kListLimit) msg << "\n    ... and " << items.size() - kListLimit << " more";
}

}  // namespace

void load_state_dict(torch::nn::Module& module, const TensorMap& tensors, const LoadOptions& options) {
    // Checkpoint name → module name, after ignore / prefix / rename.
    std::map<std::string, std::pair<std::string, const at::Tensor*>> incoming;
    std::vector<std::string> collisions;
    for (const auto& [raw, tensor] : tensors) {
        if (matches_any(options.ignore, raw)) continue;
        std::string name = raw;
        if (!options.strip_prefix.empty() && name.rfind(options.strip_prefix, 0) == 0)
            name = name.substr(options.strip_prefix.size());
        if (options.rename) name = options.rename(name);
        if (name.empty() || matches_any(options.ignore, name)) continue;
        const auto [it, inserted] = incoming.emplace(name, std::make_pair(raw, &tensor));
        if (!inserted) collisions.push_back(name + " (from both '" + it->second.first + "' and '" + raw + "')");
    }

    struct Target {
        at::Tensor tensor;
        bool is_buffer;
    };
    std::map<std::string, Target> targets;
    for (const auto& item : module.named_parameters(/*recurse=*/true))
        if (item.value().defined()) targets[item.key()] = {item.value(), false};
    for (const auto& item : module.named_buffers(/*recurse=*/true))
        if (item.value().defined()) targets[item.key()] = {item.value(), true};

    std::vector<std::string> missing, unexpected, wrong_shape;
    for (const auto& [name, target] : targets) {
        const auto it = incoming.find(name);
        if (it == incoming.end()) {
            if (!(target.is_buffer && matches_any(options.optional, name))) missing.push_back(name);
            continue;
        }
        const at::Tensor& src = *it->second.second;
        if (!src.defined()) {
            wrong_shape.push_back(name + ": checkpoint tensor is undefined");
        } else if (src.sizes() != target.tensor.sizes()) {
            wrong_shape.push_back(name + ": module has " + shape_string(target.tensor.sizes()) + ", checkpoint has " +
                                  shape_string(src.sizes()) +
                                  (it->second.first != name ? " (as '" + it->second.first + "')" : ""));
        }
    }
    for (const auto& [name, src] : incoming)
        if (!targets.count(name))
            unexpected.push_back(name + (src.first != name ? " (from '" + src.first + "')" : ""));

    if (!missing.empty() || !unexpected.empty() || !wrong_shape.empty() || !collisions.empty()) {
        std::ostringstream msg;
        msg << "loading " << options.what << ": checkpoint does not match the model";
        append_list(msg, "missing from the checkpoint", missing);
        append_list(msg, "unexpected in the checkpoint", unexpected);
        append_list(msg, "wrong shape", wrong_shape);
        append_list(msg, "several checkpoint tensors map to one name", collisions);
        fail(msg.str());
    }

    // Only after everything checked: a failed load leaves the module untouched.
    at::NoGradGuard no_grad;
    for (auto& [name, target] : targets) {
        const auto it = incoming.find(name);
        if (it == incoming.end()) continue;  // an optional buffer
        target.tensor.copy_(*it->second.second);  // converts dtype and device
    }
}

}  // namespace pictor
