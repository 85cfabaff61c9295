// Where the Hugging Face token file lives. Internal to core/hub.
//
// The cache roots come from core/io/model_ref.h (hf_hub_cache_dir, torch_hub_checkpoints_dir: the
// resolver reads the same folders); the token location is the hub's own concern.
// Failure contract: never throws; a missing HOME gives a relative ".cache/..." path.
// Thread-safety: reads the environment only.
#pragma once

#include <filesystem>

namespace pictor::hub {

// $HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface (Ref: huggingface_hub constants.py).
std::filesystem::path hf_home_dir();

}  // namespace pictor::hub
