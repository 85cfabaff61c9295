// write_png of core/image/image_io.h: 8-bit PNG with tEXt / iTXt chunks, written atomically.
#include "core/image/image_io.h"

#include <cerrno>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <optional>
#include <vector>

#include <png.h>

#include "core/image/image_io_common.h"
#include "core/image/image_io_png.h"
#include "core/image/image_io_png_text.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/utf8.h"

// libpng reports errors by longjmp. Every function in this file that calls setjmp is written in
// C style: no object with a destructor is alive in its frame (or in any frame the longjmp skips),
// all buffers and library handles are owned by the C++ caller, which runs after the setjmp
// function returned false and turns the stored message into a pictor::Error.

namespace pictor {

namespace fs = std::filesystem;

using image_detail::checked_hwc_u8;
using image_detail::png_error_cb;
using image_detail::png_warning_cb;
using image_detail::PngIo;
using image_detail::utf8_to_latin1;

namespace {

struct PngWriteHandles {
    png_structp png = nullptr;
    png_infop info = nullptr;
    ~PngWriteHandles() {
        if (png) png_destroy_write_struct(&png, info ? &info : nullptr);
    }
};

bool png_write_all(PngWriteHandles* h, PngIo* io, std::FILE* file, uint32_t width, uint32_t height,
                   int color_type, png_textp text, int num_text, png_bytep* rows) {
    if (setjmp(png_jmpbuf(h->png))) return false;
    png_init_io(h->png, file);
    png_set_IHDR(h->png, h->info, width, height, 8, color_type, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (num_text > 0) png_set_text(h->png, h->info, text, num_text);
    png_write_info(h->png, h->info);
    png_write_image(h->png, rows);
    png_write_end(h->png, h->info);
    (void)io;
    return true;
}

bool valid_png_keyword(const std::string& latin1) {
    if (latin1.empty() || latin1.size() > 79) return false;
    if (latin1.front() == ' ' || latin1.back() == ' ') return false;
    for (size_t i = 0; i < latin1.size(); ++i) {
        const auto c = static_cast<unsigned char>(latin1[i]);
        if (!((c >= 32 && c <= 126) || c >= 161)) return false;
        if (c == ' ' && i > 0 && latin1[i - 1] == ' ') return false;
    }
    return true;
}

}  // namespace

void write_png(const fs::path& path, const at::Tensor& hwc_u8, const std::map<std::string, std::string>& text) {
    const at::Tensor image = checked_hwc_u8(hwc_u8, ("write_png '" + path.string() + "'").c_str(), 1, 4);
    const int64_t H = image.size(0), W = image.size(1), C = image.size(2);
    if (H < 1 || W < 1 || H > (1 << 20) || W > (1 << 20)) {
        fail("write_png '" + path.string() + "': image size " + std::to_string(W) + "x" + std::to_string(H) +
             " is out of range");
    }
    static const int kColorTypes[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                       PNG_COLOR_TYPE_RGB_ALPHA};

    // Chunk contents, owned here; png_text points into them.
    std::vector<std::string> keys, values;
    std::vector<bool> international;
    for (const auto& [key, value] : text) {
        const auto key_latin1 = utf8_to_latin1(key);
        if (!key_latin1 || !valid_png_keyword(*key_latin1)) {
            fail("write_png '" + path.string() + "': invalid PNG text key '" + key +
                 "' (1-79 Latin-1 characters, no leading/trailing/double spaces)");
        }
        if (value.find('\0') != std::string::npos) {
            fail("write_png '" + path.string() + "': text chunk '" + key + "' contains a NUL character");
        }
        auto value_latin1 = utf8_to_latin1(value);
        std::vector<uint32_t> cps;
        if (!value_latin1 && !decode_utf8(value, cps)) {
            fail("write_png '" + path.string() + "': text chunk '" + key + "' is not valid UTF-8");
        }
        keys.push_back(*key_latin1);
        international.push_back(!value_latin1.has_value());
        values.push_back(value_latin1 ? *value_latin1 : value);
    }
    std::vector<png_text> chunks(keys.size());
    for (size_t i = 0; i < keys.size(); ++i) {
        std::memset(&chunks[i], 0, sizeof(png_text));
        chunks[i].key = keys[i].data();
        chunks[i].text = values[i].data();
        if (international[i]) {
            chunks[i].compression = PNG_ITXT_COMPRESSION_NONE;
            chunks[i].itxt_length = values[i].size();
            chunks[i].lang = const_cast<char*>("");
            chunks[i].lang_key = const_cast<char*>("");
        } else {
            chunks[i].compression = PNG_TEXT_COMPRESSION_NONE;
            chunks[i].text_length = values[i].size();
        }
    }

    uint8_t* base = image.data_ptr<uint8_t>();
    std::vector<png_bytep> rows(static_cast<size_t>(H));
    for (int64_t y = 0; y < H; ++y) rows[y] = base + y * W * C;

    write_file_atomically(path, [&](const fs::path& temp) {
        std::FILE* file = std::fopen(temp.c_str(), "wb");
        if (!file) fail("cannot open '" + temp.string() + "' for writing: " + std::strerror(errno));
        PngIo io;
        PngWriteHandles h;
        h.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &io, png_error_cb, png_warning_cb);
        if (h.png) h.info = png_create_info_struct(h.png);
        errno = 0;
        const bool ok = h.png && h.info &&
                        png_write_all(&h, &io, file, static_cast<uint32_t>(W), static_cast<uint32_t>(H),
                                      kColorTypes[C], chunks.data(), static_cast<int>(chunks.size()), rows.data());
        const int write_errno = errno;  // libpng's fwrite failure ("Write Error") leaves the reason here
        const bool flushed = std::fflush(file) == 0;
        const int flush_errno = errno;
        const bool closed = std::fclose(file) == 0;
        const int close_errno = errno;
        if (!ok && (write_errno == ENOSPC || write_errno == EDQUOT || write_errno == EFBIG)) fail_write(path, "PNG", write_errno);
        if (!ok) fail("cannot write PNG '" + path.string() + "': " + (io.message[0] ? io.message : "out of memory"));
        if (!flushed) fail_write(path, "PNG", flush_errno);
        if (!closed) fail_write(path, "PNG", close_errno);
    });
}

}  // namespace pictor
