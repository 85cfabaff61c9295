// What the PNG reader and writer of core/image share: libpng's error plumbing and the decoder of a
// PNG in memory (pixels as image_io.h describes them, plus the text chunks). Internal to core/image.
//
// Failure contract: decode_png throws pictor::Error naming the file for every problem (truncated
// data, bad CRC, corrupt stream, too many pixels). png_error_cb longjmps (libpng's contract) after
// storing the message in the PngIo given as error pointer; see the note in image_io_png_read.cpp.
// Thread-safety: no shared state; each call has its own libpng structs.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <png.h>

namespace pictor::image_detail {

// The error pointer of a libpng read or write struct (and the io pointer of a read from memory).
struct PngIo {
    const unsigned char* data = nullptr;
    size_t size = 0;
    size_t pos = 0;
    char message[256] = {};
};

inline void png_error_cb(png_structp png, png_const_charp msg) {
    auto* io = static_cast<PngIo*>(png_get_error_ptr(png));
    std::snprintf(io->message, sizeof io->message, "%s", msg ? msg : "unknown libpng error");
    png_longjmp(png, 1);
}

inline void png_warning_cb(png_structp, png_const_charp) {}

struct PngResult {
    at::Tensor pixels;
    std::map<std::string, std::string> text;
};

// Decodes a whole PNG file (its bytes, `path` for messages).
PngResult decode_png(const std::vector<unsigned char>& bytes, const std::filesystem::path& path);

}  // namespace pictor::image_detail
