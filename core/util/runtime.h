// Process-wide runtime setup shared by the studio and the CLI.
#pragma once

#include <string>

namespace pictor {

// Call once at start-up, before any tensor is allocated:
// - glibc malloc tuned for large tensors (no mmap per allocation, no eager trimming): big
//   activations otherwise cost a third of the UNet time in page faults;
// - intra-op threads from $PICTOR_THREADS when set.
void configure_runtime();

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
