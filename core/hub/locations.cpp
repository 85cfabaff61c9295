#include "core/hub/locations.h"

#include <cstdlib>

namespace pictor::hub {

namespace fs = std::filesystem;

namespace {
fs::path env_path(const char* name) {
    const char* v = std::getenv(name);
    return v && *v ? fs::path(v) : fs::path();
}
}  // namespace

fs::path hf_home_dir() {
    if (auto p = env_path("HF_HOME"); !p.empty()) return p;
    if (auto p = env_path("XDG_CACHE_HOME"); !p.empty()) return p / "huggingface";
    const fs::path home = env_path("HOME");
    return (home.empty() ? fs::path(".cache") : home / ".cache") / "huggingface";
}

}  // namespace pictor::hub
