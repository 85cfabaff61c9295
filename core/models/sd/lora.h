// LoRA files for Stable Diffusion 1.x/2.x: reading them and mapping their keys to the modules of
// our UNet (diffusers names) and CLIP text encoder (transformers names).
//
// Two formats are read (.safetensors, or a PyTorch .bin/.pt/.ckpt through the restricted reader):
//   - kohya-ss / A1111 / civitai: `lora_unet_<path>` / `lora_te_<path>` + `.lora_down.weight`,
//     `.lora_up.weight`, optional `.alpha` (0-d; absent = the rank, i.e. factor 1), where <path> is
//     the diffusers module path with '.' written '_' (`lora_unet_mid_block_attentions_0_proj_in`).
//     LoCon conv layers (3×3 `lora_down`, 1×1 `lora_up`) are ordinary entries.
//   - diffusers: `unet.<module>.lora.down.weight` / `.lora.up.weight`,
//     `text_encoder.<module>.lora_linear_layer.down.weight` / `.up.weight` (no alpha: it is folded
//     into `up`), the older attention-processor names (`unet.….attn1.processor.to_q_lora.down.weight`,
//     `text_encoder.….self_attn.to_q_lora.down.weight`, or the same without the `unet.` prefix) and
//     PEFT's `.lora_A.weight` / `.lora_B.weight`; an optional `<module>.alpha` is honoured.
// A diffusers LoRA folder (pytorch_lora_weights.safetensors / .bin inside) is accepted too.
//
// Kohya names are resolved against the modules the model really has (LoraTargets), so every module
// of our networks can be a target: beyond what diffusers 0.21.4 maps (attention, ff, proj_in/out,
// resnet conv1/conv2, down/upsamplers) this also loads `time_emb_proj`, `conv_shortcut`, `conv_in`,
// ... as A1111 and diffusers >= 0.23 do. Kohya files in the original LDM naming
// (`lora_unet_input_blocks_…`) are not mapped.
//
// Failure contract: read_lora throws pictor::Error "LoRA '<file>': ..." naming the key for a key it
// cannot read (an unsupported network type such as LoHa/LoKr, a name that matches no module of the
// model: a LoRA for another architecture), a missing up/down partner, shapes that do not fit the
// module's weight, a non-finite value, or an unreadable/corrupt file.
// Thread-safety: pure functions; a LoraFile is plain data.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pictor {

enum class LoraComponent { unet, text_encoder };
const char* component_name(LoraComponent c);  // "unet" / "text_encoder"

// The modules a LoRA may target: module path (without ".weight") -> shape of its weight, per network.
struct LoraTargets {
    std::map<std::string, std::vector<int64_t>> unet, text_encoder;
};

// One low-rank update: the module's weight W gets s · factor · (up @ down) (conv: flattened).
struct LoraLayer {
    LoraComponent component = LoraComponent::unet;
    std::string module;         // e.g. "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q"
    std::string key;            // the file's name for it (for messages), e.g. "lora_unet_down_blocks_0_..."
    at::Tensor down, up;        // float32, CPU: [r, in] / [out, r] (conv: [r, in, kh, kw] / [out, r, 1, 1])
    std::optional<double> alpha;
    int64_t rank() const { return down.size(0); }
};

struct LoraFile {
    std::filesystem::path path;  // the weight file read (inside the folder when a folder was given)
    std::string format;          // "kohya" | "diffusers"
    std::vector<LoraLayer> layers;
};

// Reads and checks a LoRA against the modules of a model. See the file comment.
LoraFile read_lora(const std::filesystem::path& path, const LoraTargets& targets);

// Ref: diffusers 0.21.4 LoRACompatibleLinear/LoRACompatibleConv._fuse_lora — the weight update at
// scale 1: (up [* alpha / rank]) @ down, conv weights flattened to [out, r] @ [r, in·kh·kw] and
// reshaped to `weight_shape`; float32 on the CPU.
at::Tensor lora_delta(const LoraLayer& layer, c10::IntArrayRef weight_shape);

}  // namespace pictor
