// Reading and writing image files.
//
// Images are uint8 tensors in HWC layout on the CPU with 1 (gray), 2 (gray+alpha), 3 (RGB) or
// 4 (RGBA) channels. PNG (8 and 16 bit, palette, gray, alpha) and JPEG are read with libpng and
// libjpeg; PNG is written with libpng. Errors name the file.
#pragma once

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <map>
#include <string>

namespace pictor {

// Decodes a PNG or JPEG (detected from the content, not the extension) to uint8 HWC.
at::Tensor read_image(const std::filesystem::path& path);

// Converts uint8 HWC with 1..4 channels to RGB the way Pillow's convert("RGB") does: alpha is
// dropped (not composited), gray is replicated.
at::Tensor to_rgb(const at::Tensor& hwc_u8);

// Writes uint8 HWC (1, 3 or 4 channels) as PNG with tEXt/iTXt chunks (key → value), atomically.
void write_png(const std::filesystem::path& path, const at::Tensor& hwc_u8,
               const std::map<std::string, std::string>& text = {});

// The text chunks (tEXt, zTXt, iTXt) of a PNG file. Throws pictor::Error if it is not a PNG.
std::map<std::string, std::string> read_png_text(const std::filesystem::path& path);

// Float images in [0, 1] (HWC or NHWC) to uint8 with round-half-to-even of x*255, as
// diffusers' numpy_to_pil does ((x * 255).round()).
at::Tensor float_to_u8(const at::Tensor& image01);

}  // namespace pictor
