// Process-wide runtime setup shared by the studio and the CLI.
#pragma once

#include <string>

namespace pictor {

// Call once at start-up from main(), before any tensor is allocated or thread started:
// - OpenBLAS's kernels: when it fell back to SSE3 kernels on an AVX2/AVX-512 CPU it does not know,
//   the program restarts itself with OPENBLAS_CORETYPE set (core/util/blas_kernels.h; pass argv);
// - glibc malloc tuned for large tensors (no mmap per allocation, no eager trimming): big
//   activations otherwise cost a third of the UNet time in page faults;
// - intra-op threads from $PICTOR_THREADS when set, else one per usable CPU (unless the user set
//   OMP_NUM_THREADS).
void configure_runtime(char** argv = nullptr);

// Intra-op threads for LibTorch; 0 = one per CPU this process may run on (the settings' `threads`).
void set_thread_count(int threads);

// Applies the thread count to the calling thread: OpenMP keeps it per thread, and OpenBLAS reads
// it there. Call at the start of work on a thread created after set_thread_count (the studio's worker).
void adopt_thread_count();

// Human-readable facts about the compute backend (for `pictor-cli info` and the About box).
struct RuntimeInfo {
    std::string libtorch_version;
    int threads = 0;
    bool cuda_available = false;
    int cuda_devices = 0;
    std::string parallel_info;  // at::get_parallel_info()
    std::string blas;           // e.g. "OpenBLAS (openmp)" as reported by the build config
    std::string config;         // at::show_config()
};
RuntimeInfo runtime_info();

}  // namespace pictor
