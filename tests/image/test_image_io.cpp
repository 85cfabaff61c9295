// PNG/JPEG reading and PNG writing: round trips, text chunks, Pillow-compatible mode handling
// and broken files (each must give pictor::Error naming the file, never a crash).
#include "core/image/image_io.h"

#include <ATen/ATen.h>
#include "tests/support/catch.h"

#include <cstdio>
#include <fstream>
#include <functional>
#include <random>

#include <jpeglib.h>
#include <png.h>
#include <zlib.h>

#include "core/util/error.h"
#include "tests/support/fixtures.h"

using namespace pictor;
namespace fs = std::filesystem;

namespace {

std::string read_bytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_raw(const fs::path& p, const std::string& bytes) {
    std::ofstream out(p, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

at::Tensor random_u8(int64_t h, int64_t w, int64_t c, uint64_t seed) {
    auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    return at::randint(0, 256, {h, w, c}, gen, at::kByte);
}

// Writes a PNG with libpng directly (formats write_png does not produce: 16-bit, palette,
// low bit depths, zTXt, text after the image data). Test-only: valid input, no error handling.
struct RawPng {
    int width = 0, height = 0, bit_depth = 8, color_type = PNG_COLOR_TYPE_RGB;
    std::vector<unsigned char> data;  // packed rows, big-endian samples
    std::vector<png_color> palette;
    std::vector<unsigned char> trns;
    bool interlace = false;
    std::vector<std::pair<std::string, std::string>> ztxt_before, text_after;
};

void write_raw_png(const fs::path& path, const RawPng& spec) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    REQUIRE(f);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png_create_info_struct(png);
    png_init_io(png, f);
    png_set_IHDR(png, info, spec.width, spec.height, spec.bit_depth, spec.color_type,
                 spec.interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (!spec.palette.empty()) png_set_PLTE(png, info, spec.palette.data(), static_cast<int>(spec.palette.size()));
    if (!spec.trns.empty()) png_set_tRNS(png, info, spec.trns.data(), static_cast<int>(spec.trns.size()), nullptr);
    std::vector<png_text> before;
    for (const auto& [k, v] : spec.ztxt_before) {
        png_text t{};
        t.compression = PNG_TEXT_COMPRESSION_zTXt;
        t.key = const_cast<char*>(k.c_str());
        t.text = const_cast<char*>(v.c_str());
        t.text_length = v.size();
        before.push_back(t);
    }
    if (!before.empty()) png_set_text(png, info, before.data(), static_cast<int>(before.size()));
    png_write_info(png, info);
    const size_t rowbytes = png_get_rowbytes(png, info);
    std::vector<png_bytep> rows(spec.height);
    for (int y = 0; y < spec.height; ++y) rows[y] = const_cast<unsigned char*>(spec.data.data()) + y * rowbytes;
    png_write_image(png, rows.data());
    std::vector<png_text> after;
    for (const auto& [k, v] : spec.text_after) {
        png_text t{};
        t.compression = PNG_TEXT_COMPRESSION_NONE;
        t.key = const_cast<char*>(k.c_str());
        t.text = const_cast<char*>(v.c_str());
        t.text_length = v.size();
        after.push_back(t);
    }
    if (!after.empty()) png_set_text(png, info, after.data(), static_cast<int>(after.size()));
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    std::fclose(f);
}

void write_jpeg(const fs::path& path, const at::Tensor& hwc, J_COLOR_SPACE space, int quality = 95) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    REQUIRE(f);
    jpeg_compress_struct cinfo;
    jpeg_error_mgr jerr;
    cinfo.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&cinfo);
    jpeg_stdio_dest(&cinfo, f);
    cinfo.image_width = static_cast<JDIMENSION>(hwc.size(1));
    cinfo.image_height = static_cast<JDIMENSION>(hwc.size(0));
    cinfo.input_components = static_cast<int>(hwc.size(2));
    cinfo.in_color_space = space;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    const at::Tensor c = hwc.contiguous();
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = c.data_ptr<uint8_t>() + static_cast<size_t>(cinfo.next_scanline) * hwc.size(1) * hwc.size(2);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    std::fclose(f);
}

uint32_t be32(const std::string& s, size_t at) {
    return (uint32_t(uint8_t(s[at])) << 24) | (uint32_t(uint8_t(s[at + 1])) << 16) |
           (uint32_t(uint8_t(s[at + 2])) << 8) | uint32_t(uint8_t(s[at + 3]));
}
void put_be32(std::string& s, size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>((v >> (24 - 8 * i)) & 0xFF);
}

// Chunk types in file order.
std::vector<std::string> chunk_types(const std::string& png) {
    std::vector<std::string> types;
    for (size_t pos = 8; pos + 12 <= png.size();) {
        const uint32_t len = be32(png, pos);
        types.push_back(png.substr(pos + 4, 4));
        pos += 12 + len;
    }
    return types;
}

// Runs `fn` and checks it throws pictor::Error whose message names `file`.
void require_error_naming(const std::function<void()>& fn, const fs::path& file) {
    try {
        fn();
        FAIL("no error for " << file);
    } catch (const Error& e) {
        INFO(e.what());
        CHECK(std::string(e.what()).find(file.filename().string()) != std::string::npos);
    }
}

}  // namespace

TEST_CASE("write_png / read_image round trip for 1-4 channels", "[image_io]") {
    test::TempDir tmp;
    for (int c = 1; c <= 4; ++c) {
        const at::Tensor img = random_u8(37, 53, c, 100 + c);
        const fs::path p = tmp / ("rt" + std::to_string(c) + ".png");
        write_png(p, img);
        const at::Tensor back = read_image(p);
        CHECK(back.sizes() == img.sizes());
        CHECK(back.equal(img));
    }
    // No temporary files are left next to the result.
    int entries = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(tmp.path())) ++entries;
    CHECK(entries == 4);
}

TEST_CASE("content sniffing ignores the extension", "[image_io]") {
    test::TempDir tmp;
    const at::Tensor img = random_u8(8, 8, 3, 7);
    write_png(tmp / "actually_png.jpg", img);
    CHECK(read_image(tmp / "actually_png.jpg").equal(img));
}

// Regression (fuzz/fuzz_png): libpng allocates an ancillary chunk's declared length before
// reading it, so a 249-byte file whose zTXt chunk claimed 1835363956 bytes cost 1.8 GB. A chunk
// that runs past the end of the file is now an error before libpng sees it.
TEST_CASE("a PNG chunk longer than the file is an error, not a huge allocation", "[image_io]") {
    test::TempDir tmp;
    write_png(tmp / "ok.png", random_u8(4, 4, 3, 3));
    std::string bytes = read_bytes(tmp / "ok.png");
    const size_t after_ihdr = 8 + 12 + 13;
    const std::string huge_ztxt = std::string("\x6d\x65\x6b\x74", 4) + "zTXt" + "Comment" + std::string(1, '\0');
    bytes.insert(after_ihdr, huge_ztxt);
    write_raw(tmp / "huge_chunk.png", bytes);
    CHECK_THROWS_WITH(read_image(tmp / "huge_chunk.png"),
                      Catch::Contains("huge_chunk.png") && Catch::Contains("byte 33") &&
                          Catch::Contains("past the end of the file"));
    CHECK_THROWS_AS(read_png_text(tmp / "huge_chunk.png"), Error);
    // A chunk cut short by the end of the file (no room for its CRC) as well.
    write_raw(tmp / "cut.png", read_bytes(tmp / "ok.png").substr(0, after_ihdr - 2));
    CHECK_THROWS_WITH(read_image(tmp / "cut.png"), Catch::Contains("past the end of the file"));
}

TEST_CASE("text chunks: tEXt for Latin-1, iTXt for other UTF-8, round trip", "[image_io]") {
    test::TempDir tmp;
    const std::string params =
        "a watercolor painting of a fox, caf\xc3\xa9\nNegative prompt: blurry\n"
        "Steps: 50, Sampler: PNDM, CFG scale: 7.5, Seed: 1234, Size: 512x512, Model: stable-diffusion-v1-5";
    const std::string utf8_prompt = "\xe7\x8b\x90\xe7\x8b\xb8 \xd0\xbb\xd0\xb8\xd1\x81\xd0\xb0 \xf0\x9f\xa6\x8a in the snow";
    const std::map<std::string, std::string> text{{"parameters", params}, {"prompt", utf8_prompt}, {"empty", ""}};
    const fs::path p = tmp / "meta.png";
    write_png(p, random_u8(16, 16, 3, 1), text);
    CHECK(read_png_text(p) == text);

    const auto types = chunk_types(read_bytes(p));
    CHECK(std::count(types.begin(), types.end(), "tEXt") == 2);  // parameters (Latin-1 é), empty
    CHECK(std::count(types.begin(), types.end(), "iTXt") == 1);  // the CJK/Cyrillic/emoji prompt
    // tEXt stores Latin-1: "é" is the single byte 0xE9 in the file.
    CHECK(read_bytes(p).find("caf\xe9\n") != std::string::npos);

    SECTION("zTXt before and tEXt after the image data are read too") {
        RawPng spec;
        spec.width = 3, spec.height = 2, spec.color_type = PNG_COLOR_TYPE_GRAY;
        spec.data.assign(6, 9);
        spec.ztxt_before = {{"Comment", std::string(500, 'z') + "\xe9"}};
        spec.text_after = {{"Author", "Pictor"}};
        write_raw_png(tmp / "z.png", spec);
        const auto back = read_png_text(tmp / "z.png");
        CHECK(back.at("Comment") == std::string(500, 'z') + "\xc3\xa9");
        CHECK(back.at("Author") == "Pictor");
    }
    SECTION("invalid keys and values are refused without leaving a file") {
        const at::Tensor img = random_u8(4, 4, 3, 2);
        CHECK_THROWS_AS(write_png(tmp / "bad1.png", img, {{"", "x"}}), Error);
        CHECK_THROWS_AS(write_png(tmp / "bad2.png", img, {{std::string(80, 'k'), "x"}}), Error);
        CHECK_THROWS_AS(write_png(tmp / "bad3.png", img, {{" lead", "x"}}), Error);
        CHECK_THROWS_AS(write_png(tmp / "bad4.png", img, {{"k", std::string("a\0b", 3)}}), Error);
        CHECK_THROWS_AS(write_png(tmp / "bad5.png", img, {{"k", "\xff\xfe broken utf8"}}), Error);
        CHECK_THROWS_AS(write_png(tmp / "bad6.png", img, {{"\xe7\x8b\x90", "non-Latin-1 key"}}), Error);
        for (int i = 1; i <= 6; ++i) CHECK_FALSE(fs::exists(tmp / ("bad" + std::to_string(i) + ".png")));
    }
    SECTION("read_png_text refuses non-PNG files") {
        write_raw(tmp / "t.txt", "hello");
        require_error_naming([&] { read_png_text(tmp / "t.txt"); }, tmp / "t.txt");
    }
}

TEST_CASE("write_png rejects what is not a uint8 HWC image", "[image_io]") {
    test::TempDir tmp;
    CHECK_THROWS_AS(write_png(tmp / "a.png", at::zeros({4, 4, 3}, at::kFloat)), Error);
    CHECK_THROWS_AS(write_png(tmp / "b.png", at::zeros({4, 4}, at::kByte)), Error);
    CHECK_THROWS_AS(write_png(tmp / "c.png", at::zeros({4, 4, 5}, at::kByte)), Error);
    CHECK_THROWS_AS(write_png(tmp / "d.png", at::zeros({0, 4, 3}, at::kByte)), Error);
    // A folder that cannot be created (a file is in the way).
    write_raw(tmp / "file", "x");
    CHECK_THROWS_AS(write_png(tmp / "file" / "e.png", at::zeros({2, 2, 3}, at::kByte)), Error);
}

TEST_CASE("PNG formats map to what Pillow's open + convert gives", "[image_io]") {
    test::TempDir tmp;
    SECTION("16-bit RGB and gray+alpha: high byte") {
        RawPng spec;
        spec.width = 2, spec.height = 1, spec.bit_depth = 16, spec.color_type = PNG_COLOR_TYPE_RGB;
        spec.data = {0x12, 0x34, 0xAB, 0xCD, 0x00, 0xFF, 0xFF, 0x01, 0x80, 0x80, 0x01, 0x00};
        write_raw_png(tmp / "rgb16.png", spec);
        const at::Tensor img = read_image(tmp / "rgb16.png");
        REQUIRE(img.sizes() == at::IntArrayRef({1, 2, 3}));
        const std::vector<int> expected{0x12, 0xAB, 0x00, 0xFF, 0x80, 0x01};
        for (int i = 0; i < 6; ++i) CHECK(img.flatten()[i].item<int>() == expected[i]);

        spec.color_type = PNG_COLOR_TYPE_GRAY_ALPHA;
        spec.width = 3;
        write_raw_png(tmp / "la16.png", spec);
        const at::Tensor la = read_image(tmp / "la16.png");
        REQUIRE(la.sizes() == at::IntArrayRef({1, 3, 2}));
        for (int i = 0; i < 6; ++i) CHECK(la.flatten()[i].item<int>() == expected[i]);
    }
    SECTION("16-bit gray: clipped to 255 like Pillow's mode I → RGB") {
        RawPng spec;
        spec.width = 4, spec.height = 1, spec.bit_depth = 16, spec.color_type = PNG_COLOR_TYPE_GRAY;
        spec.data = {0x00, 0x07, 0x00, 0xFF, 0x01, 0x00, 0xFF, 0xFF};
        write_raw_png(tmp / "g16.png", spec);
        const at::Tensor img = read_image(tmp / "g16.png");
        REQUIRE(img.sizes() == at::IntArrayRef({1, 4, 1}));
        CHECK(img.flatten().to(at::kInt).equal(at::tensor({7, 255, 255, 255}, at::kInt)));
    }
    SECTION("palette with and without transparency, interlaced") {
        RawPng spec;
        spec.width = 3, spec.height = 2, spec.color_type = PNG_COLOR_TYPE_PALETTE, spec.interlace = true;
        spec.palette = {{10, 20, 30}, {200, 100, 50}, {1, 2, 3}};
        spec.data = {0, 1, 2, 2, 1, 0};
        write_raw_png(tmp / "p.png", spec);
        const at::Tensor rgb = read_image(tmp / "p.png");
        REQUIRE(rgb.sizes() == at::IntArrayRef({2, 3, 3}));
        CHECK(rgb.index({0, 1}).to(at::kInt).equal(at::tensor({200, 100, 50}, at::kInt)));
        CHECK(rgb.index({1, 0}).to(at::kInt).equal(at::tensor({1, 2, 3}, at::kInt)));
        spec.trns = {255, 0};
        write_raw_png(tmp / "pt.png", spec);
        const at::Tensor rgba = read_image(tmp / "pt.png");
        REQUIRE(rgba.sizes() == at::IntArrayRef({2, 3, 4}));
        CHECK(rgba.index({0, 1, 3}).item<int>() == 0);
        CHECK(rgba.index({0, 2, 3}).item<int>() == 255);  // beyond the tRNS list: opaque
        CHECK(to_rgb(rgba).equal(rgb));
    }
    SECTION("1- and 2-bit gray are scaled to 0..255") {
        RawPng spec;
        spec.width = 8, spec.height = 1, spec.bit_depth = 1, spec.color_type = PNG_COLOR_TYPE_GRAY;
        spec.data = {0b10100000};
        write_raw_png(tmp / "g1.png", spec);
        const at::Tensor g1 = read_image(tmp / "g1.png");
        CHECK(g1.flatten().to(at::kInt).equal(at::tensor({255, 0, 255, 0, 0, 0, 0, 0}, at::kInt)));
        spec.bit_depth = 2, spec.width = 4;
        spec.data = {0b00011011};
        write_raw_png(tmp / "g2.png", spec);
        CHECK(read_image(tmp / "g2.png").flatten().to(at::kInt).equal(at::tensor({0, 85, 170, 255}, at::kInt)));
    }
}

TEST_CASE("to_rgb: alpha dropped, gray replicated", "[image_io]") {
    const at::Tensor rgba = random_u8(5, 6, 4, 3);
    CHECK(to_rgb(rgba).equal(rgba.narrow(2, 0, 3)));
    const at::Tensor gray = random_u8(5, 6, 1, 4);
    const at::Tensor rgb = to_rgb(gray);
    for (int c = 0; c < 3; ++c) CHECK(rgb.select(2, c).equal(gray.select(2, 0)));
    const at::Tensor la = random_u8(5, 6, 2, 5);
    CHECK(to_rgb(la).select(2, 2).equal(la.select(2, 0)));
    const at::Tensor three = random_u8(2, 2, 3, 6);
    CHECK(to_rgb(three).equal(three));
    CHECK_THROWS_AS(to_rgb(at::zeros({2, 2, 5}, at::kByte)), Error);
    CHECK_THROWS_AS(to_rgb(at::zeros({2, 2, 3}, at::kFloat)), Error);
}

TEST_CASE("float_to_u8 clamps and rounds half to even like numpy", "[image_io]") {
    const at::Tensor x = at::tensor({-0.5f, 0.0f, 0.25f, 0.5f, 1.0f, 1.7f}, at::kFloat);
    CHECK(float_to_u8(x).to(at::kInt).equal(at::tensor({0, 0, 64, 128, 255, 255}, at::kInt)));
    // Exact ties in float32 (x*255 == n + 0.5) must go to the even neighbour.
    int ties = 0;
    for (int n = 0; n < 255; ++n) {
        const float v = (n + 0.5f) / 255.0f;
        if (v * 255.0f != n + 0.5f) continue;
        ++ties;
        const int got = float_to_u8(at::tensor({v}, at::kFloat)).item<int>();
        CHECK(got == (n % 2 == 0 ? n : n + 1));
    }
    CHECK(ties > 10);
    CHECK(float_to_u8(at::full({2, 3, 3, 3}, 0.5, at::kDouble)).sizes() == at::IntArrayRef({2, 3, 3, 3}));
    CHECK_THROWS_AS(float_to_u8(at::zeros({2}, at::kByte)), Error);
}

TEST_CASE("JPEG reading: RGB, gray, CMYK (Adobe, inverted), truncated", "[image_io]") {
    test::TempDir tmp;
    // A smooth image so JPEG's loss stays small.
    const at::Tensor yy = at::arange(48, at::kFloat).view({48, 1, 1}).expand({48, 64, 1});
    const at::Tensor xx = at::arange(64, at::kFloat).view({1, 64, 1}).expand({48, 64, 1});
    const at::Tensor rgb = at::cat({yy * 4, xx * 3, (yy + xx) * 2}, 2).clamp(0, 255).to(at::kByte).contiguous();
    write_jpeg(tmp / "rgb.jpg", rgb, JCS_RGB);
    const at::Tensor back = read_image(tmp / "rgb.jpg");
    REQUIRE(back.sizes() == rgb.sizes());
    CHECK(test::max_abs_diff(back, rgb) <= 8);

    const at::Tensor gray = rgb.narrow(2, 0, 1).contiguous();
    write_jpeg(tmp / "gray.jpg", gray, JCS_GRAYSCALE);
    const at::Tensor gback = read_image(tmp / "gray.jpg");
    REQUIRE(gback.sizes() == gray.sizes());
    CHECK(test::max_abs_diff(gback, gray) <= 4);

    // libjpeg writes an Adobe marker for CMYK; stored (255, 0, 255, 255) is Adobe-inverted
    // (0, 255, 0, 0) = full magenta ink → RGB (255, 0, 255).
    const at::Tensor cmyk = at::tensor({255, 0, 255, 255}, at::kByte).view({1, 1, 4}).expand({16, 16, 4}).contiguous();
    write_jpeg(tmp / "cmyk.jpg", cmyk, JCS_CMYK, 100);
    const at::Tensor cback = read_image(tmp / "cmyk.jpg");
    REQUIRE(cback.sizes() == at::IntArrayRef({16, 16, 3}));
    CHECK(test::max_abs_diff(cback.index({8, 8}), at::tensor({255, 0, 255}, at::kByte)) <= 2);

    const std::string bytes = read_bytes(tmp / "rgb.jpg");
    write_raw(tmp / "trunc.jpg", bytes.substr(0, bytes.size() / 2));
    require_error_naming([&] { read_image(tmp / "trunc.jpg"); }, tmp / "trunc.jpg");
    write_raw(tmp / "header_only.jpg", bytes.substr(0, 20));
    require_error_naming([&] { read_image(tmp / "header_only.jpg"); }, tmp / "header_only.jpg");
    std::string garbage = bytes;
    for (size_t i = 200; i < garbage.size(); i += 7) garbage[i] = static_cast<char>(0xFF);  // markers everywhere
    write_raw(tmp / "garbage.jpg", garbage);
    try {
        read_image(tmp / "garbage.jpg");  // libjpeg may recover with warnings; it must not crash
    } catch (const Error&) {
    }
}

TEST_CASE("broken PNGs give errors naming the file", "[image_io]") {
    test::TempDir tmp;
    const fs::path good = tmp / "good.png";
    write_png(good, random_u8(64, 64, 3, 9), {{"parameters", "x"}});
    const std::string bytes = read_bytes(good);

    const auto broken = [&](const std::string& name, const std::string& content) {
        const fs::path p = tmp / name;
        write_raw(p, content);
        require_error_naming([&] { read_image(p); }, p);
        require_error_naming([&] { read_png_text(p); }, p);
    };
    broken("zero.png", "");
    broken("not_png.png", "GIF89a this is not a PNG at all");
    broken("signature_only.png", bytes.substr(0, 8));
    broken("truncated_ihdr.png", bytes.substr(0, 20));
    broken("truncated_idat.png", bytes.substr(0, bytes.size() / 2));
    broken("no_iend.png", bytes.substr(0, bytes.size() - 12));

    // Flip one byte inside the first IDAT's data → CRC mismatch on a critical chunk.
    {
        std::string bad = bytes;
        const size_t idat = bad.find("IDAT");
        REQUIRE(idat != std::string::npos);
        bad[idat + 10] = static_cast<char>(bad[idat + 10] ^ 0x55);
        broken("bad_crc.png", bad);
    }
    // IHDR with a wrong CRC.
    {
        std::string bad = bytes;
        bad[29] = static_cast<char>(bad[29] ^ 1);
        broken("bad_ihdr_crc.png", bad);
    }
    // Huge declared dimensions (valid CRC): refused before allocating anything.
    for (const auto& [w, h] : {std::pair<uint32_t, uint32_t>{100000, 100000}, {1000000, 1000}, {20000, 20000}}) {
        std::string bomb = bytes;
        put_be32(bomb, 16, w);
        put_be32(bomb, 20, h);
        put_be32(bomb, 29, static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(bomb.data() + 12), 17)));
        const std::string name = "bomb_" + std::to_string(w) + "x" + std::to_string(h) + ".png";
        broken(name, bomb);
    }
    // Missing file and a folder.
    require_error_naming([&] { read_image(tmp / "missing.png"); }, tmp / "missing.png");
    fs::create_directories(tmp / "dir.png");
    require_error_naming([&] { read_image(tmp / "dir.png"); }, tmp / "dir.png");
}

TEST_CASE("mutated PNG and JPEG files never crash the readers", "[image_io]") {
    // Deterministic byte flips, truncations and chunk-length lies over valid files: every outcome
    // must be an image or a pictor::Error (run under ASan+UBSan as well).
    test::TempDir tmp;
    write_png(tmp / "seed.png", random_u8(24, 20, 4, 11), {{"parameters", "a fox"}, {"prompt", "\xe7\x8b\x90"}});
    const at::Tensor smooth = at::arange(24 * 20 * 3, at::kInt).remainder(251).to(at::kByte).reshape({24, 20, 3});
    write_jpeg(tmp / "seed.jpg", smooth, JCS_RGB);
    std::mt19937 rng(1234);
    int errors = 0, decoded = 0;
    for (const char* seed : {"seed.png", "seed.jpg"}) {
        const std::string original = read_bytes(tmp / seed);
        for (int round = 0; round < 150; ++round) {
            std::string bytes = original;
            const int kind = round % 3;
            if (kind == 0) {  // flip a few bytes anywhere
                for (int k = 0; k < 1 + round % 4; ++k) bytes[rng() % bytes.size()] ^= static_cast<char>(1 + rng() % 255);
            } else if (kind == 1) {  // truncate
                bytes.resize(rng() % bytes.size());
            } else {  // overwrite 4 bytes (PNG chunk lengths, JPEG segment lengths) with large values
                const size_t at = 8 + rng() % (bytes.size() - 12);
                for (int k = 0; k < 4; ++k) bytes[at + k] = static_cast<char>(k < 2 ? 0x7F : rng() % 256);
            }
            std::string name = "m";  // built with += : GCC 12 warns (falsely) on "m" + std::string&&
            name += std::to_string(round);
            name += seed;
            const fs::path p = tmp / name;
            write_raw(p, bytes);
            try {
                const at::Tensor img = read_image(p);
                CHECK(img.dim() == 3);
                ++decoded;
            } catch (const Error& e) {
                CHECK(std::string(e.what()).find(p.filename().string()) != std::string::npos);
                ++errors;
            }
        }
    }
    CHECK(errors > 100);
    CHECK(errors + decoded == 300);
}
