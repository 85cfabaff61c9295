// Pillow-exact resampling against the stored Pillow 9.4 outputs (golden) plus unit checks.
#include "core/image/resize.h"

#include <ATen/ATen.h>
#include "tests/support/catch.h"
#include <nlohmann/json.hpp>

#include "core/image/image_io.h"
#include "core/util/error.h"
#include "tests/support/fixtures.h"

using namespace pictor;
namespace fs = std::filesystem;

namespace {

struct Diff {
    int64_t max_diff = 0;
    int64_t off_by_one = 0;
};

Diff compare_u8(const at::Tensor& actual, const at::Tensor& expected) {
    REQUIRE(actual.sizes() == expected.sizes());
    const at::Tensor d = (actual.to(at::kInt) - expected.to(at::kInt)).abs();
    return {d.max().item<int64_t>(), d.eq(1).sum().item<int64_t>()};
}

// Resizes `file` (after convert("RGB")) like the preprocessing did and compares with Pillow's.
Diff check_resize(const fs::path& dir, const nlohmann::json& entry, const nlohmann::json& sizes, ResampleFilter filter) {
    const at::Tensor rgb = to_rgb(read_image(dir / entry.at("file").get<std::string>()));
    REQUIRE(rgb.size(1) == entry.at("width").get<int>());
    REQUIRE(rgb.size(0) == entry.at("height").get<int>());
    const int rw = sizes.at("resized_width"), rh = sizes.at("resized_height");
    const at::Tensor expected = read_image(dir / sizes.at("resized_file").get<std::string>());
    REQUIRE(expected.size(2) == 3);
    const at::Tensor actual = pillow_resize(rgb, rw, rh, filter);
    const Diff diff = compare_u8(actual, expected);
    INFO(entry.at("file").get<std::string>() << ": max diff " << diff.max_diff << ", off by one " << diff.off_by_one);
    CHECK(diff.max_diff <= 1);
    return diff;
}

}  // namespace

// CLIP (HF CLIPImageProcessor): shorter side → 224 with PIL BICUBIC, then crop 224 with floor
// offsets. Measured: all 3 images bit-exact (0 pixels off by one, max diff 0).
TEST_CASE("pillow_resize bicubic reproduces the CLIP processor's Pillow resizes", "[resize][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "clip-tiny");
    const auto expected = nlohmann::json::parse(test::read_text_file(dir / "expected.json"));
    int64_t off_by_one = 0;
    for (const auto& entry : expected.at("images")) {
        const auto [w, h] = shorter_side_size(entry.at("width"), entry.at("height"), 224);
        CHECK(w == entry.at("resized_width").get<int>());
        CHECK(h == entry.at("resized_height").get<int>());
        const Diff diff = check_resize(dir, entry, entry, ResampleFilter::bicubic);
        CHECK(diff.max_diff == 0);
        off_by_one += diff.off_by_one;

        const at::Tensor resized = read_image(dir / entry.at("resized_file").get<std::string>());
        const at::Tensor cropped = center_crop(resized, 224, 224, /*round_half_even=*/false);
        const int top = entry.at("crop_top"), left = entry.at("crop_left");
        using at::indexing::Slice;
        CHECK(cropped.equal(resized.index({Slice(top, top + 224), Slice(left, left + 224)})));
    }
    CHECK(off_by_one == 0);
}

// torchvision ResNet presets: shorter side → 256 (IMAGENET1K_V1) / 232 (IMAGENET1K_V2) with PIL
// BILINEAR, crop 224 with int(round(...)) offsets. Measured: all 6 resizes bit-exact (0 pixels off
// by one, max diff 0).
TEST_CASE("pillow_resize bilinear reproduces torchvision's Pillow resizes", "[resize][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "resnet");
    const auto expected = nlohmann::json::parse(test::read_text_file(dir / "expected.json"));
    int64_t off_by_one = 0;
    for (const auto& entry : expected.at("images")) {
        for (const char* preset : {"v1", "v2"}) {
            const auto& sizes = entry.at(preset);
            const int shorter = sizes.at("resize_size").at(0);
            const auto [w, h] = shorter_side_size(entry.at("width"), entry.at("height"), shorter);
            CHECK(w == sizes.at("resized_width").get<int>());
            CHECK(h == sizes.at("resized_height").get<int>());
            const Diff diff = check_resize(dir, entry, sizes, ResampleFilter::bilinear);
            CHECK(diff.max_diff == 0);
            off_by_one += diff.off_by_one;

            const at::Tensor resized = read_image(dir / sizes.at("resized_file").get<std::string>());
            const at::Tensor cropped = center_crop(resized, 224, 224, /*round_half_even=*/true);
            const int top = sizes.at("crop_top"), left = sizes.at("crop_left");
            using at::indexing::Slice;
            CHECK(cropped.equal(resized.index({Slice(top, top + 224), Slice(left, left + 224)})));
        }
    }
    CHECK(off_by_one == 0);
}

TEST_CASE("shorter_side_size truncates like int(size * long / short)", "[resize]") {
    CHECK(shorter_side_size(500, 375, 256) == std::pair<int, int>{341, 256});  // 341.33
    CHECK(shorter_side_size(224, 300, 232) == std::pair<int, int>{232, 310});  // 310.71
    CHECK(shorter_side_size(200, 200, 224) == std::pair<int, int>{224, 224});
    CHECK(shorter_side_size(7, 3, 3) == std::pair<int, int>{7, 3});
    CHECK_THROWS_AS(shorter_side_size(0, 10, 224), Error);
}

TEST_CASE("center_crop offsets: floor vs round-half-even", "[resize]") {
    // 341 wide → (341 - 224) / 2 = 58.5: torchvision rounds to 58 (even), HF floors to 58;
    // 343 wide → 59.5: torchvision rounds to 60, HF floors to 59.
    at::Tensor img = at::arange(343, at::kInt).to(at::kByte).reshape({1, 343, 1}).expand({4, 343, 1}).contiguous();
    CHECK(center_crop(img, 224, 4, true).index({0, 0, 0}).item<int>() == 60);
    CHECK(center_crop(img, 224, 4, false).index({0, 0, 0}).item<int>() == 59);
    at::Tensor img2 = img.narrow(1, 0, 341).contiguous();
    CHECK(center_crop(img2, 224, 4, true).index({0, 0, 0}).item<int>() == 58);
    CHECK(center_crop(img2, 224, 4, false).index({0, 0, 0}).item<int>() == 58);
    CHECK_THROWS_AS(center_crop(img, 400, 4, true), Error);
}

TEST_CASE("pillow_resize unit behaviour", "[resize]") {
    const at::Tensor ramp = at::arange(16, at::kInt).mul(16).to(at::kByte).reshape({1, 16, 1}).expand({8, 16, 1}).contiguous();

    SECTION("same size is a copy, integer box of the output size is a crop") {
        CHECK(pillow_resize(ramp, 16, 8, ResampleFilter::bicubic).equal(ramp));
        const at::Tensor crop = pillow_resize(ramp, 4, 8, ResampleFilter::bilinear, {2.f, 0.f, 6.f, 8.f});
        CHECK(crop.equal(ramp.narrow(1, 2, 4)));
    }
    SECTION("constant images stay constant under every filter and scale") {
        const at::Tensor flat = at::full({9, 13, 3}, 200, at::kByte);
        for (auto f : {ResampleFilter::nearest, ResampleFilter::bilinear, ResampleFilter::bicubic, ResampleFilter::lanczos}) {
            for (auto [w, h] : {std::pair{5, 4}, std::pair{31, 17}, std::pair{13, 3}}) {
                const at::Tensor out = pillow_resize(flat, w, h, f);
                CHECK(out.sizes() == at::IntArrayRef({h, w, 3}));
                CHECK(out.eq(200).all().item<bool>());
            }
        }
    }
    SECTION("2x bilinear downscale of a ramp averages neighbouring pairs (support widened to 2)") {
        // Scale 2: weights at distances 0.5/1.5 (in output units 0.25/0.75) → 3/8, 3/8, 1/8, 1/8.
        const at::Tensor out = pillow_resize(ramp, 8, 8, ResampleFilter::bilinear);
        // Interior column 3 covers inputs 5..8 = 80,96,112,128 → (80+128)/8 + (96+112)*3/8 = 104.
        CHECK(out.index({0, 3, 0}).item<int>() == 104);
        // Edge column 0: inputs 0,1,2 with weights 3/8, 3/8, 1/8 renormalised → (0*3 + 16*3 + 32)/7 = 11.43 → 11.
        CHECK(out.index({0, 0, 0}).item<int>() == 11);
    }
    SECTION("nearest picks floor((x + 0.5) * scale)") {
        const at::Tensor out = pillow_resize(ramp, 5, 8, ResampleFilter::nearest);
        // scale 3.2: centres 1.6, 4.8, 8.0, 11.2, 14.4
        const std::vector<int> expected{16, 64, 128, 176, 224};
        for (int x = 0; x < 5; ++x) CHECK(out.index({0, x, 0}).item<int>() == expected[x]);
    }
    SECTION("RGBA is resized premultiplied: fully transparent pixels do not bleed colour") {
        at::Tensor rgba = at::zeros({4, 4, 4}, at::kByte);
        rgba.index_put_({at::indexing::Slice(), at::indexing::Slice(0, 2)}, 255);  // left half opaque white
        rgba.index_put_({at::indexing::Slice(), at::indexing::Slice(2, 4), 0}, 255);  // right half: red, alpha 0
        const at::Tensor out = pillow_resize(rgba, 2, 2, ResampleFilter::bilinear);
        // Right output column: premultiplied colour is 0 where alpha is 0, so no red remains in the
        // partially covered result; alpha and colour both come from the white half only.
        const int a = out.index({0, 1, 3}).item<int>();
        CHECK(a > 0);
        CHECK(a < 255);
        CHECK(out.index({0, 1, 0}).item<int>() == out.index({0, 1, 1}).item<int>());
    }
    SECTION("bad input") {
        CHECK_THROWS_AS(pillow_resize(ramp, 0, 8, ResampleFilter::bilinear), Error);
        CHECK_THROWS_AS(pillow_resize(ramp.to(at::kFloat), 4, 4, ResampleFilter::bilinear), Error);
        CHECK_THROWS_AS(pillow_resize(ramp, 4, 4, ResampleFilter::bilinear, {-1.f, 0.f, 4.f, 4.f}), Error);
        CHECK_THROWS_AS(pillow_resize(ramp, 4, 4, ResampleFilter::bilinear, {0.f, 0.f, 17.f, 4.f}), Error);
        CHECK_THROWS_AS(pillow_resize(ramp, 4, 4, ResampleFilter::bilinear, {5.f, 0.f, 4.f, 4.f}), Error);
    }
}
