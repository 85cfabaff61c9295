// The front doors of image_io.h that are not one format's: reading with the format detected from
// the content, and the pixel conversions. The formats live beside this file: image_io_png_read,
// image_io_png_write, image_io_jpeg (and the helpers they share, image_io_common, image_io_png_text).
#include "core/image/image_io.h"

#include <ATen/ATen.h>

#include <vector>

#include "core/image/image_io_common.h"
#include "core/image/image_io_jpeg.h"
#include "core/image/image_io_png.h"
#include "core/util/error.h"

namespace pictor {

namespace fs = std::filesystem;
using image_detail::checked_hwc_u8;
using image_detail::decode_jpeg;
using image_detail::decode_png;
using image_detail::is_jpeg;
using image_detail::is_png;
using image_detail::read_file_bytes;

at::Tensor read_image(const fs::path& path) {
    const std::vector<unsigned char> bytes = read_file_bytes(path);
    if (bytes.empty()) fail("cannot read image '" + path.string() + "': the file is empty");
    if (is_png(bytes)) return decode_png(bytes, path).pixels;
    if (is_jpeg(bytes)) return decode_jpeg(bytes, path);
    fail("cannot read image '" + path.string() + "': not a PNG or JPEG file");
}

at::Tensor to_rgb(const at::Tensor& hwc_u8) {
    const at::Tensor image = checked_hwc_u8(hwc_u8, "to_rgb", 1, 4);
    using at::indexing::Slice;
    switch (image.size(2)) {
        case 1: return image.expand({-1, -1, 3}).contiguous();
        case 2: return image.index({Slice(), Slice(), Slice(0, 1)}).expand({-1, -1, 3}).contiguous();
        case 3: return image;
        default: return image.index({Slice(), Slice(), Slice(0, 3)}).contiguous();
    }
}

std::map<std::string, std::string> read_png_text(const fs::path& path) {
    const std::vector<unsigned char> bytes = read_file_bytes(path);
    if (!is_png(bytes)) fail("cannot read text chunks of '" + path.string() + "': not a PNG file");
    return decode_png(bytes, path).text;
}

at::Tensor float_to_u8(const at::Tensor& image01) {
    if (!image01.defined() || !at::isFloatingType(image01.scalar_type())) {
        fail("float_to_u8: expected a floating-point image in [0, 1]");
    }
    // Computed in the input's own precision like numpy: (x * 255).round() — round half to even.
    const at::Tensor x = image01.scalar_type() == at::kDouble ? image01 : image01.to(at::kFloat);
    return (x.clamp(0.0, 1.0) * 255.0).round().to(at::kByte);
}

}  // namespace pictor
