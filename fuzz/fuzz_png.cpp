// PNG reader (libpng through image_io_png_read.cpp: header limits, transformations, text chunks).
// Contract (core/image/image_io.h): a bad file throws pictor::Error. The harness catches
// pictor::Error only and checks the decoded tensor's shape.
#include <ATen/ATen.h>

#include "core/image/image_io_png.h"
#include "core/util/error.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::vector<unsigned char> bytes(data, data + size);
    try {
        const auto result = pictor::image_detail::decode_png(bytes, "fuzz.png");
        const at::Tensor& px = result.pixels;
        if (px.dim() != 3 || px.scalar_type() != at::kByte || px.size(2) < 1 || px.size(2) > 4)
            pictor::fuzz::finding("decoded PNG is not an HWC uint8 image");
        (void)px.sum();
    } catch (const pictor::Error&) {
    }
    return 0;
}
