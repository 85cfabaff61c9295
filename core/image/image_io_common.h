// Helpers shared by the image readers and writers of core/image/image_io.h: reading a file into
// memory, the pixel-count limit, format detection from the content, and the check of an HWC
// uint8 tensor. Internal to core/image.
//
// Failure contract: read_file_bytes, check_pixel_count and checked_hwc_u8 throw pictor::Error
// naming the file (or the calling function); is_png / is_jpeg never throw.
// Thread-safety: pure functions, no shared state.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <vector>

namespace pictor::image_detail {

// Pillow's DecompressionBombError threshold (2 × Image.MAX_IMAGE_PIXELS). Checked from the header
// before anything is allocated, so a 100000×100000 PNG of a few bytes is refused cheaply.
inline constexpr int64_t kMaxImagePixels = 2 * 89478485LL;

// The whole file; larger than 1 GiB is refused.
std::vector<unsigned char> read_file_bytes(const std::filesystem::path& path);

// Throws for a zero width or height, or more than kMaxImagePixels pixels.
void check_pixel_count(const std::filesystem::path& path, uint64_t width, uint64_t height);

// The format from the first bytes (the signature), not from the file name.
bool is_png(const std::vector<unsigned char>& bytes);
bool is_jpeg(const std::vector<unsigned char>& bytes);

// `image` as a contiguous CPU uint8 HWC tensor with min_c..max_c channels; else throws
// "<what>: expected a uint8 HWC image with …".
at::Tensor checked_hwc_u8(const at::Tensor& image, const char* what, int min_c, int max_c);

}  // namespace pictor::image_detail
