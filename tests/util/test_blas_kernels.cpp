// OpenBLAS kernel selection (core/util/blas_kernels.h). The test executable's main() already went
// through restart_with_fast_blas_kernels, so these check the state every front end runs in.
#include "tests/support/catch.h"

#include <cstdlib>
#include <string>

#include "core/util/blas_kernels.h"

namespace {

bool cpu_has_avx2() {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return false;
#endif
}

}  // namespace

TEST_CASE("OpenBLAS runs AVX2 or newer kernels on a CPU that has AVX2", "[util]") {
    const std::string core = pictor::openblas_core_name();
    if (core.empty() || !cpu_has_avx2()) {
        WARN("not OpenBLAS (" << core << ") or no AVX2: nothing to check");
        return;
    }
    INFO("OpenBLAS core: " << core);
    for (const char* old : {"Prescott", "Core2", "Penryn", "Nehalem", "Sandybridge", "Atom"}) CHECK(core != old);
    // Nothing left to improve after the restart.
    CHECK(pictor::better_openblas_core().empty());
}

TEST_CASE("an explicit OPENBLAS_CORETYPE is the user's choice and is left alone", "[util]") {
    const char* before = std::getenv("OPENBLAS_CORETYPE");
    const std::string saved = before ? before : "";
    setenv("OPENBLAS_CORETYPE", "Prescott", 1);
    CHECK(pictor::better_openblas_core().empty());
    if (before) setenv("OPENBLAS_CORETYPE", saved.c_str(), 1);
    else unsetenv("OPENBLAS_CORETYPE");
}
