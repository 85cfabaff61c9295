// Where the Hugging Face token file lives. Internal to core/hub.
//
// The cache roots come from core/io/model_ref.h (hf_hub_cache_dir, torch_hub_checkpoints_dir: the
// resolver reads the same folders); the token location is the hub's own concern.
// Failure contract: never throws; without a home folder (no HOME, no passwd entry) the result is
// the relative ".cache/huggingface".
// Thread-safety: reads the environment (and the passwd database, reentrantly) only.
#pragma once

#include <filesystem>

namespace pictor::hub {

// $HF_HOME ("~" expanded), else $XDG_CACHE_HOME/huggingface (an absolute XDG_CACHE_HOME only), else
// ~/.cache/huggingface (Ref: huggingface_hub constants.py).
std::filesystem::path hf_home_dir();

}  // namespace pictor::hub
