#include "core/image/image_io_png.h"

#include <ATen/ATen.h>

#include <csetjmp>
#include <cstring>

#include "core/image/image_io_common.h"
#include "core/image/image_io_png_text.h"
#include "core/util/error.h"

// libpng reports errors by longjmp. Every function in this file that calls setjmp is written in
// C style: no object with a destructor is alive in its frame (or in any frame the longjmp skips),
// all buffers and library handles are owned by the C++ caller, which runs after the setjmp
// function returned false and turns the stored message into a pictor::Error.

namespace pictor::image_detail {

namespace fs = std::filesystem;

namespace {

void png_read_cb(png_structp png, png_bytep out, size_t n) {
    auto* io = static_cast<PngIo*>(png_get_io_ptr(png));
    if (n > io->size - io->pos) png_error(png, "file is truncated");
    std::memcpy(out, io->data + io->pos, n);
    io->pos += n;
}

// Owns the libpng read structs (destroyed by the C++ caller, never across a longjmp).
struct PngReadHandles {
    png_structp png = nullptr;
    png_infop info = nullptr;
    ~PngReadHandles() {
        if (png) png_destroy_read_struct(&png, info ? &info : nullptr, nullptr);
    }
};

struct PngLayout {
    uint32_t width = 0, height = 0;
    int channels = 0;
    bool gray16 = false;  // 16-bit gray without alpha: kept 16-bit, clipped later (see below)
    size_t rowbytes = 0;
};

// Reads the header and sets up the transformations. C style: see the note at the top.
bool png_start(PngReadHandles* h, PngIo* io, PngLayout* layout) {
    if (setjmp(png_jmpbuf(h->png))) return false;
    png_set_read_fn(h->png, io, png_read_cb);
    png_set_user_limits(h->png, 1u << 20, 1u << 20);
    png_read_info(h->png, h->info);

    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0;
    png_get_IHDR(h->png, h->info, &width, &height, &bit_depth, &color_type, nullptr, nullptr, nullptr);
    layout->width = width;
    layout->height = height;
    if (static_cast<uint64_t>(width) * height > static_cast<uint64_t>(kMaxImagePixels)) {
        std::snprintf(io->message, sizeof io->message, "declares %ux%u pixels, more than the limit of %lld (possible decompression bomb)",
                      width, height, static_cast<long long>(kMaxImagePixels));
        return false;
    }

    // Ref: Pillow 9.4 PngImagePlugin._MODES and Convert.c — what Image.open(f).convert("RGB") gives.
    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_set_palette_to_rgb(h->png);
        if (png_get_valid(h->png, h->info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(h->png);
    }
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(h->png);
    if (bit_depth == 16) {
        if (color_type == PNG_COLOR_TYPE_GRAY) {
            // Pillow opens 16-bit gray as mode "I" and convert("RGB"/"L") clips the value to 255
            // (Convert.c i2rgb), it does not take the high byte. Reproduced for parity.
            layout->gray16 = true;
        } else {
            // "LA;16B", "RGB;16B", "RGBA;16B" unpack the high byte of each sample.
            png_set_strip_16(h->png);
        }
    }
    png_set_interlace_handling(h->png);
    png_read_update_info(h->png, h->info);
    layout->channels = png_get_channels(h->png, h->info);
    layout->rowbytes = png_get_rowbytes(h->png, h->info);
    return true;
}

bool png_finish(PngReadHandles* h, png_bytep* rows) {
    if (setjmp(png_jmpbuf(h->png))) return false;
    png_read_image(h->png, rows);
    png_read_end(h->png, h->info);  // also checks the trailing chunks and reads text after IDAT
    return true;
}

// libpng allocates an ancillary chunk's declared length before reading its data (png_read_buffer),
// so a 249-byte file declaring a 1.8 GB zTXt chunk cost 1.8 GB (found by fuzz/fuzz_png). The whole
// file is in memory here: every chunk up to IEND must fit in it, which bounds those allocations.
void check_chunk_lengths(const std::vector<unsigned char>& bytes, const fs::path& path) {
    static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (bytes.size() < 8 || std::memcmp(bytes.data(), signature, 8) != 0) return;  // libpng reports it
    size_t pos = 8;
    while (bytes.size() - pos >= 8) {
        const uint32_t length = (uint32_t{bytes[pos]} << 24) | (uint32_t{bytes[pos + 1]} << 16) |
                                (uint32_t{bytes[pos + 2]} << 8) | uint32_t{bytes[pos + 3]};
        const std::string type(reinterpret_cast<const char*>(&bytes[pos + 4]), 4);
        if (length > bytes.size() - pos - 8 || bytes.size() - pos - 8 - length < 4)
            fail("cannot read PNG '" + path.string() + "': chunk at byte " + std::to_string(pos) + " declares " +
                 std::to_string(length) + " bytes, past the end of the file (truncated or corrupt)");
        if (type == "IEND") break;
        pos += 12 + static_cast<size_t>(length);
    }
}

}  // namespace

PngResult decode_png(const std::vector<unsigned char>& bytes, const fs::path& path) {
    check_chunk_lengths(bytes, path);
    PngIo io;
    io.data = bytes.data();
    io.size = bytes.size();
    PngReadHandles h;
    h.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &io, png_error_cb, png_warning_cb);
    if (!h.png) fail("cannot read PNG '" + path.string() + "': out of memory");
    h.info = png_create_info_struct(h.png);
    if (!h.info) fail("cannot read PNG '" + path.string() + "': out of memory");

    PngLayout layout;
    if (!png_start(&h, &io, &layout)) fail("cannot read PNG '" + path.string() + "': " + io.message);
    check_pixel_count(path, layout.width, layout.height);

    const int64_t H = layout.height, W = layout.width, C = layout.channels;
    std::vector<unsigned char> buffer;
    at::Tensor out = at::empty({H, W, C}, at::kByte);
    unsigned char* base = out.data_ptr<uint8_t>();
    size_t stride = static_cast<size_t>(W * C);
    if (layout.gray16) {
        buffer.resize(static_cast<size_t>(H) * layout.rowbytes);
        base = buffer.data();
        stride = layout.rowbytes;
    } else if (layout.rowbytes != stride) {
        fail("cannot read PNG '" + path.string() + "': unexpected row size");
    }
    std::vector<png_bytep> rows(static_cast<size_t>(H));
    for (int64_t y = 0; y < H; ++y) rows[y] = base + y * stride;
    if (!png_finish(&h, rows.data())) fail("cannot read PNG '" + path.string() + "': " + io.message);

    if (layout.gray16) {
        uint8_t* dst = out.data_ptr<uint8_t>();
        for (int64_t i = 0; i < H * W; ++i) {
            const unsigned v = (static_cast<unsigned>(buffer[2 * i]) << 8) | buffer[2 * i + 1];
            dst[i] = static_cast<uint8_t>(v > 255 ? 255 : v);
        }
    }

    PngResult result;
    result.pixels = out;
    png_textp text = nullptr;
    int num_text = 0;
    png_get_text(h.png, h.info, &text, &num_text);
    for (int i = 0; i < num_text; ++i) {
        const std::string key = latin1_to_utf8(text[i].key, std::strlen(text[i].key));
        const bool itxt = text[i].compression == PNG_ITXT_COMPRESSION_NONE ||
                          text[i].compression == PNG_ITXT_COMPRESSION_zTXt;
        const size_t len = itxt ? text[i].itxt_length : text[i].text_length;
        const char* value = text[i].text ? text[i].text : "";
        result.text[key] = itxt ? std::string(value, len) : latin1_to_utf8(value, len);
    }
    return result;
}

}  // namespace pictor::image_detail
