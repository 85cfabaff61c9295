// How much memory a job will need, estimated before it starts, so that a request this machine
// cannot run (512×100000) is refused at once instead of running for minutes and then failing.
//
// The estimates are deliberately simple figures from the shapes involved, on the low side so that
// only what cannot fit is refused: weights as their in-memory size, plus the largest activation
// set of the run (UNet feature maps for the whole batch, or the VAE decoder's full-resolution
// feature maps for one image, whichever is larger). For SD 1.5, 2 images at 512² with CFG this
// gives ~5.1 GB; `pictor-cli bench txt2img` measured a 6.3-6.7 GB peak RSS (allocator and
// library overhead are not modelled).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace pictor {

// Physical memory of this machine (0 when it cannot be read).
uint64_t physical_memory_bytes();

// In-memory bytes of the weights under `path` (a file, or every weight file below a folder),
// read as `bytes_per_value` (4 for float32: an fp16 file loaded as float32 doubles).
uint64_t weights_in_memory_bytes(const std::filesystem::path& path, int bytes_per_value = 4);

struct GenerationMemory {
    uint64_t weights = 0;
    uint64_t unet_activations = 0;
    uint64_t vae_activations = 0;
    uint64_t total() const { return weights + (unet_activations > vae_activations ? unet_activations : vae_activations); }
};

// A Stable Diffusion run of `batch` latents (prompts × images; doubled for classifier-free
// guidance) at width × height pixels, with `weights` bytes of networks.
GenerationMemory estimate_generation_memory(uint64_t weights, int64_t width, int64_t height, int64_t batch, bool cfg,
                                            int bytes_per_value = 4);

// "3.4 GB" (decimal units, as the rest of Pictor shows sizes).
std::string format_bytes(uint64_t bytes);

// Throws InvalidRequest "<what> needs about X of memory (...), this machine has Y" when the
// estimate exceeds the physical memory. `detail` explains the figure ("weights 3.4 GB + VAE ...").
void require_memory(const std::string& what, uint64_t needed, const std::string& detail);

}  // namespace pictor
