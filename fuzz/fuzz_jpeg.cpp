// JPEG reader (libjpeg through image_io_jpeg.cpp: error manager, pixel limits, colour spaces).
// Contract (core/image/image_io.h): a bad file throws pictor::Error. The harness catches
// pictor::Error only and checks the decoded tensor's shape. Frames over 16M pixels are skipped
// (see declared_pixels).
#include <ATen/ATen.h>

#include "core/image/image_io_jpeg.h"
#include "core/util/error.h"
#include "fuzz/fuzz_support.h"

namespace {

// The pixels a frame header (SOFn) declares, 0 when there is none. libjpeg pads a frame whose
// entropy data ends early ("premature end of data segment", a warning, as in Pillow), so a
// 141-byte file can declare and decode 63239 x 2561 CMYK pixels: within the Pillow-parity limit
// (kMaxImagePixels), about a second natively but over the 20 s timeout under ASan. That cost is the
// documented limit, not a parser bug; the harness leaves such inputs out to spend its time on the
// parsing.
uint64_t declared_pixels(const uint8_t* d, size_t n) {
    for (size_t i = 2; i + 9 <= n; ++i) {
        if (d[i] != 0xff) continue;
        const uint8_t m = d[i + 1];
        if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc)
            return uint64_t{static_cast<uint32_t>(d[i + 5] << 8 | d[i + 6])} * static_cast<uint32_t>(d[i + 7] << 8 | d[i + 8]);
    }
    return 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (declared_pixels(data, size) > (uint64_t{1} << 24)) return 0;
    const std::vector<unsigned char> bytes(data, data + size);
    try {
        const at::Tensor px = pictor::image_detail::decode_jpeg(bytes, "fuzz.jpg");
        if (px.dim() != 3 || px.scalar_type() != at::kByte || px.size(2) < 1 || px.size(2) > 4)
            pictor::fuzz::finding("decoded JPEG is not an HWC uint8 image");
        (void)px.sum();
    } catch (const pictor::Error&) {
    }
    return 0;
}
