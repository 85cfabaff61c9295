// What a loaded StableDiffusion remembers about the LoRAs merged into its weights
// (core/models/sd/lora_merge.h changes it; plain data, no behaviour).
#pragma once

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace pictor {

// One LoRA of a set: which file, at which strengths, and what the PNG parameters call it.
struct LoraUse {
    std::filesystem::path file;      // as resolved (a file, or a diffusers LoRA folder)
    double unet_scale = 1.0;         // A1111 <lora:NAME:TE:UNET>; diffusers' cross_attention_kwargs scale
    double text_encoder_scale = 1.0;
    std::string name;                // A1111's "mentioned name" (the tag's NAME, or the file stem)
    std::string hash;                // A1111's short hash (12 hex digits), "" when unknown
    std::string stamp;               // the file's size and modification time when it was read
    bool operator==(const LoraUse&) const = default;
};

struct MergedLoras {
    std::vector<LoraUse> set;  // what is merged now, in merge order (empty: the base weights)
    // The base weights of the parameters the set changed, "unet/<name>" / "text_encoder/<name>":
    // restoring copies them back bit for bit (subtracting the delta again would not be exact).
    std::map<std::string, at::Tensor> originals;
};

}  // namespace pictor
