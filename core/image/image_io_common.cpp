#include "core/image/image_io_common.h"

#include <fstream>
#include <string>

#include <png.h>

#include "core/util/error.h"

namespace pictor::image_detail {

namespace fs = std::filesystem;

namespace {

// Files larger than this are not read into memory (no real PNG/JPEG the app handles is near it).
constexpr std::uintmax_t kMaxFileBytes = 1ULL << 30;

}  // namespace

std::vector<unsigned char> read_file_bytes(const fs::path& path) {
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec) fail("cannot read image '" + path.string() + "': " + ec.message());
    if (size > kMaxFileBytes) fail("cannot read image '" + path.string() + "': file is larger than 1 GiB");
    std::ifstream in(path, std::ios::binary);
    if (!in) fail("cannot open image '" + path.string() + "'");
    std::vector<unsigned char> bytes(size);
    in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
    if (static_cast<std::uintmax_t>(in.gcount()) != size) fail("cannot read image '" + path.string() + "'");
    return bytes;
}

void check_pixel_count(const fs::path& path, uint64_t width, uint64_t height) {
    if (width == 0 || height == 0) fail("image '" + path.string() + "' has zero width or height");
    if (width * height > static_cast<uint64_t>(kMaxImagePixels)) {
        fail("image '" + path.string() + "' declares " + std::to_string(width) + "x" + std::to_string(height) +
             " pixels, more than the limit of " + std::to_string(kMaxImagePixels) +
             " (possible decompression bomb)");
    }
}

bool is_png(const std::vector<unsigned char>& bytes) {
    return bytes.size() >= 8 && png_sig_cmp(bytes.data(), 0, 8) == 0;
}
bool is_jpeg(const std::vector<unsigned char>& bytes) {
    return bytes.size() >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF;
}

at::Tensor checked_hwc_u8(const at::Tensor& image, const char* what, int min_c, int max_c) {
    if (!image.defined() || image.dim() != 3 || image.scalar_type() != at::kByte ||
        image.size(2) < min_c || image.size(2) > max_c) {
        fail(std::string(what) + ": expected a uint8 HWC image with " + std::to_string(min_c) + ".." +
             std::to_string(max_c) + " channels, got " +
             (image.defined() ? std::string(image.sizes().vec().empty() ? "a scalar" : "shape ") +
                                    c10::str(image.sizes()) + " " + std::string(c10::toString(image.scalar_type()))
                              : std::string("an undefined tensor")));
    }
    return image.cpu().contiguous();
}

}  // namespace pictor::image_detail
