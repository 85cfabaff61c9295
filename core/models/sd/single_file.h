// Stable Diffusion from one original-layout checkpoint file (`.safetensors`, or a `.ckpt` zip
// `torch.save` read through the restricted unpickler: nothing executes), as A1111 and most
// downloadable checkpoints store it.
//
// The file's tensors are renamed to diffusers names by the key map (core/io/ldm_key_map.h) and
// moved, not copied, into one map per network; VAE attention 1×1 convs become Linear weights (a
// view), OpenCLIP's fused q/k/v are split (views). Keys no network uses (noise-schedule buffers,
// `model_ema.*`, `num_updates`, position_ids) are ignored, except that `ema` takes the UNet's EMA
// weights (Ref: convert_ldm_unet_checkpoint's extract_ema). The architecture is
// single_file_architecture's (see single_file_config.h).
// Failure contract: pictor::Error "loading Stable Diffusion from '<file>': ..." naming the key
// (missing, unexpected, wrong shape) or the reason the file cannot be read.
// Thread-safety: reentrant; the returned model is not shared.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/io/tensor_map.h"
#include "core/models/sd/single_file_config.h"
#include "core/models/sd/stable_diffusion.h"

namespace pictor {

struct ConvertedCheckpoint {
    TensorMap unet, vae, text_encoder;  // diffusers names
    std::vector<std::string> notes;     // EMA use, ignored keys
    // "<component>/<diffusers name>" → the key in the file (for messages; split q/k/v excluded).
    std::map<std::string, std::string> original_names;
};

// Names and shapes of every tensor of a map.
TensorShapes tensor_shapes(const TensorMap& tensors);
// Names and shapes of a weight file without loading it where the format allows (safetensors header).
TensorShapes weight_file_shapes(const std::filesystem::path& file);

// Splits and renames `checkpoint` (consumed: tensors are moved). `file` names it in messages.
ConvertedCheckpoint convert_ldm_checkpoint(TensorMap&& checkpoint, const SingleFileArchitecture& arch, bool ema,
                                           const std::string& file);

// Loads everything generation needs from one checkpoint file. `notes` (optional) receives what
// was assumed or ignored (defaults the yaml could not give, EMA use, the tokenizer's source).
StableDiffusion load_stable_diffusion_file(const std::filesystem::path& file, const SingleFileOptions& options,
                                           const SdPlacement& placement = {},
                                           std::vector<std::string>* notes = nullptr);

}  // namespace pictor
