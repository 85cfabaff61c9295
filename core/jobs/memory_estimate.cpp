#include "core/jobs/memory_estimate.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <system_error>

#include "core/jobs/job_error.h"

namespace pictor {

namespace fs = std::filesystem;

uint64_t physical_memory_bytes() {
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long page = sysconf(_SC_PAGE_SIZE);
    if (pages <= 0 || page <= 0) return 0;
    return uint64_t(pages) * uint64_t(page);
}

namespace {

bool is_weight_file(const fs::path& p) {
    const std::string ext = p.extension().string();
    return ext == ".safetensors" || ext == ".bin" || ext == ".pth" || ext == ".pt" || ext == ".ckpt";
}

// A weight file holds values of 2 bytes when its name says fp16 (diffusers' variant naming), 4
// otherwise. Deliberately simple: the estimate only needs the right order of magnitude.
uint64_t in_memory(const fs::path& file, uint64_t file_size, int bytes_per_value) {
    const bool half = file.filename().string().find(".fp16.") != std::string::npos;
    return half ? file_size / 2 * uint64_t(bytes_per_value) : file_size / 4 * uint64_t(bytes_per_value);
}

}  // namespace

uint64_t weights_in_memory_bytes(const fs::path& path, int bytes_per_value) {
    std::error_code ec;
    if (fs::is_regular_file(path, ec)) return in_memory(path, fs::file_size(path, ec), bytes_per_value);
    // A diffusers folder: its weight files and those one level down (unet/, vae/, ...). A
    // sub-folder may hold a file in two variants (fp32 and fp16); only one is loaded, so count
    // the largest per folder.
    const auto largest_in = [&](const fs::path& dir) {
        uint64_t best = 0;
        std::error_code e;
        for (const fs::directory_entry& f : fs::directory_iterator(dir, e)) {
            std::error_code fe;
            if (f.is_regular_file(fe) && is_weight_file(f.path()))
                best = std::max(best, in_memory(f.path(), f.file_size(fe), bytes_per_value));
        }
        return best;
    };
    uint64_t total = largest_in(path);
    for (const fs::directory_entry& sub : fs::directory_iterator(path, ec)) {
        std::error_code e;
        if (sub.is_directory(e)) total += largest_in(sub.path());
    }
    return total;
}

GenerationMemory estimate_generation_memory(uint64_t weights, int64_t width, int64_t height, int64_t batch, bool cfg,
                                            int bytes_per_value) {
    GenerationMemory m;
    m.weights = weights;
    const uint64_t latent_pixels = uint64_t(std::max<int64_t>(width / 8, 1)) * uint64_t(std::max<int64_t>(height / 8, 1));
    const uint64_t samples = uint64_t(std::max<int64_t>(batch, 1)) * (cfg ? 2 : 1);
    // UNet: ~24 live feature maps of 320 channels at latent resolution per sample (skip
    // connections, resnet temporaries, attention tiles are bounded per thread).
    m.unet_activations = samples * latent_pixels * 320 * 24 * uint64_t(bytes_per_value);
    // VAE decoder, one image at a time: ~6 live feature maps of 128 channels at full resolution.
    m.vae_activations = uint64_t(std::max<int64_t>(width, 1)) * uint64_t(std::max<int64_t>(height, 1)) * 128 * 6 *
                        uint64_t(bytes_per_value);
    return m;
}

std::string format_bytes(uint64_t bytes) {
    char buf[32];
    if (bytes >= 1000ull * 1000 * 1000) std::snprintf(buf, sizeof buf, "%.1f GB", double(bytes) / 1e9);
    else if (bytes >= 1000ull * 1000) std::snprintf(buf, sizeof buf, "%.1f MB", double(bytes) / 1e6);
    else std::snprintf(buf, sizeof buf, "%.1f kB", double(bytes) / 1e3);
    return buf;
}

void require_memory(const std::string& what, uint64_t needed, const std::string& detail) {
    const uint64_t have = physical_memory_bytes();
    if (have == 0 || needed <= have) return;
    throw InvalidRequest(what + " needs about " + format_bytes(needed) + " of memory (" + detail +
                         "), this machine has " + format_bytes(have) + ": use a smaller size or fewer images");
}

}  // namespace pictor
