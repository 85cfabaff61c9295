// OpenBLAS kernel selection on CPUs newer than the OpenBLAS build.
//
// Debian 12's OpenBLAS 0.3.21 picks its kernels from the CPU model number at load time. On CPUs it
// does not know (Emerald Rapids, model 207, on the development machine) it falls back to
// "Prescott" — SSE3 kernels — and every matrix product runs ~5× below the machine's AVX-512 speed
// (measured: 62 vs 300 GFLOP/s for SD's linear layers on 2 cores). The choice is made in the
// library's constructor, before main(), so the only portable fix is the one OpenBLAS documents:
// the OPENBLAS_CORETYPE environment variable, set before the process starts.
//
// Thread-safety: call from main() before any other thread exists.
#pragma once

#include <string>

namespace pictor {

// The kernel set OpenBLAS chose ("Prescott", "SkylakeX", …); empty when the BLAS in use is not OpenBLAS.
std::string openblas_core_name();

// The OPENBLAS_CORETYPE this CPU should use when OpenBLAS fell back to pre-AVX2 kernels on a CPU
// with AVX2/AVX-512; empty when OpenBLAS's own choice is fine (or the user set OPENBLAS_CORETYPE).
std::string better_openblas_core();

// When better_openblas_core() names one, sets OPENBLAS_CORETYPE and re-executes this program with
// the same arguments (once: a marker variable prevents loops). Returns normally otherwise, also
// when the re-exec fails (the program then runs with the slow kernels).
void restart_with_fast_blas_kernels(char** argv);

}  // namespace pictor
