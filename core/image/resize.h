// Image resampling that reproduces Pillow's Image.resize bit for bit.
//
// Pillow resamples separably (horizontal pass, then vertical) with support scaled by the
// downscale factor (antialiasing), 8-bit intermediate results and fixed-point coefficients
// (see Pillow's src/libImaging/Resample.c). CLIP's processor uses BICUBIC and torchvision's
// presets BILINEAR on PIL images; matching Pillow is what makes preprocessing exact.
#pragma once

#include <ATen/core/Tensor.h>

#include <array>
#include <utility>

namespace pictor {

enum class ResampleFilter { nearest, bilinear, bicubic, lanczos };

// uint8 HWC (any channel count) → uint8 HWC of size height × width, equal to
// Image.resize((width, height), filter) of Pillow 9.4. 2- and 4-channel images are treated as LA /
// RGBA: resized premultiplied and un-premultiplied afterwards, as Pillow does.
// Throws pictor::Error for a non-uint8/non-HWC input or a size < 1. Pure function, thread-safe.
at::Tensor pillow_resize(const at::Tensor& hwc_u8, int width, int height, ResampleFilter filter);

// The same with Pillow's `box` = {x0, y0, x1, y1}: the source region (float pixel coordinates)
// that is scaled to width × height. Errors as Pillow's: negative offset, exceeding the image, empty.
at::Tensor pillow_resize(const at::Tensor& hwc_u8, int width, int height, ResampleFilter filter,
                         const std::array<float, 4>& box);

// Size after resizing the shorter side to `shorter`, as torchvision's Resize(int) computes it
// (long side = int(shorter * long / short)). Returns {width, height}.
std::pair<int, int> shorter_side_size(int width, int height, int shorter);

// Center crop of uint8 HWC. `round_half_even` selects torchvision's int(round((h - size) / 2))
// offsets; otherwise HF's floor((h - size) / 2). Throws pictor::Error when the crop is larger
// than the image (no padding).
at::Tensor center_crop(const at::Tensor& hwc_u8, int size_w, int size_h, bool round_half_even);

}  // namespace pictor
