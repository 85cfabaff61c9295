// CLIP image processor: both preprocessor_config.json forms, exact resize/crop against PIL, and
// pixel_values against transformers' CLIPProcessor.
#include "tests/support/catch.h"

#include <ATen/ATen.h>

#include <nlohmann/json.hpp>

#include "core/image/clip_image_processor.h"
#include "core/image/image_io.h"
#include "core/io/json_config.h"
#include "core/io/safetensors.h"
#include "core/util/error.h"
#include "tests/support/fixtures.h"

namespace fs = std::filesystem;
using pictor::CLIPImageProcessor;
using pictor::CLIPImageProcessorConfig;
using pictor::JsonConfig;

TEST_CASE("clip image processor: legacy and current config forms", "[clip]") {
    PICTOR_REQUIRE_FIXTURES(dir, "clip-tiny");
    // Legacy CLIPFeatureExtractor form (the real openai/clip-vit-base-patch32 file).
    const CLIPImageProcessor legacy = CLIPImageProcessor::load(dir);
    CHECK(legacy.config().shortest_edge == 224);
    CHECK(legacy.config().crop_height == 224);
    CHECK(legacy.config().crop_width == 224);
    CHECK(legacy.config().resample == pictor::ResampleFilter::bicubic);
    CHECK(legacy.config().do_convert_rgb);
    CHECK(legacy.config().rescale_factor == Approx(1.0 / 255.0));

    const auto current = CLIPImageProcessorConfig::from_json(JsonConfig::parse(R"({
        "size": {"shortest_edge": 256}, "crop_size": {"height": 240, "width": 200}, "resample": 2,
        "do_rescale": true, "rescale_factor": 0.5, "do_normalize": false, "do_center_crop": true,
        "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5], "do_convert_rgb": true,
        "image_processor_type": "CLIPImageProcessor"})", "p.json"));
    CHECK(current.shortest_edge == 256);
    CHECK(current.crop_height == 240);
    CHECK(current.crop_width == 200);
    CHECK(current.resample == pictor::ResampleFilter::bilinear);
    CHECK(current.rescale_factor == 0.5);
    CHECK_FALSE(current.do_normalize);
    // Defaults when the file is absent.
    pictor::test::TempDir tmp;
    CHECK(CLIPImageProcessor::load(tmp.path()).config().image_std[2] == Approx(0.27577711));

    CHECK_THROWS_WITH(CLIPImageProcessorConfig::from_json(JsonConfig::parse(R"({"size": {"height": 3}})", "p.json")),
                      Catch::Contains("p.json") && Catch::Contains("size"));
    CHECK_THROWS_WITH(CLIPImageProcessorConfig::from_json(JsonConfig::parse(R"({"crop_size": -1})", "p.json")),
                      Catch::Contains("crop_size"));
    CHECK_THROWS_WITH(CLIPImageProcessorConfig::from_json(JsonConfig::parse(R"({"resample": 4})", "p.json")),
                      Catch::Contains("resample"));
    CHECK_THROWS_WITH(CLIPImageProcessorConfig::from_json(JsonConfig::parse(R"({"image_mean": [0.5]})", "p.json")),
                      Catch::Contains("image_mean"));
}

TEST_CASE("clip image processor: resize and crop equal PIL, pixel_values equal CLIPProcessor", "[clip][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "clip-tiny");
    const auto j = nlohmann::json::parse(pictor::test::read_text_file(dir / "expected.json"));
    const at::Tensor expected = pictor::SafetensorsFile(dir / "expected.safetensors").load("pixel_values");
    const CLIPImageProcessor processor = CLIPImageProcessor::load(dir);
    std::vector<at::Tensor> images;
    for (size_t i = 0; i < j["images"].size(); ++i) {
        const auto& info = j["images"][i];
        INFO(info["file"].get<std::string>());
        const at::Tensor image = pictor::read_image(dir / info["file"].get<std::string>());
        images.push_back(image);
        // The PIL resize output, cropped at the reference offsets, is what resize_and_crop gives.
        const at::Tensor resized = pictor::read_image(dir / info["resized_file"].get<std::string>());
        CHECK(resized.size(1) == info["resized_width"].get<int64_t>());
        CHECK(resized.size(0) == info["resized_height"].get<int64_t>());
        const at::Tensor crop =
            resized.narrow(0, info["crop_top"].get<int64_t>(), 224).narrow(1, info["crop_left"].get<int64_t>(), 224);
        CHECK(at::equal(processor.resize_and_crop(image), crop));
        CHECK(pictor::test::all_close(processor.preprocess(image), expected[static_cast<int64_t>(i)], 1e-5, 0,
                                      "pixel_values[" + std::to_string(i) + "]"));
    }
    const at::Tensor batch = processor.preprocess(images);
    CHECK(batch.sizes() == expected.sizes());
    CHECK(pictor::test::all_close(batch, expected, 1e-5, 0, "pixel_values"));
}

TEST_CASE("clip image processor: small images are zero-padded like HF center_crop", "[clip]") {
    CLIPImageProcessorConfig config;
    config.do_resize = false;
    config.crop_height = 4;
    config.crop_width = 5;
    const CLIPImageProcessor processor(config);
    const at::Tensor image = at::full({2, 3, 1}, 200, at::kByte);  // gray 3x2
    const at::Tensor out = processor.resize_and_crop(image);
    REQUIRE(out.sizes() == at::IntArrayRef({4, 5, 3}));
    // Padded to 4x5 with the image at top 1, left 1.
    CHECK(out.select(2, 0).sum().item<int64_t>() == 200 * 6);
    CHECK(out[1][1][0].item<uint8_t>() == 200);
    CHECK(out[0][0][0].item<uint8_t>() == 0);
    CHECK_THROWS_WITH(processor.preprocess(at::zeros({2, 2}, at::kByte)), Catch::Contains("uint8 HWC"));
    CHECK_THROWS_WITH(processor.preprocess(std::vector<at::Tensor>{}), Catch::Contains("no images"));
}
