#include "core/image/training_transforms.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

#include "core/image/image_io.h"
#include "core/image/resize.h"

namespace pictor {

namespace {
double uniform(std::mt19937_64& rng, double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(rng);
}
int randint(std::mt19937_64& rng, int lo, int hi_exclusive) {
    return std::uniform_int_distribution<int>(lo, hi_exclusive - 1)(rng);
}
}  // namespace

CropBox random_resized_crop_box(int height, int width, std::mt19937_64& rng, std::array<double, 2> scale,
                                std::array<double, 2> ratio) {
    const double area = static_cast<double>(height) * width;
    const double log_lo = std::log(ratio[0]), log_hi = std::log(ratio[1]);
    for (int attempt = 0; attempt < 10; ++attempt) {
        const double target_area = area * uniform(rng, scale[0], scale[1]);
        const double aspect = std::exp(uniform(rng, log_lo, log_hi));
        const int w = static_cast<int>(std::nearbyint(std::sqrt(target_area * aspect)));
        const int h = static_cast<int>(std::nearbyint(std::sqrt(target_area / aspect)));
        if (w > 0 && w <= width && h > 0 && h <= height) {
            return {randint(rng, 0, height - h + 1), randint(rng, 0, width - w + 1), h, w};
        }
    }
    // Fallback: the whole image cropped to the nearest allowed aspect ratio, centred.
    const double in_ratio = static_cast<double>(width) / height;
    int w = width, h = height;
    if (in_ratio < ratio[0]) {
        h = static_cast<int>(std::nearbyint(w / ratio[0]));
    } else if (in_ratio > ratio[1]) {
        w = static_cast<int>(std::nearbyint(h * ratio[1]));
    }
    return {(height - h) / 2, (width - w) / 2, h, w};
}

at::Tensor augment_for_training(const at::Tensor& image_hwc_u8, int size, std::mt19937_64& rng,
                                const ImagenetTransform& normalisation) {
    const at::Tensor rgb = to_rgb(image_hwc_u8);
    const CropBox box = random_resized_crop_box(static_cast<int>(rgb.size(0)), static_cast<int>(rgb.size(1)), rng);
    // torchvision crops the PIL image, then resizes the crop.
    const at::Tensor crop =
        rgb.slice(0, box.top, box.top + box.height).slice(1, box.left, box.left + box.width).contiguous();
    at::Tensor resized = pillow_resize(crop, size, size, ResampleFilter::bilinear);
    if (uniform(rng, 0.0, 1.0) < 0.5) resized = resized.flip({1}).contiguous();
    return imagenet_normalize(resized, normalisation);
}

std::mt19937_64 sample_rng(uint64_t seed, int64_t epoch, int64_t index) {
    std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32), static_cast<uint32_t>(epoch),
                      static_cast<uint32_t>(index), static_cast<uint32_t>(index >> 32)};
    return std::mt19937_64(seq);
}

}  // namespace pictor
