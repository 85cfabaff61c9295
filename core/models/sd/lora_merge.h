// Merging LoRAs into a loaded Stable Diffusion's weights, and taking them out again.
//
// merge_loras makes a set the merged one: it first restores the base weights the previous set
// changed (copies of the originals, so the base comes back bit for bit), then, per parameter,
// W <- W + s_1·delta_1 + s_2·delta_2 + ... in float32 (the deltas of lora_delta, in set order) and
// casts once to the parameter's dtype. The UNet layers take each LoRA's unet_scale, the text
// encoder's its text_encoder_scale. At scale s this equals diffusers 0.21.4's unfused LoRA layers
// at cross_attention_kwargs={"scale": s} up to float32 rounding, and fuse_lora(lora_scale=s) to the
// bit on the fused weight for one LoRA.
//
// Failure contract: throws pictor::Error naming the LoRA file and module when a layer does not
// fit the model (read_lora with this model's lora_targets already checks that); the model then
// holds its base weights (the previous set was taken out first) and `model.loras.set` is empty.
// Thread-safety: no run may use the model while this runs.
#pragma once

#include <vector>

#include "core/models/sd/lora.h"
#include "core/models/sd/stable_diffusion.h"

namespace pictor {

// What the model's UNet and text encoder offer as LoRA targets: every parameter "<module>.weight"
// of a linear or conv layer (2-d or 4-d).
LoraTargets lora_targets(StableDiffusion& model);

struct LoadedLora {
    LoraUse use;
    LoraFile file;  // read with read_lora(use.file, lora_targets(model))
};

// See the file comment. An empty set restores the base weights.
void merge_loras(StableDiffusion& model, const std::vector<LoadedLora>& set);
void unmerge_loras(StableDiffusion& model);

}  // namespace pictor
