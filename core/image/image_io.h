// Reading and writing image files.
//
// Images are uint8 tensors in HWC layout on the CPU with 1 (gray), 2 (gray+alpha), 3 (RGB) or
// 4 (RGBA) channels. PNG (8 and 16 bit, palette, gray, alpha) and JPEG are read with libpng and
// libjpeg; PNG is written with libpng. Errors name the file.
//
// What is returned matches Pillow 9.4's Image.open(f) followed by convert("RGB") (to_rgb):
//   - PNG gray/gray+alpha/RGB/RGBA 8-bit: as stored (1, 2, 3, 4 channels).
//   - PNG 1/2/4-bit gray: scaled to 0..255 (×255, ×85, ×17) like Pillow's "1"/"L;2"/"L;4".
//   - PNG palette: expanded to RGB, or RGBA when it has a tRNS chunk (to_rgb drops it again).
//   - PNG 16-bit gray+alpha/RGB/RGBA: the high byte of each sample (Pillow's "…;16B" unpackers).
//   - PNG 16-bit gray: min(value, 255). Pillow opens it as mode "I" and convert("RGB"/"L") clips
//     (Convert.c i2rgb) rather than scaling; reproduced for parity with the Python tools.
//   - JPEG gray → 1 channel, YCbCr/RGB → 3, CMYK/YCCK → RGB with Pillow's cmyk2rgb formula
//     (inverted first when an Adobe marker is present, as Pillow's "CMYK;I").
//   - tRNS on gray/RGB PNGs, gAMA/iCCP and EXIF orientation are ignored (as Image.open +
//     convert("RGB") do).
// Failure contract: every problem (missing/empty/unknown file, truncated data, bad CRC, corrupt
// stream, more than 178,956,970 pixels = Pillow's decompression-bomb limit) throws pictor::Error
// naming the file; libpng/libjpeg errors never crash or leak. All functions are thread-safe
// (no shared state).
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

// Writes uint8 HWC (1, 2, 3 or 4 channels) as 8-bit PNG with text chunks (key → value, UTF-8),
// atomically (temporary file + rename; nothing is left behind on error). Like Pillow's
// PngInfo.add_text, a value representable in Latin-1 is written as tEXt, any other as iTXt
// (UTF-8, uncompressed). Keys must be 1-79 Latin-1 characters; a NUL in a value or invalid UTF-8
// is refused (pictor::Error).
void write_png(const std::filesystem::path& path, const at::Tensor& hwc_u8,
               const std::map<std::string, std::string>& text = {});

// The text chunks (tEXt, zTXt, iTXt, before and after the image data) of a PNG file, as UTF-8.
// Throws pictor::Error if it is not a readable PNG (the image data is decoded to reach trailing
// chunks and check the CRCs).
std::map<std::string, std::string> read_png_text(const std::filesystem::path& path);

// Float images in [0, 1] (HWC or NHWC) to uint8 with round-half-to-even of x*255, as
// diffusers' numpy_to_pil does ((x * 255).round()).
at::Tensor float_to_u8(const at::Tensor& image01);

}  // namespace pictor
