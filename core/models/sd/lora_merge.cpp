#include "core/models/sd/lora_merge.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include "core/models/sd/sd_layers.h"
#include "core/util/error.h"

namespace pictor {

namespace {

const std::string kWeight = ".weight";

void collect_targets(torch::nn::Module& net, std::map<std::string, std::vector<int64_t>>& out) {
    for (const auto& item : net.named_parameters()) {
        const std::string& name = item.key();
        const at::Tensor& p = item.value();
        if (name.size() <= kWeight.size() || name.compare(name.size() - kWeight.size(), kWeight.size(), kWeight) != 0)
            continue;
        if (p.dim() != 2 && p.dim() != 4) continue;  // norms, embeddings' 1-d parameters
        out.emplace(name.substr(0, name.size() - kWeight.size()), p.sizes().vec());
    }
}

torch::nn::Module& network(StableDiffusion& m, LoraComponent c) {
    if (c == LoraComponent::unet) return *m.unet;
    return *m.text_encoder;
}

// One parameter and the scaled deltas that go into it, in set order.
struct ParameterUpdate {
    LoraComponent component;
    std::string name;
    std::vector<std::pair<const LoraLayer*, double>> layers;
    std::string file;  // of the first layer, for messages
};

}  // namespace

LoraTargets lora_targets(StableDiffusion& model) {
    LoraTargets t;
    collect_targets(*model.unet, t.unet);
    collect_targets(*model.text_encoder, t.text_encoder);
    return t;
}

void unmerge_loras(StableDiffusion& model) {
    c10::InferenceMode guard;
    for (const auto& [key, original] : model.loras.originals) {
        const auto slash = key.find('/');
        const LoraComponent c = key.substr(0, slash) == "unet" ? LoraComponent::unet : LoraComponent::text_encoder;
        auto params = network(model, c).named_parameters();  // the dict holds the tensors find() points to
        if (at::Tensor* p = params.find(key.substr(slash + 1))) p->copy_(original);
    }
    model.loras.originals.clear();
    model.loras.set.clear();
}

void merge_loras(StableDiffusion& model, const std::vector<LoadedLora>& set) {
    unmerge_loras(model);
    c10::InferenceMode guard;
    std::map<std::string, ParameterUpdate> updates;  // "unet/<param>" -> its deltas
    std::vector<std::string> order;                  // parameters in first-touch order
    for (const LoadedLora& l : set) {
        for (const LoraLayer& layer : l.file.layers) {
            const double scale = layer.component == LoraComponent::unet ? l.use.unet_scale : l.use.text_encoder_scale;
            if (scale == 0.0) continue;
            const std::string name = layer.module + kWeight;
            const std::string key = std::string(component_name(layer.component)) + "/" + name;
            auto [it, fresh] = updates.try_emplace(key);
            if (fresh) {
                it->second = ParameterUpdate{layer.component, name, {}, l.file.path.string()};
                order.push_back(key);
            }
            it->second.layers.emplace_back(&layer, scale);
        }
    }
    std::map<std::string, at::Tensor> originals;
    try {
        for (const std::string& key : order) {
            const ParameterUpdate& u = updates.at(key);
            auto params = network(model, u.component).named_parameters();
            at::Tensor* p = params.find(u.name);
            if (!p)
                fail("LoRA '" + u.file + "': the model's " + component_name(u.component) + " has no parameter '" + u.name +
                     "'");
            // Ref: diffusers 0.21.4 _fuse_lora — w_orig.float() + (lora_scale * fusion), in float32.
            at::Tensor w = p->to(at::kFloat);
            for (const auto& [layer, scale] : u.layers) {
                if (p->dim() < 2 || layer->up.size(0) != p->size(0) ||
                    layer->down.numel() / layer->rank() != p->numel() / p->size(0))
                    fail("LoRA '" + u.file + "': '" + layer->key + "' does not fit " + component_name(u.component) +
                         " parameter '" + u.name + "' " + sd::shape_string(p->sizes()));
                w = w + scale * lora_delta(*layer, p->sizes()).to(p->device());
            }
            originals.emplace(key, p->clone());
            p->copy_(w);
        }
    } catch (...) {
        model.loras.originals = std::move(originals);
        unmerge_loras(model);
        throw;
    }
    model.loras.originals = std::move(originals);
    model.loras.set.clear();
    for (const LoadedLora& l : set) model.loras.set.push_back(l.use);
}

}  // namespace pictor
