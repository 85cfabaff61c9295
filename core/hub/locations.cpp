#include "core/hub/locations.h"

#include <cstdlib>

namespace pictor::hub {

namespace fs = std::filesystem;

namespace {
fs::path env_path(const char* name) {
    const char* v = std::getenv(name);
    return v && *v ? fs::path(v) : fs::path();
}
fs::path home_cache() {
    const fs::path home = env_path("HOME");
    return home.empty() ? fs::path(".cache") : home / ".cache";
}
}  // namespace

fs::path hf_home_dir() {
    if (auto p = env_path("HF_HOME"); !p.empty()) return p;
    if (auto p = env_path("XDG_CACHE_HOME"); !p.empty()) return p / "huggingface";
    return home_cache() / "huggingface";
}

// Until core/io/model_ref.h lands these mirror its documented rules; they then forward to it.
fs::path default_hf_cache_dir() {
    if (auto p = env_path("HF_HUB_CACHE"); !p.empty()) return p;
    if (auto p = env_path("HF_HOME"); !p.empty()) return p / "hub";
    return home_cache() / "huggingface" / "hub";
}

fs::path default_torch_checkpoints_dir() {
    fs::path torch_home = env_path("TORCH_HOME");
    if (torch_home.empty()) torch_home = home_cache() / "torch";
    return torch_home / "hub" / "checkpoints";
}

}  // namespace pictor::hub
