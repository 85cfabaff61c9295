#include "core/models/sd/lora.h"

#include <ATen/ATen.h>

#include <numeric>
#include <system_error>

#include "core/io/tensor_map.h"
#include "core/models/sd/sd_layers.h"
#include "core/util/error.h"

namespace pictor {

namespace fs = std::filesystem;

const char* component_name(LoraComponent c) { return c == LoraComponent::unet ? "unet" : "text_encoder"; }

namespace {

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }
bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// What one file key contributes to a layer.
enum class Part { down, up, alpha };

struct Pending {
    LoraComponent component = LoraComponent::unet;
    std::string module, key;
    at::Tensor down, up, alpha;
    std::string down_key, up_key;
};

// A diffusers LoRA folder holds its weights under this name (LoraLoaderMixin.save_lora_weights).
fs::path weight_file_of(const fs::path& path) {
    std::error_code ec;
    if (!fs::is_directory(path, ec)) {
        if (!fs::is_regular_file(path, ec)) fail("no such file");
        return path;
    }
    for (const char* name : {"pytorch_lora_weights.safetensors", "pytorch_lora_weights.bin"})
        if (fs::is_regular_file(path / name, ec)) return path / name;
    fail("the folder has no pytorch_lora_weights.safetensors or pytorch_lora_weights.bin");
}

// Network types of LyCORIS and friends that are not a plain low-rank pair; named in the error.
std::string unsupported_kind(const std::string& suffix) {
    if (starts_with(suffix, "hada_")) return "LoHa (hada_*)";
    if (starts_with(suffix, "lokr_")) return "LoKr (lokr_*)";
    if (starts_with(suffix, "lora_mid")) return "LoCon with CP decomposition (lora_mid)";
    if (suffix == "dora_scale") return "DoRA (dora_scale)";
    if (starts_with(suffix, "diff") || starts_with(suffix, "w_norm") || starts_with(suffix, "b_norm"))
        return "full/norm weight differences (" + suffix + ")";
    if (starts_with(suffix, "oft_")) return "OFT (" + suffix + ")";
    return "";
}

// Kohya names: the module path with '.' -> '_'. Mangled name -> module path, "" when two modules
// collide (never in the SD networks, but then the name cannot be resolved).
std::map<std::string, std::string> mangled_index(const std::map<std::string, std::vector<int64_t>>& modules) {
    std::map<std::string, std::string> index;
    for (const auto& [module, shape] : modules) {
        std::string m = module;
        for (char& c : m)
            if (c == '.') c = '_';
        auto [it, inserted] = index.emplace(m, module);
        if (!inserted) it->second.clear();
    }
    return index;
}

// Ref: diffusers 0.21.4 LoraLoaderMixin.lora_state_dict / _convert_kohya_lora_to_diffusers (the
// names), resolved against the model's own modules instead of 0.21.4's fixed list.
void parse_kohya_key(const std::string& key, const LoraTargets& targets, const std::map<std::string, std::string>& unet,
                     const std::map<std::string, std::string>& te, Pending& out, Part& part) {
    const auto dot = key.find('.');
    const std::string base = key.substr(0, dot), suffix = dot == std::string::npos ? "" : key.substr(dot + 1);
    if (suffix == "lora_down.weight") part = Part::down;
    else if (suffix == "lora_up.weight") part = Part::up;
    else if (suffix == "alpha") part = Part::alpha;
    else if (const std::string kind = unsupported_kind(suffix); !kind.empty())
        fail("key '" + key + "': " + kind + " is not supported (only LoRA/LoCon down/up pairs)");
    else
        fail("key '" + key + "' is not a LoRA tensor (expected .lora_down.weight, .lora_up.weight or .alpha)");

    const std::map<std::string, std::string>* index = nullptr;
    std::string rest;
    if (starts_with(base, "lora_unet_")) {
        out.component = LoraComponent::unet;
        index = &unet;
        rest = base.substr(10);
    } else if (starts_with(base, "lora_te1_") || starts_with(base, "lora_te2_")) {
        fail("key '" + key + "' is for the two text encoders of SDXL; this model is Stable Diffusion 1.x/2.x");
    } else if (starts_with(base, "lora_te_")) {
        out.component = LoraComponent::text_encoder;
        index = &te;
        rest = base.substr(8);
    } else {
        fail("key '" + key + "' has neither the lora_unet_ nor the lora_te_ prefix");
    }
    const auto it = index->find(rest);
    if (it == index->end() || it->second.empty()) {
        const bool ldm = starts_with(rest, "input_blocks_") || starts_with(rest, "middle_block_") ||
                         starts_with(rest, "output_blocks_");
        fail("key '" + key + "' names no module of this model's " + component_name(out.component) +
             (ldm ? " (original LDM block names; only LoRAs in diffusers naming are supported)"
                  : " (a LoRA for another architecture?)"));
    }
    (void)targets;
    out.module = it->second;
    out.key = base;
}

// The attention-processor names of older diffusers files.
std::string processor_target(const std::string& proj, LoraComponent c) {
    if (c == LoraComponent::unet) return proj == "to_out" ? "to_out.0" : proj;
    if (proj == "to_q") return "q_proj";
    if (proj == "to_k") return "k_proj";
    if (proj == "to_v") return "v_proj";
    return "out_proj";
}

// Ref: diffusers 0.21.4 LoraLoaderMixin.load_lora_into_unet / load_lora_into_text_encoder (names).
void parse_diffusers_key(const std::string& key, Pending& out, Part& part) {
    std::string k = key;
    if (starts_with(k, "base_model.model.")) k = k.substr(17);
    if (starts_with(k, "unet.")) {
        out.component = LoraComponent::unet;
        k = k.substr(5);
    } else if (starts_with(k, "text_encoder.")) {
        out.component = LoraComponent::text_encoder;
        k = k.substr(13);
    } else if (starts_with(k, "text_encoder_2.")) {
        fail("key '" + key + "' is for SDXL's second text encoder; this model is Stable Diffusion 1.x/2.x");
    } else {
        out.component = LoraComponent::unet;  // attention processors saved without a prefix
    }
    static const std::vector<std::pair<std::string, Part>> suffixes = {
        {".lora.down.weight", Part::down},
        {".lora.up.weight", Part::up},
        {".lora_linear_layer.down.weight", Part::down},
        {".lora_linear_layer.up.weight", Part::up},
        {".lora_A.weight", Part::down},
        {".lora_B.weight", Part::up},
        {".lora_A.default.weight", Part::down},
        {".lora_B.default.weight", Part::up},
        {".alpha", Part::alpha},
    };
    for (const auto& [suffix, p] : suffixes) {
        if (!ends_with(k, suffix)) continue;
        std::string module = k.substr(0, k.size() - suffix.size());
        part = p;
        // `….processor.to_q_lora.down.weight` (UNet) / `….self_attn.to_q_lora.down.weight` (text).
        static const std::vector<std::string> procs = {"to_q_lora", "to_k_lora", "to_v_lora", "to_out_lora"};
        for (const std::string& proc : procs) {
            if (!ends_with(module, "." + proc) || !ends_with(suffix, "weight")) continue;
            module = module.substr(0, module.size() - proc.size() - 1);
            if (ends_with(module, ".processor")) module = module.substr(0, module.size() - 10);
            module.append(".").append(processor_target(proc.substr(0, proc.size() - 5), out.component));
        }
        out.module = module;
        out.key = key.substr(0, key.size() - suffix.size());
        return;
    }
    // The old processor form has "_lora.down.weight" after the projection name.
    for (const auto& [suffix, p] : std::vector<std::pair<std::string, Part>>{{"_lora.down.weight", Part::down},
                                                                             {"_lora.up.weight", Part::up}}) {
        if (!ends_with(k, suffix)) continue;
        std::string head = k.substr(0, k.size() - suffix.size());  // ….processor.to_q
        const auto dot = head.rfind('.');
        if (dot == std::string::npos) break;
        std::string module = head.substr(0, dot);
        const std::string proj = head.substr(dot + 1);
        if (proj != "to_q" && proj != "to_k" && proj != "to_v" && proj != "to_out") break;
        if (ends_with(module, ".processor")) module = module.substr(0, module.size() - 10);
        out.module = module + "." + processor_target(proj, out.component);
        out.key = key.substr(0, key.size() - suffix.size());
        part = p;
        return;
    }
    fail("key '" + key + "' is not a LoRA tensor of the kohya or diffusers format");
}

void require_finite(const at::Tensor& t, const std::string& key) {
    if (!at::isfinite(t).all().item<bool>()) fail("tensor '" + key + "' holds NaN or infinite values");
}

// Checks that up @ down has the shape of the module's weight; see lora_delta for the layout.
void check_shapes(const Pending& p, const std::vector<int64_t>& weight) {
    const auto bad = [&](const std::string& why) {
        fail("'" + p.down_key + "' " + sd::shape_string(p.down.sizes()) + " and '" + p.up_key + "' " +
             sd::shape_string(p.up.sizes()) + " do not fit " + component_name(p.component) + " module '" + p.module +
             "' (weight " + sd::shape_string(weight) + "): " + why + " (a LoRA for another model?)");
    };
    const int64_t dd = p.down.dim(), ud = p.up.dim();
    if ((dd != 2 && dd != 4) || (ud != 2 && ud != 4)) bad("down and up must be 2-d (linear) or 4-d (conv)");
    if (weight.size() != 2 && weight.size() != 4) bad("the module is neither a linear nor a conv layer");
    if (weight.size() == 2 && (dd != 2 || ud != 2)) bad("a conv LoRA for a linear layer");
    if (ud == 4 && (p.up.size(2) != 1 || p.up.size(3) != 1)) bad("up must be a 1x1 convolution");
    if (dd == 4 && weight.size() == 4 && (p.down.size(2) != weight[2] || p.down.size(3) != weight[3]))
        bad("the kernel sizes differ");
    const int64_t rank = p.down.size(0);
    if (rank < 1 || p.up.size(1) != rank) bad("the ranks of down and up differ");
    if (p.up.size(0) != weight[0]) bad("the output sizes differ");
    const int64_t in = std::accumulate(weight.begin() + 1, weight.end(), int64_t{1}, std::multiplies<>());
    if (p.down.numel() / rank != in) bad("the input sizes differ");
}

}  // namespace

LoraFile read_lora(const fs::path& path, const LoraTargets& targets) {
    try {
        LoraFile file;
        file.path = weight_file_of(path);
        const TensorMap tensors = load_weights(file.path, at::kFloat);
        if (tensors.empty()) fail("the file holds no tensors");
        bool kohya = false;
        for (const auto& [key, t] : tensors)
            if (starts_with(key, "lora_unet_") || starts_with(key, "lora_te")) kohya = true;
        file.format = kohya ? "kohya" : "diffusers";
        const auto unet_index = mangled_index(targets.unet), te_index = mangled_index(targets.text_encoder);

        std::map<std::pair<int, std::string>, Pending> pending;  // in module order, per component
        for (const auto& [key, t] : tensors) {
            Pending parsed;
            Part part = Part::down;
            if (kohya) {
                if (starts_with(key, "bundle_emb.")) fail("key '" + key + "': bundled textual-inversion embeddings are not supported");
                parse_kohya_key(key, targets, unet_index, te_index, parsed, part);
            } else {
                parse_diffusers_key(key, parsed, part);
            }
            const auto& modules = parsed.component == LoraComponent::unet ? targets.unet : targets.text_encoder;
            if (!modules.count(parsed.module))
                fail("key '" + key + "' names " + component_name(parsed.component) + " module '" + parsed.module +
                     "', which this model does not have (a LoRA for another architecture?)");
            require_finite(t, key);
            Pending& p = pending[{int(parsed.component), parsed.module}];
            p.component = parsed.component;
            p.module = parsed.module;
            p.key = parsed.key;
            at::Tensor& slot = part == Part::down ? p.down : part == Part::up ? p.up : p.alpha;
            if (slot.defined()) fail("key '" + key + "': a second tensor for module '" + parsed.module + "'");
            slot = t;
            if (part == Part::down) p.down_key = key;
            if (part == Part::up) p.up_key = key;
        }
        for (auto& [id, p] : pending) {
            if (!p.down.defined() || !p.up.defined())
                fail("'" + (p.down.defined() ? p.down_key : p.up_key) + "' has no " + (p.down.defined() ? "up" : "down") +
                     " partner" + (p.down.defined() || p.up.defined() ? "" : " (only an alpha for '" + p.key + "')"));
            const auto& modules = p.component == LoraComponent::unet ? targets.unet : targets.text_encoder;
            check_shapes(p, modules.at(p.module));
            LoraLayer layer;
            layer.component = p.component;
            layer.module = p.module;
            layer.key = p.key;
            layer.down = p.down.contiguous();
            layer.up = p.up.contiguous();
            if (p.alpha.defined()) {
                if (p.alpha.numel() != 1) fail("'" + p.key + ".alpha' must hold one value, has " + sd::shape_string(p.alpha.sizes()));
                layer.alpha = p.alpha.item<double>();
            }
            file.layers.push_back(std::move(layer));
        }
        return file;
    } catch (const Error& e) {
        throw e.with_context("LoRA '" + path.string() + "'");
    }
}

at::Tensor lora_delta(const LoraLayer& layer, c10::IntArrayRef weight_shape) {
    at::Tensor up = layer.up.to(at::kFloat).flatten(1);  // [out, r]
    // Ref: _fuse_lora — `w_up * network_alpha / rank` (two roundings, as there).
    if (layer.alpha) up = up * *layer.alpha / static_cast<double>(layer.rank());
    return at::mm(up, layer.down.to(at::kFloat).flatten(1)).reshape(weight_shape);
}

}  // namespace pictor
