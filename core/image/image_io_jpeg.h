// The JPEG decoder behind read_image (core/image/image_io.h describes what it returns: gray → 1
// channel, YCbCr/RGB → 3, CMYK/YCCK → RGB with Pillow's formula). Internal to core/image.
//
// Failure contract: throws pictor::Error naming the file (corrupt or truncated data, too many
// pixels); libjpeg errors never crash or leak.
// Thread-safety: no shared state; each call has its own libjpeg structs.
#pragma once

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <vector>

namespace pictor::image_detail {

// Decodes a whole JPEG file (its bytes, `path` for messages) to uint8 HWC.
at::Tensor decode_jpeg(const std::vector<unsigned char>& bytes, const std::filesystem::path& path);

}  // namespace pictor::image_detail
