// Image resampling that reproduces Pillow's Image.resize bit for bit.
//
// Pillow resamples separably (horizontal pass, then vertical) with support scaled by the
// downscale factor (antialiasing), 8-bit intermediate results and fixed-point coefficients
// (see Pillow's src/libImaging/Resample.c). CLIP's processor uses BICUBIC and torchvision's
// presets BILINEAR on PIL images; matching Pillow is what makes preprocessing exact.
#pragma once

#include <ATen/core/Tensor.h>

namespace pictor {

enum class ResampleFilter { nearest, bilinear, bicubic, lanczos };

// uint8 HWC (any channel count) → uint8 HWC of size height × width.
at::Tensor pillow_resize(const at::Tensor& hwc_u8, int width, int height, ResampleFilter filter);

// Size after resizing the shorter side to `shorter`, as torchvision's Resize(int) computes it
// (long side = int(shorter * long / short)). Returns {width, height}.
std::pair<int, int> shorter_side_size(int width, int height, int shorter);

// Center crop of uint8 HWC. `round_half_even` selects torchvision's int(round((h - size) / 2))
// offsets; otherwise HF's floor((h - size) / 2).
at::Tensor center_crop(const at::Tensor& hwc_u8, int size_w, int size_h, bool round_half_even);

}  // namespace pictor
