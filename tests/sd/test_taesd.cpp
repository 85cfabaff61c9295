// TAESD (diffusers 0.21.4 AutoencoderTiny, ../shared/fixtures/taesd): the default architecture's
// names and shapes (the real madebyollin/taesd), and decode / encode / scale / forward of the tiny
// model against the reference values.
#include <ATen/ATen.h>
#include "tests/support/catch.h"
#include <c10/core/InferenceMode.h>
#include <nlohmann/json.hpp>

#include <map>

#include "core/image/image_io.h"
#include "core/io/json_config.h"
#include "core/io/safetensors.h"
#include "core/models/sd/taesd.h"
#include "core/util/error.h"
#include "tests/support/fixtures.h"

using namespace pictor;
namespace fs = std::filesystem;

namespace {

AutoencoderTiny& tiny() {
    static AutoencoderTiny model{nullptr};
    if (!model) model = load_taesd(*test::fixtures_root() / "taesd" / "taesd-tiny");
    return model;
}

// PNG -> [1, 3, H, W] in [-1, 1] (uint8 / 127.5 - 1), as the fixture's encode inputs.
at::Tensor image_tensor(const fs::path& png) {
    const at::Tensor rgb = to_rgb(read_image(png));  // [H, W, 3] uint8
    return rgb.permute({2, 0, 1}).unsqueeze(0).to(at::kFloat) / 127.5 - 1.0;
}

}  // namespace

TEST_CASE("TAESD's default config builds madebyollin/taesd's names and shapes", "[sd][taesd][manifest]") {
    PICTOR_REQUIRE_FIXTURES(dir, "taesd");
    const AutoencoderTinyConfig config = AutoencoderTinyConfig::from_json(JsonConfig::load(dir / "taesd-default" / "config.json"));
    AutoencoderTiny model(config, at::TensorOptions().dtype(at::kFloat).device(at::kMeta));
    std::map<std::string, std::vector<int64_t>> actual, expected;
    for (const auto& p : model->named_parameters()) actual[p.key()] = p.value().sizes().vec();
    for (const auto& e : nlohmann::json::parse(test::read_text_file(dir / "manifest_taesd.json")))
        expected[e.at("name").get<std::string>()] = e.at("shape").get<std::vector<int64_t>>();
    CHECK(actual == expected);
    CHECK(actual.size() == 134);
    int64_t params = 0;
    for (const auto& [name, shape] : actual) {
        int64_t k = 1;
        for (int64_t d : shape) k *= d;
        params += k;
    }
    CHECK(params == 2445063);
    CHECK(config.downsampling_factor() == 8);
}

TEST_CASE("TAESD decode, encode, scale and forward equal AutoencoderTiny", "[sd][taesd][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "taesd");
    c10::InferenceMode inference;
    const SafetensorsFile e(dir / "expected.safetensors");
    AutoencoderTiny& vae = tiny();
    for (const char* size : {"8x8", "8x12"}) {
        INFO(size);
        const at::Tensor z = e.load(std::string("decode_latents_") + size);
        CHECK(test::all_close(vae->decode(z), e.load(std::string("decode_sample_") + size), 1e-4, 0, "decode"));
        const at::Tensor scaled = vae->scale_latents(z);
        CHECK(test::all_close(scaled, e.load(std::string("scale_latents_") + size), 1e-6, 0, "scale_latents"));
        CHECK(test::all_close(vae->unscale_latents(scaled), e.load(std::string("unscale_latents_") + size), 1e-6, 0,
                              "unscale_latents"));
    }
    for (const char* size : {"64x64", "64x96"}) {
        INFO(size);
        const at::Tensor image = e.load(std::string("encode_image_") + size);
        CHECK(test::all_close(image_tensor(dir / (std::string("encode_input_") + size + ".png")), image, 1e-6, 0, "encode input"));
        CHECK(test::all_close(vae->encode(image), e.load(std::string("encode_latents_") + size), 1e-4, 0, "encode"));
    }
    const at::Tensor image = e.load("encode_image_64x64");
    const at::Tensor codes = vae->scale_latents(vae->encode(image)).mul(255).round();
    CHECK(test::max_abs_diff(codes, e.load("forward_latents_uint8_64x64")) == 0.0);
    CHECK(test::all_close(vae->forward(image), e.load("forward_sample_64x64"), 1e-4, 0, "forward"));
}

TEST_CASE("TAESD: clear errors for bad configs, folders and inputs", "[sd][taesd]") {
    const auto parse = [](const std::string& text) { return AutoencoderTinyConfig::from_json(JsonConfig::parse(text, "taesd.json")); };
    CHECK_THROWS_WITH(parse(R"({"_class_name": "AutoencoderKL"})"), Catch::Contains("expected \"AutoencoderTiny\""));
    CHECK_THROWS_WITH(parse(R"({"act_fn": "silu"})"), Catch::Contains("\"act_fn\" = \"silu\" is not supported"));
    CHECK_THROWS_WITH(parse(R"({"encoder_block_out_channels": [16, 32, 32, 32]})"),
                      Catch::Contains("must repeat one positive width"));
    CHECK_THROWS_WITH(parse(R"({"num_decoder_blocks": [3, 3]})"), Catch::Contains("of the same length"));
    CHECK_THROWS_WITH(load_taesd("/nonexistent/taesd"), Catch::Contains("loading TAESD from '/nonexistent/taesd'"));
    test::TempDir tmp;
    test::write_text_file(tmp / "config.json", R"({"_class_name": "AutoencoderTiny"})");
    CHECK(is_taesd_folder(tmp.path()));
    CHECK_THROWS_WITH(load_taesd(tmp.path()), Catch::Contains("loading TAESD from"));
    CHECK_FALSE(is_taesd_folder("/nonexistent"));
    PICTOR_REQUIRE_FIXTURES(dir, "taesd");
    CHECK_THROWS_WITH(tiny()->decode(at::zeros({1, 3, 8, 8})), Catch::Contains("latents must be [N, 4, h, w]"));
    CHECK_THROWS_WITH(tiny()->encode(at::zeros({1, 4, 8, 8})), Catch::Contains("image must be [N, 3, H, W]"));
}
