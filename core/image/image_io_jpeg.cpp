#include "core/image/image_io_jpeg.h"

#include <ATen/ATen.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>

#include <jpeglib.h>
#include <jerror.h>

#include "core/image/image_io_common.h"
#include "core/util/error.h"

// libjpeg reports errors by longjmp. Every function in this file that calls setjmp is written in
// C style: no object with a destructor is alive in its frame (or in any frame the longjmp skips),
// all buffers and library handles are owned by the C++ caller, which runs after the setjmp
// function returned false and turns the stored message into a pictor::Error.

namespace pictor::image_detail {

namespace fs = std::filesystem;

namespace {

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

}  // namespace

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

}  // namespace pictor::image_detail
