// Writes the PNG and JPEG seed images of fuzz_png / fuzz_jpeg into two folders: one small image per
// format variant the readers handle (bit depths, colour types, palette + tRNS, interlacing, text
// chunks; gray/RGB/CMYK, progressive, subsampling, restart markers). The fixtures hold PNGs of a
// few kinds and no JPEG at all, so these are made here with the same libpng / libjpeg.
// Usage: seed_images <png-folder> <jpeg-folder>
#include <cstdio>  // before jpeglib.h, which uses FILE and size_t without including them
#include <cstdlib>
#include <string>
#include <vector>

#include <jpeglib.h>
#include <png.h>

namespace {

void write_png(const std::string& path, int w, int h, int depth, int color, bool interlace, bool text, bool trns) {
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) std::exit(1);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) std::exit(1);
    png_init_io(png, f);
    png_set_IHDR(png, info, w, h, depth, color, interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (color == PNG_COLOR_TYPE_PALETTE) {
        png_color palette[4] = {{0, 0, 0}, {255, 0, 0}, {0, 255, 0}, {0, 0, 255}};
        png_set_PLTE(png, info, palette, 4);
        if (trns) {
            png_byte alpha[2] = {0, 128};
            png_set_tRNS(png, info, alpha, 2, nullptr);
        }
    } else if (trns && color == PNG_COLOR_TYPE_RGB) {
        png_color_16 c{};
        c.red = 1;
        png_set_tRNS(png, info, nullptr, 0, &c);
    }
    if (text) {
        char key0[] = "parameters", val0[] = "a fox\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 4x3";
        char key1[] = "Comment", val1[] = "zTXt chunk";
        png_text t[2] = {};
        t[0].compression = PNG_TEXT_COMPRESSION_NONE;
        t[0].key = key0;
        t[0].text = val0;
        t[1].compression = PNG_TEXT_COMPRESSION_zTXt;
        t[1].key = key1;
        t[1].text = val1;
        png_set_text(png, info, t, 2);
    }
    png_write_info(png, info);
    if (depth == 16) png_set_swap(png);
    const int channels = png_get_channels(png, info);
    const size_t rowbytes = (static_cast<size_t>(w) * channels * depth + 7) / 8;
    std::vector<png_byte> rows(rowbytes * h);
    for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<png_byte>(color == PNG_COLOR_TYPE_PALETTE ? (i % 4) * (depth == 8 ? 1 : 0x55) : i * 37);
    std::vector<png_bytep> ptrs(h);
    for (int y = 0; y < h; ++y) ptrs[y] = rows.data() + y * rowbytes;
    png_write_image(png, ptrs.data());
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    std::fclose(f);
}

void write_jpeg(const std::string& path, int w, int h, int components, J_COLOR_SPACE space, bool progressive,
                int restart, bool subsample) {
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) std::exit(1);
    jpeg_compress_struct c{};
    jpeg_error_mgr err{};
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, f);
    c.image_width = w;
    c.image_height = h;
    c.input_components = components;
    c.in_color_space = space;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 75, TRUE);
    if (path.find("ycck") != std::string::npos) jpeg_set_colorspace(&c, JCS_YCCK);
    if (progressive) jpeg_simple_progression(&c);
    c.restart_interval = restart;
    if (!subsample && components >= 3)
        for (int i = 0; i < c.num_components; ++i) c.comp_info[i].h_samp_factor = c.comp_info[i].v_samp_factor = 1;
    jpeg_start_compress(&c, TRUE);
    std::vector<JSAMPLE> row(static_cast<size_t>(w) * components);
    while (c.next_scanline < c.image_height) {
        for (size_t i = 0; i < row.size(); ++i) row[i] = static_cast<JSAMPLE>((i * 29 + c.next_scanline * 13) & 0xff);
        JSAMPROW r = row.data();
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    std::fclose(f);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: seed_images <png-folder> <jpeg-folder>\n");
        return 2;
    }
    const std::string png = argv[1], jpg = argv[2];
    write_png(png + "/gray8.png", 5, 4, 8, PNG_COLOR_TYPE_GRAY, false, false, false);
    write_png(png + "/gray1.png", 9, 3, 1, PNG_COLOR_TYPE_GRAY, false, false, false);
    write_png(png + "/gray16.png", 4, 4, 16, PNG_COLOR_TYPE_GRAY, false, false, false);
    write_png(png + "/gray_alpha.png", 4, 3, 8, PNG_COLOR_TYPE_GRAY_ALPHA, false, false, false);
    write_png(png + "/rgb8_text.png", 4, 3, 8, PNG_COLOR_TYPE_RGB, false, true, false);
    write_png(png + "/rgb16_interlaced.png", 9, 9, 16, PNG_COLOR_TYPE_RGB, true, false, false);
    write_png(png + "/rgb_trns.png", 3, 3, 8, PNG_COLOR_TYPE_RGB, false, false, true);
    write_png(png + "/rgba8.png", 4, 4, 8, PNG_COLOR_TYPE_RGB_ALPHA, true, false, false);
    write_png(png + "/palette2_trns.png", 6, 2, 2, PNG_COLOR_TYPE_PALETTE, false, false, true);
    write_png(png + "/palette8.png", 4, 4, 8, PNG_COLOR_TYPE_PALETTE, false, true, false);
    write_jpeg(jpg + "/gray.jpg", 8, 8, 1, JCS_GRAYSCALE, false, 0, false);
    write_jpeg(jpg + "/rgb420.jpg", 17, 9, 3, JCS_RGB, false, 0, true);
    write_jpeg(jpg + "/rgb444_restart.jpg", 16, 16, 3, JCS_RGB, false, 1, false);
    write_jpeg(jpg + "/rgb_progressive.jpg", 12, 10, 3, JCS_RGB, true, 0, true);
    write_jpeg(jpg + "/cmyk.jpg", 8, 8, 4, JCS_CMYK, false, 0, false);
    write_jpeg(jpg + "/ycck_progressive.jpg", 9, 7, 4, JCS_CMYK, true, 0, false);
    return 0;
}
