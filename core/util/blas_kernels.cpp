#include "core/util/blas_kernels.h"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <string_view>

namespace pictor {

namespace {

constexpr const char* kRestartMarker = "PICTOR_BLAS_RESTARTED";

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

// OpenBLAS's x86-64 fallbacks for CPUs it does not recognise, and the other pre-AVX2 kernel sets.
bool is_pre_avx2_core(const std::string& core) {
    constexpr std::array<std::string_view, 12> old{"prescott", "core2",      "penryn",   "dunnington",
                                                   "nehalem",  "atom",       "banias",   "katmai",
                                                   "coppermine", "northwood", "sandybridge", "unknown"};
    const std::string c = lower(core);
    return std::find(old.begin(), old.end(), c) != old.end();
}

}  // namespace

std::string openblas_core_name() {
    // Looked up at run time: the BLAS is chosen by Debian's alternatives, not at link time.
    using CoreNameFn = char* (*)();
    auto* fn = reinterpret_cast<CoreNameFn>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
    if (!fn) return {};
    const char* name = fn();
    return name ? std::string(name) : std::string();
}

std::string better_openblas_core() {
    if (const char* set = std::getenv("OPENBLAS_CORETYPE"); set && *set) return {};
    const std::string core = openblas_core_name();
    if (core.empty() || !is_pre_avx2_core(core)) return {};
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
        return "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
#endif
    return {};
}

void restart_with_fast_blas_kernels(char** argv) {
    if (!argv || !argv[0] || std::getenv(kRestartMarker)) return;
    const std::string core = better_openblas_core();
    if (core.empty()) return;
    setenv("OPENBLAS_CORETYPE", core.c_str(), 1);
    setenv(kRestartMarker, "1", 1);
    execv("/proc/self/exe", argv);
    // exec failed (no /proc?): carry on with the slow kernels rather than not at all.
    unsetenv("OPENBLAS_CORETYPE");
}

}  // namespace pictor
