#include "core/models/sd/single_file.h"

#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <torch/nn/module.h>

#include <sstream>

#include "core/io/safetensors.h"
#include "core/io/state_dict.h"
#include "core/io/torch_checkpoint.h"
#include "core/models/sd/single_file_tokenizer.h"
#include "core/schedulers/scheduler.h"
#include "core/util/error.h"

namespace pictor {

namespace fs = std::filesystem;

namespace {

// diffusers counts a checkpoint as holding EMA weights when more than 100 keys start with
// model_ema (Ref: convert_ldm_unet_checkpoint).
constexpr size_t kEmaKeyThreshold = 100;

size_t count_prefix(const TensorMap& m, const std::string& prefix) {
    size_t n = 0;
    for (auto it = m.lower_bound(prefix); it != m.end() && it->first.rfind(prefix, 0) == 0; ++it) ++n;
    return n;
}

// The N of "text_model.encoder.layers.N.", or -1.
int64_t text_layer_index(const std::string& name) {
    static const std::string prefix = "text_model.encoder.layers.";
    if (name.rfind(prefix, 0) != 0) return -1;
    try {
        return std::stoll(name.substr(prefix.size()));
    } catch (const std::exception&) {
        return -1;
    }
}

// Replaces every UNet tensor by its EMA twin (Ref: extract_ema in convert_ldm_unet_checkpoint).
void take_ema(TensorMap& checkpoint, const std::string& file) {
    const std::string unet = "model.diffusion_model.";
    for (auto it = checkpoint.lower_bound(unet); it != checkpoint.end() && it->first.rfind(unet, 0) == 0; ++it) {
        const auto ema = checkpoint.find(ldm_ema_key(it->first));
        if (ema == checkpoint.end())
            fail("'" + file + "': --ema: the EMA weights have no '" + ldm_ema_key(it->first) + "' for '" + it->first + "'");
        it->second = std::move(ema->second);
        checkpoint.erase(ema);
    }
}

// load_state_dict lists diffusers names, one per line ("    NAME: ..." or "    NAME (...)");
// the original key of each is added, so that the message names what is in the file.
std::string with_original_names(const std::string& message, const ConvertedCheckpoint& c, SdComponent component) {
    std::string out, line;
    std::istringstream lines(message);
    while (std::getline(lines, line)) {
        if (!out.empty()) out += "\n";
        out += line;
        const auto begin = line.find_first_not_of(' ');
        if (begin == std::string::npos || begin < 4) continue;
        const auto end = line.find_first_of(": ", begin);
        const std::string name = line.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
        const auto it = c.original_names.find(component_name(component) + std::string("/") + name);
        if (it != c.original_names.end()) out += " (in the file: '" + it->second + "')";
    }
    return out;
}

void load_network(torch::nn::Module& module, const TensorMap& weights, const ConvertedCheckpoint& c,
                  SdComponent component, const std::string& what) {
    LoadOptions lo;
    lo.what = what;
    try {
        load_state_dict(module, weights, lo);
    } catch (const Error& e) {
        throw Error(with_original_names(e.what(), c, component));
    }
}

}  // namespace

TensorShapes tensor_shapes(const TensorMap& tensors) {
    TensorShapes out;
    for (const auto& [name, t] : tensors) out[name] = t.sizes().vec();
    return out;
}

TensorShapes weight_file_shapes(const fs::path& file) {
    if (!is_zip_file(file) && file.extension() != ".ckpt" && file.extension() != ".pt" && file.extension() != ".pth") {
        TensorShapes out;
        const SafetensorsFile st(file);  // header only; the data stays mapped, unread
        for (const SafetensorsEntry& e : st.entries()) out[e.name] = e.shape;
        return out;
    }
    return tensor_shapes(load_weights(file));
}

ConvertedCheckpoint convert_ldm_checkpoint(TensorMap&& checkpoint, const SingleFileArchitecture& arch, bool ema,
                                           const std::string& file) {
    ConvertedCheckpoint out;
    const size_t ema_keys = count_prefix(checkpoint, "model_ema.");
    if (ema && ema_keys > kEmaKeyThreshold) {
        take_ema(checkpoint, file);
        out.notes.push_back("--ema: the UNet's EMA weights are used");
    } else if (ema) {
        out.notes.push_back("--ema: the file holds no EMA weights (" + std::to_string(ema_keys) +
                            " model_ema.* keys); its regular UNet weights are used");
    } else if (ema_keys > kEmaKeyThreshold) {
        out.notes.push_back("the file also holds EMA weights (" + std::to_string(ema_keys) + " keys); --ema uses them");
    }
    std::vector<std::string> ignored;
    while (!checkpoint.empty()) {
        auto node = checkpoint.extract(checkpoint.begin());
        const std::string& key = node.key();
        const std::optional<DiffusersKey> mapped = map_ldm_key(key, arch.layout);
        if (!mapped || key.ends_with("embeddings.position_ids")) {  // a buffer older transformers saved
            ignored.push_back(key);
            continue;
        }
        TensorMap& target = mapped->component == SdComponent::unet  ? out.unet
                            : mapped->component == SdComponent::vae ? out.vae
                                                                    : out.text_encoder;
        at::Tensor t = std::move(node.mapped());
        if (mapped->component == SdComponent::text_encoder && arch.open_clip &&
            text_layer_index(mapped->name) >= arch.text.num_hidden_layers) {
            ignored.push_back(key);  // SD 2.x: the last OpenCLIP layer is not used (penultimate output)
            continue;
        }
        switch (mapped->transform) {
            case KeyTransform::conv1x1_to_linear:
                if (t.dim() == 4 && t.size(2) == 1 && t.size(3) == 1) t = t.flatten(1);
                break;
            case KeyTransform::split_qkv: {
                if (t.dim() < 1 || t.size(0) % 3 != 0)
                    fail("'" + file + "': '" + key + "' cannot be split into q, k, v (first dimension " +
                         (t.dim() ? std::to_string(t.size(0)) : std::string("none")) + ")");
                const auto parts = t.chunk(3, 0);
                const auto names = qkv_names(mapped->name);
                for (size_t i = 0; i < 3; ++i) target[names[i]] = parts[i];
                continue;
            }
            case KeyTransform::none: break;
        }
        out.original_names[component_name(mapped->component) + std::string("/") + mapped->name] = key;
        target[mapped->name] = std::move(t);
    }
    if (!ignored.empty())
        out.notes.push_back(std::to_string(ignored.size()) + " tensors used by no network were ignored (e.g. '" +
                            ignored.front() + "')");
    return out;
}

StableDiffusion load_stable_diffusion_file(const fs::path& file, const SingleFileOptions& options,
                                           const SdPlacement& placement, std::vector<std::string>* notes) {
    try {
        if (!fs::is_regular_file(file)) fail("not a file");
        if (placement.device.is_cuda() && !at::hasCUDA())
            fail("CUDA was requested but this LibTorch build has no CUDA support (use --device cpu)");
        if (placement.device.is_cpu() && placement.dtype == at::kHalf)
            fail("on the CPU Stable Diffusion runs in float32 or bfloat16 (float16 is for CUDA)");
        TensorMap weights = load_weights(file);
        const SingleFileArchitecture arch = single_file_architecture(file, tensor_shapes(weights), options);
        ConvertedCheckpoint parts = convert_ldm_checkpoint(std::move(weights), arch, options.ema, file.string());
        std::vector<std::string> all = arch.notes;
        all.insert(all.end(), parts.notes.begin(), parts.notes.end());

        StableDiffusion sd;
        sd.placement = placement;
        sd.name = file.stem().string();
        const auto tensor_options = at::TensorOptions().device(placement.device).dtype(placement.dtype);
        sd.unet = UNet2DConditionModel(arch.unet, tensor_options);
        load_network(*sd.unet, parts.unet, parts, SdComponent::unet, "'" + file.string() + "' UNet (model.diffusion_model.*)");
        sd.unet->eval();
        parts.unet.clear();  // the file's copy goes as soon as the parameters hold it
        sd.vae = AutoencoderKL(arch.vae, tensor_options);
        load_network(*sd.vae, parts.vae, parts, SdComponent::vae, "'" + file.string() + "' VAE (first_stage_model.*)");
        sd.vae->eval();
        parts.vae.clear();
        if (arch.text.num_attention_heads <= 0)
            fail("the text encoder's head count cannot be derived from the weights (width " +
                 std::to_string(arch.text.hidden_size) +
                 " is not a multiple of 64): pass --config with a diffusers folder holding text_encoder/config.json");
        sd.text_encoder = CLIPTextModel(arch.text);
        load_network(*sd.text_encoder, parts.text_encoder, parts, SdComponent::text_encoder,
                     "'" + file.string() + "' text encoder (cond_stage_model.*)");
        sd.text_encoder->eval();
        parts.text_encoder.clear();
        if (placement.device != at::kCPU || placement.dtype != at::kFloat)
            sd.text_encoder->to(placement.device, placement.dtype);

        std::string tokenizer_source;
        sd.tokenizer = single_file_tokenizer(arch.tokenizer_dir, arch.open_clip, &tokenizer_source);
        all.push_back("tokenizer: " + tokenizer_source);
        sd.scheduler_config = arch.scheduler;
        make_scheduler(sd.scheduler_config);  // fail now for an unknown scheduler class
        if (arch.unet.in_channels != arch.vae.latent_channels)
            fail("the UNet takes " + std::to_string(arch.unet.in_channels) + " channels but the VAE has " +
                 std::to_string(arch.vae.latent_channels) + " latent channels (an inpainting model cannot do text-to-image)");
        if (notes) *notes = std::move(all);
        return sd;
    } catch (const Error& e) {
        throw e.with_context("loading Stable Diffusion from '" + file.string() + "'");
    }
}

}  // namespace pictor
