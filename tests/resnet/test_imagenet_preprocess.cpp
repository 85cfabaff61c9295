// core/image/imagenet_preprocess: torchvision IMAGENET1K_V1 / V2 presets on PIL images.
#include <ATen/ATen.h>
#include "tests/support/catch.h"
#include <nlohmann/json.hpp>

#include "core/image/image_io.h"
#include "core/image/imagenet_preprocess.h"
#include "core/io/safetensors.h"
#include "core/util/error.h"
#include "tests/support/fixtures.h"

using namespace pictor;
using pictor::test::all_close;

TEST_CASE("V1 / V2 preprocessing equals torchvision's on RGB, gray and RGBA images", "[resnet][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "resnet");
    const auto info = nlohmann::json::parse(test::read_text_file(dir / "expected.json"));
    const TensorMap expected = SafetensorsFile(dir / "expected.safetensors").load_all();
    const std::string v = GENERATE("v1", "v2");
    const ImagenetTransform transform = ImagenetTransform::from_name(v);
    CHECK(transform.resize_size == (v == "v1" ? 256 : 232));
    CHECK(transform.crop_size == 224);
    const auto& images = info.at("images");
    REQUIRE(images.size() == 3);
    for (size_t i = 0; i < images.size(); ++i) {
        const auto& image_info = images[i];
        const std::string file = image_info.at("file");
        INFO(file << " " << v);
        const at::Tensor image = read_image(dir / file);
        const at::Tensor want = expected.at("preprocessed_" + v)[static_cast<int64_t>(i)];

        // The whole preset.
        const at::Tensor got = imagenet_preprocess(image, transform);
        CHECK(got.scalar_type() == at::kFloat);
        CHECK(all_close(got, want, 1e-5, 0, "preprocessed_" + v));

        // The crop offsets (round half to even) and normalisation in isolation, from PIL's resize.
        const auto& step = image_info.at(v);
        const at::Tensor resized = to_rgb(read_image(dir / step.at("resized_file").get<std::string>()));
        const int64_t top = step.at("crop_top"), left = step.at("crop_left");
        const at::Tensor crop = resized.slice(0, top, top + 224).slice(1, left, left + 224);
        CHECK(all_close(imagenet_normalize(crop.contiguous(), transform), want, 1e-6, 0,
                        "normalize(PIL crop)"));
        CHECK(at::equal(imagenet_resize_crop(image, transform), crop));
    }
}

TEST_CASE("torchvision's default presets per architecture", "[resnet]") {
    CHECK(ImagenetTransform::default_for("resnet50").name == "IMAGENET1K_V2");
    CHECK(ImagenetTransform::default_for("resnet101").resize_size == 232);
    CHECK(ImagenetTransform::default_for("resnet152").resize_size == 232);
    CHECK(ImagenetTransform::default_for("resnet18").name == "IMAGENET1K_V1");
    CHECK(ImagenetTransform::default_for("resnet34").resize_size == 256);
    CHECK(ImagenetTransform::default_for("resnet(bottleneck,[1,1,1,1],c10)").resize_size == 256);
    CHECK(ImagenetTransform::from_name("IMAGENET1K_V2").resize_size == 232);
}

TEST_CASE("preprocessing rejects what is not an image", "[resnet]") {
    const ImagenetTransform t = ImagenetTransform::v1();
    CHECK_THROWS_AS(ImagenetTransform::from_name("v3"), Error);
    CHECK_THROWS_AS(imagenet_preprocess(at::zeros({10, 10, 3}, at::kFloat), t), Error);
    CHECK_THROWS_AS(imagenet_preprocess(at::zeros({10, 10, 5}, at::kByte), t), Error);
    CHECK_THROWS_AS(imagenet_preprocess(at::zeros({10, 10}, at::kByte), t), Error);
    CHECK_THROWS_AS(imagenet_preprocess(at::Tensor(), t), Error);
    CHECK_THROWS_AS(imagenet_normalize(at::zeros({10, 10, 4}, at::kByte), t), Error);
    // Small images are upscaled like torchvision does (shorter side to 256), then cropped.
    const at::Tensor tiny = at::full({3, 5, 1}, 128, at::kByte);
    const at::Tensor out = imagenet_preprocess(tiny, t);
    CHECK(out.sizes() == at::IntArrayRef({3, 224, 224}));
    const float expected_r = (128.0f / 255.0f - 0.485f) / 0.229f;
    CHECK(out[0][0][0].item<float>() == Approx(expected_r).margin(1e-6));
}
