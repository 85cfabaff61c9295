// Catch2's main, compiled once for every test executable. Like the front ends, the tests restart
// once with fast OpenBLAS kernels when OpenBLAS does not know this CPU (core/util/blas_kernels.h):
// otherwise every golden test's matrix products run on SSE3 kernels.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "core/util/blas_kernels.h"

int main(int argc, char** argv) {
    pictor::restart_with_fast_blas_kernels(argv);
    return Catch::Session().run(argc, argv);
}
