#include "core/hub/locations.h"

#include "core/util/user_dirs.h"

namespace pictor::hub {

namespace fs = std::filesystem;

fs::path hf_home_dir() {
    // "~" expanded as hf_hub_cache_dir() does for the same variable (core/io/model_ref.cpp).
    if (const auto hf_home = env_value("HF_HOME")) return expand_user(*hf_home).value_or(fs::path(*hf_home));
    if (const auto cache = xdg_cache_home()) return *cache / "huggingface";
    return fs::path(".cache") / "huggingface";
}

}  // namespace pictor::hub
