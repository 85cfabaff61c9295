#include "core/image/image_io.h"

#include <ATen/ATen.h>

#include <cerrno>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <vector>

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>

#include "core/util/atomic_file.h"
#include "core/util/error.h"

// libpng and libjpeg report errors by longjmp. Every function below that calls setjmp is written
// in C style: no object with a destructor is alive in its frame (or in any frame the longjmp
// skips), all buffers and library handles are owned by the C++ caller, which runs after the
// setjmp function returned false and turns the stored message into a pictor::Error.

namespace pictor {

namespace fs = std::filesystem;

namespace {

// Pillow's DecompressionBombError threshold (2 × Image.MAX_IMAGE_PIXELS). Checked from the header
// before anything is allocated, so a 100000×100000 PNG of a few bytes is refused cheaply.
constexpr int64_t kMaxImagePixels = 2 * 89478485LL;
// Files larger than this are not read into memory (no real PNG/JPEG the app handles is near it).
constexpr std::uintmax_t kMaxFileBytes = 1ULL << 30;

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

// ---------------------------------------------------------------------------------------------
// Latin-1 <-> UTF-8 (PNG tEXt/zTXt keys and values are Latin-1, iTXt values UTF-8).

std::string latin1_to_utf8(const char* s, size_t n) {
    std::string out;
    out.reserve(n);
    for (size_t i = 0; i < n; ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back(static_cast<char>(0xC0 | (c >> 6)));
            out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
        }
    }
    return out;
}

// Decodes UTF-8 into code points; false when `s` is not valid UTF-8.
bool decode_utf8(const std::string& s, std::vector<uint32_t>& cps) {
    cps.clear();
    for (size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        int extra = 0;
        uint32_t cp = 0;
        if (c < 0x80) {
            cp = c;
        } else if ((c & 0xE0) == 0xC0) {
            cp = c & 0x1F, extra = 1;
        } else if ((c & 0xF0) == 0xE0) {
            cp = c & 0x0F, extra = 2;
        } else if ((c & 0xF8) == 0xF0) {
            cp = c & 0x07, extra = 3;
        } else {
            return false;
        }
        if (i + extra >= s.size()) return false;
        for (int k = 1; k <= extra; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        static const uint32_t min_cp[4] = {0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        cps.push_back(cp);
        i += extra + 1;
    }
    return true;
}

// UTF-8 → Latin-1 if every character is in Latin-1 (what Pillow's PngInfo.add_text checks to pick
// tEXt over iTXt).
std::optional<std::string> utf8_to_latin1(const std::string& s) {
    std::vector<uint32_t> cps;
    if (!decode_utf8(s, cps)) return std::nullopt;
    std::string out;
    out.reserve(cps.size());
    for (uint32_t cp : cps) {
        if (cp > 0xFF) return std::nullopt;
        out.push_back(static_cast<char>(cp));
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// PNG

struct PngIo {
    const unsigned char* data = nullptr;
    size_t size = 0;
    size_t pos = 0;
    char message[256] = {};
};

void png_error_cb(png_structp png, png_const_charp msg) {
    auto* io = static_cast<PngIo*>(png_get_error_ptr(png));
    std::snprintf(io->message, sizeof io->message, "%s", msg ? msg : "unknown libpng error");
    png_longjmp(png, 1);
}

void png_warning_cb(png_structp, png_const_charp) {}

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

bool is_png(const std::vector<unsigned char>& bytes) {
    return bytes.size() >= 8 && png_sig_cmp(bytes.data(), 0, 8) == 0;
}
bool is_jpeg(const std::vector<unsigned char>& bytes) {
    return bytes.size() >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF;
}

struct PngResult {
    at::Tensor pixels;
    std::map<std::string, std::string> text;
};

PngResult decode_png(const std::vector<unsigned char>& bytes, const fs::path& path) {
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

// ---------------------------------------------------------------------------------------------
// JPEG

struct JpegErrorMgr {
    jpeg_error_mgr pub;  // first member: libjpeg hands us a pointer to it
    std::jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

void jpeg_error_exit_cb(j_common_ptr cinfo) {
    auto* err = reinterpret_cast<JpegErrorMgr*>(cinfo->err);
    (*cinfo->err->format_message)(cinfo, err->message);
    std::longjmp(err->jump, 1);
}

// Warnings are ignored except a premature end of data: Pillow refuses truncated JPEGs
// ("image file is truncated"), libjpeg would silently pad them with gray.
void jpeg_emit_message_cb(j_common_ptr cinfo, int level) {
    if (level == -1 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
        auto* err = reinterpret_cast<JpegErrorMgr*>(cinfo->err);
        std::snprintf(err->message, sizeof err->message, "file is truncated");
        std::longjmp(err->jump, 1);
    }
}

struct JpegHandles {
    jpeg_decompress_struct cinfo;
    JpegErrorMgr err;
    bool created = false;
    ~JpegHandles() {
        if (created) jpeg_destroy_decompress(&cinfo);
    }
};

struct JpegLayout {
    uint32_t width = 0, height = 0;
    int components = 0;
    bool cmyk = false, inverted = false;
};

bool jpeg_start(JpegHandles* h, const unsigned char* data, size_t size, JpegLayout* layout) {
    if (setjmp(h->err.jump)) return false;
    jpeg_create_decompress(&h->cinfo);
    h->created = true;
    jpeg_mem_src(&h->cinfo, data, static_cast<unsigned long>(size));
    jpeg_read_header(&h->cinfo, TRUE);
    layout->width = h->cinfo.image_width;
    layout->height = h->cinfo.image_height;
    if (static_cast<uint64_t>(layout->width) * layout->height > static_cast<uint64_t>(kMaxImagePixels)) {
        std::snprintf(h->err.message, sizeof h->err.message,
                      "declares %ux%u pixels, more than the limit of %lld (possible decompression bomb)",
                      layout->width, layout->height, static_cast<long long>(kMaxImagePixels));
        return false;
    }
    // Ref: Pillow 9.4 JpegImagePlugin (mode from the component count, "CMYK;I" when an Adobe
    // marker is present) and JpegDecode.c (libjpeg defaults otherwise: islow DCT, fancy upsampling).
    switch (h->cinfo.jpeg_color_space) {
        case JCS_GRAYSCALE: h->cinfo.out_color_space = JCS_GRAYSCALE; break;
        case JCS_CMYK:
        case JCS_YCCK:
            h->cinfo.out_color_space = JCS_CMYK;
            layout->cmyk = true;
            layout->inverted = h->cinfo.saw_Adobe_marker;
            break;
        default: h->cinfo.out_color_space = JCS_RGB; break;
    }
    jpeg_start_decompress(&h->cinfo);
    layout->width = h->cinfo.output_width;
    layout->height = h->cinfo.output_height;
    layout->components = h->cinfo.output_components;
    return true;
}

bool jpeg_finish(JpegHandles* h, unsigned char* out, size_t stride) {
    if (setjmp(h->err.jump)) return false;
    while (h->cinfo.output_scanline < h->cinfo.output_height) {
        JSAMPROW row = out + static_cast<size_t>(h->cinfo.output_scanline) * stride;
        jpeg_read_scanlines(&h->cinfo, &row, 1);
    }
    jpeg_finish_decompress(&h->cinfo);
    return true;
}

at::Tensor decode_jpeg(const std::vector<unsigned char>& bytes, const fs::path& path) {
    JpegHandles h;
    std::memset(&h.cinfo, 0, sizeof h.cinfo);
    h.cinfo.err = jpeg_std_error(&h.err.pub);
    h.err.pub.error_exit = jpeg_error_exit_cb;
    h.err.pub.emit_message = jpeg_emit_message_cb;
    h.err.message[0] = '\0';

    JpegLayout layout;
    if (!jpeg_start(&h, bytes.data(), bytes.size(), &layout)) {
        fail("cannot read JPEG '" + path.string() + "': " + h.err.message);
    }
    check_pixel_count(path, layout.width, layout.height);
    const int64_t H = layout.height, W = layout.width, C = layout.components;
    at::Tensor raw = at::empty({H, W, C}, at::kByte);
    if (!jpeg_finish(&h, raw.data_ptr<uint8_t>(), static_cast<size_t>(W * C))) {
        fail("cannot read JPEG '" + path.string() + "': " + h.err.message);
    }
    if (!layout.cmyk) return raw;
    if (C != 4) fail("cannot read JPEG '" + path.string() + "': CMYK image without 4 components");

    // Ref: Pillow Convert.c cmyk2rgb (after "CMYK;I" inversion for Adobe files).
    at::Tensor rgb = at::empty({H, W, 3}, at::kByte);
    const uint8_t* src = raw.data_ptr<uint8_t>();
    uint8_t* dst = rgb.data_ptr<uint8_t>();
    const auto muldiv255 = [](int a, int b) {
        const int t = a * b + 128;
        return ((t >> 8) + t) >> 8;
    };
    for (int64_t i = 0; i < H * W; ++i, src += 4, dst += 3) {
        int cmyk[4];
        for (int k = 0; k < 4; ++k) cmyk[k] = layout.inverted ? 255 - src[k] : src[k];
        const int nk = 255 - cmyk[3];
        for (int k = 0; k < 3; ++k) {
            const int v = nk - muldiv255(cmyk[k], nk);
            dst[k] = static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
        }
    }
    return rgb;
}

// ---------------------------------------------------------------------------------------------
// PNG writing

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

}  // namespace

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
        const bool ok = h.png && h.info &&
                        png_write_all(&h, &io, file, static_cast<uint32_t>(W), static_cast<uint32_t>(H),
                                      kColorTypes[C], chunks.data(), static_cast<int>(chunks.size()), rows.data());
        const bool flushed = std::fflush(file) == 0;
        const bool closed = std::fclose(file) == 0;
        if (!ok) fail("cannot write PNG '" + path.string() + "': " + (io.message[0] ? io.message : "out of memory"));
        if (!flushed || !closed) fail("cannot write PNG '" + path.string() + "' (disk full?)");
    });
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
