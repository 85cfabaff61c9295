// LoRA files: the kohya (lora_unet_* / lora_te_*) and diffusers (unet.… / text_encoder.…, PEFT,
// attention processors) key-name mapping onto a model's modules, the down/up/alpha pairing, the
// shape checks, and the delta that is merged.
//
// The mapping resolves names against the model's modules, so the harness uses a fixed module set
// (names and weight shapes of an SD 1.x UNet and CLIP text encoder, small widths). Input, by its
// first byte:
//   even: the rest is the LoRA file itself (safetensors), e.g. the fixture LoRAs;
//   odd:  the rest is lines "<key> <d0>x<d1>[x<d2>x<d3>]": a safetensors file of those tensors (each
//         dim 1..16, values 0.01 × index) is written, so mutations reach the key mapping and the
//         shape checks instead of the safetensors header.
// Contract (core/models/sd/lora.h): a bad file, an unknown key, a missing partner or a shape
// that does not fit throws pictor::Error naming the key. The harness catches pictor::Error only;
// every layer read must give a delta of its module's weight shape.
#include <ATen/ATen.h>

#include <sstream>

#include "core/io/safetensors.h"
#include "core/models/sd/lora.h"
#include "core/util/error.h"
#include "fuzz/fuzz_support.h"

namespace {

const pictor::LoraTargets& targets() {
    static const pictor::LoraTargets t = [] {
        pictor::LoraTargets t;
        const std::string block = "down_blocks.0.attentions.0.transformer_blocks.0.";
        for (const char* p : {"attn1.to_q", "attn1.to_k", "attn1.to_v", "attn2.to_q"}) t.unet[block + p] = {8, 8};
        t.unet[block + "attn2.to_k"] = {8, 12};
        t.unet[block + "attn1.to_out.0"] = {8, 8};
        t.unet[block + "ff.net.0.proj"] = {16, 8};
        t.unet["down_blocks.0.attentions.0.proj_in"] = {8, 8, 1, 1};
        t.unet["down_blocks.0.resnets.0.conv1"] = {8, 8, 3, 3};
        t.unet["mid_block.resnets.0.time_emb_proj"] = {8, 16};
        const std::string layer = "text_model.encoder.layers.0.";
        for (const char* p : {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.out_proj"})
            t.text_encoder[layer + p] = {12, 12};
        t.text_encoder[layer + "mlp.fc1"] = {24, 12};
        t.text_encoder[layer + "mlp.fc2"] = {12, 24};
        return t;
    }();
    return t;
}

// "<key> 4x8" lines → tensors; a line that does not parse is skipped.
pictor::TensorMap tensors_of(std::string_view spec) {
    pictor::TensorMap out;
    std::istringstream lines{std::string(spec)};
    std::string line;
    while (std::getline(lines, line) && out.size() < 64) {
        const auto space = line.rfind(' ');
        if (space == std::string::npos || space == 0) continue;
        std::vector<int64_t> shape;
        std::istringstream dims(line.substr(space + 1));
        std::string dim;
        while (std::getline(dims, dim, 'x') && shape.size() < 4) {
            if (dim.empty() || dim.size() > 2 || dim.find_first_not_of("0123456789") != std::string::npos) break;
            shape.push_back(std::min<int64_t>(16, std::stoll(dim)));
        }
        if (shape.empty()) continue;
        int64_t numel = 1;
        for (int64_t d : shape) numel *= d;
        out[line.substr(0, space)] = at::arange(numel, at::kFloat).mul_(0.01).reshape(shape);
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    static const auto file = pictor::fuzz::scratch_file("lora.safetensors");
    const std::string_view body = pictor::fuzz::as_text(data + 1, size - 1);
    if (data[0] % 2 == 0) {
        pictor::fuzz::write_file(file, body);
    } else {
        const pictor::TensorMap tensors = tensors_of(body);
        if (tensors.empty()) return 0;
        try {
            pictor::write_safetensors(file, tensors);
        } catch (const pictor::Error&) {
            return 0;  // a name the writer refuses; not what this target is about
        }
    }
    try {
        const pictor::LoraFile lora = pictor::read_lora(file, targets());
        for (const auto& layer : lora.layers) {
            const auto& modules = layer.component == pictor::LoraComponent::unet ? targets().unet : targets().text_encoder;
            const std::vector<int64_t>& shape = modules.at(layer.module);
            const at::Tensor delta = pictor::lora_delta(layer, shape);
            if (delta.sizes() != c10::IntArrayRef(shape)) pictor::fuzz::finding("delta does not have the weight's shape");
        }
    } catch (const pictor::Error&) {
    }
    return 0;
}
