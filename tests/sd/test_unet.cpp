// UNet2DConditionModel: golden forward passes against diffusers 0.21.4 (sd-tiny) and config
// parsing (every SD 1.x/2.x option, clear errors for the rest).
#include <ATen/ATen.h>
#include "tests/support/catch.h"
#include <c10/core/InferenceMode.h>

#include "core/io/json_config.h"
#include "core/io/safetensors.h"
#include "core/models/sd/sd_layers.h"
#include "core/models/sd/sd_loader.h"
#include "core/models/sd/unet_2d_condition.h"
#include "core/util/error.h"
#include "tests/support/fixtures.h"

using namespace pictor;
namespace fs = std::filesystem;

namespace {

JsonConfig json(const std::string& text) { return JsonConfig::parse(text, "unet/config.json"); }

size_t parameter_count(torch::nn::Module& m) {
    size_t n = 0;
    for (const auto& p : m.parameters()) n += p.numel();
    return n;
}

}  // namespace

TEST_CASE("UNet forward equals diffusers: scalar, per-sample and float timesteps", "[sd][unet][golden]") {
    PICTOR_REQUIRE_FIXTURES(fx, "sd-tiny");
    c10::InferenceMode inference;
    UNet2DConditionModel unet = load_unet(fx / "unet");
    const SafetensorsFile expected(fx.parent_path() / "sd-tiny-expected" / "expected.safetensors");
    const at::Tensor sample = expected.load("unet_sample");
    const at::Tensor context = expected.load("unet_encoder_hidden_states");

    SECTION("t = 981 (0-d int64 tensor)") {
        const at::Tensor out = unet->forward(sample, at::scalar_tensor(981, at::kLong), context);
        CHECK(test::all_close(out, expected.load("unet_out_t981"), 1e-4, 1e-4, "unet_out_t981"));
    }
    SECTION("t = [1, 500] (per sample)") {
        const at::Tensor out = unet->forward(sample, expected.load("unet_timesteps_b"), context);
        CHECK(test::all_close(out, expected.load("unet_out_t1_t500"), 1e-4, 1e-4, "unet_out_t1_t500"));
    }
    SECTION("t = 37.5 (python float)") {
        const at::Tensor out =
            unet->forward(expected.load("unet_sample_half"), 37.5, expected.load("unet_encoder_hidden_states_flipped"));
        CHECK(test::all_close(out, expected.load("unet_out_t37_5"), 1e-4, 1e-4, "unet_out_t37_5"));
    }
}

TEST_CASE("UNet config: sd-tiny and SD 1.5 configs parse with diffusers' defaults", "[sd][unet]") {
    PICTOR_REQUIRE_FIXTURES(fx, "sd-tiny");
    const auto tiny = UNet2DConditionConfig::from_json(JsonConfig::load(fx / "unet" / "config.json"));
    CHECK(tiny.block_out_channels == std::vector<int64_t>{32, 32, 64, 64});
    CHECK(tiny.num_attention_heads == std::vector<int64_t>{4, 4, 4, 4});  // attention_head_dim = heads
    CHECK(tiny.cross_attention_dim == std::vector<int64_t>{32, 32, 32, 32});
    CHECK(tiny.norm_num_groups == 8);
    CHECK(tiny.mid_block_type == "UNetMidBlock2DCrossAttn");

    const auto sd15 = UNet2DConditionConfig::from_json(
        JsonConfig::load(fx.parent_path() / "manifests" / "configs" / "sd15" / "unet" / "config.json"));
    CHECK(sd15 == UNet2DConditionConfig::sd15());
    CHECK(sd15 == UNet2DConditionConfig::preset("sd15"));
    CHECK_THROWS_AS(UNet2DConditionConfig::preset("sdxl"), Error);
}

TEST_CASE("UNet config: SD 2.x options (head lists, linear projections, upcast)", "[sd][unet]") {
    c10::InferenceMode inference;
    const auto c = UNet2DConditionConfig::from_json(json(R"({
        "attention_head_dim": [1, 2, 4, 4], "block_out_channels": [16, 32, 64, 64], "cross_attention_dim": 24,
        "norm_num_groups": 8, "layers_per_block": 1, "use_linear_projection": true, "upcast_attention": true,
        "sample_size": 96, "flip_sin_to_cos": false, "freq_shift": 1,
        "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
        "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]})"));
    CHECK(c.num_attention_heads == std::vector<int64_t>{1, 2, 4, 4});
    CHECK(c.use_linear_projection);
    CHECK(c.upcast_attention);
    CHECK(c.layers_per_block == std::vector<int64_t>{1, 1, 1, 1});
    UNet2DConditionModel unet(c);
    sd::randomize_parameters(*unet, 7);
    const auto params = unet->named_parameters();
    // Linear projections are [out, in] matrices; head counts give dim_head = channels / heads.
    CHECK(params["down_blocks.0.attentions.0.proj_in.weight"].sizes() == c10::IntArrayRef{16, 16});
    CHECK(params["down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.weight"].sizes() ==
          c10::IntArrayRef{32, 24});
    CHECK(unet->down_blocks[0]->as<sd::UNetDownBlockImpl>() != nullptr);
    // Latents that are not a multiple of 8 (width 5·8 = 40 px) go through (upsample to skip sizes).
    const at::Tensor out = unet->forward(at::randn({2, 4, 5, 7}), at::tensor({10, 900}), at::randn({2, 3, 24}));
    CHECK(out.sizes() == c10::IntArrayRef{2, 4, 5, 7});
    CHECK(out.isfinite().all().item<bool>());
    // The sd21 preset is the SD 2.1 config.
    const auto sd21 = UNet2DConditionConfig::sd21();
    CHECK(sd21.num_attention_heads == std::vector<int64_t>{5, 10, 20, 20});
    CHECK(sd21.cross_attention_dim[0] == 1024);
}

TEST_CASE("UNet config: num_attention_heads, per-block lists and only_cross_attention", "[sd][unet]") {
    c10::InferenceMode inference;
    const auto c = UNet2DConditionConfig::from_json(json(R"({
        "num_attention_heads": 2, "attention_head_dim": 99, "block_out_channels": [8, 16], "norm_num_groups": 4,
        "cross_attention_dim": [6, 10], "layers_per_block": [1, 2], "transformer_layers_per_block": [2, 1],
        "only_cross_attention": [true, false], "mid_block_type": null,
        "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
        "up_block_types": ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]})"));
    CHECK(c.num_attention_heads == std::vector<int64_t>{2, 2});
    CHECK(c.mid_block_type.empty());
    UNet2DConditionModel unet(c);
    const auto params = unet->named_parameters();
    CHECK(params.find("mid_block.resnets.0.conv1.weight") == nullptr);
    CHECK(params.find("down_blocks.0.attentions.0.transformer_blocks.1.norm1.weight") != nullptr);
    // only_cross_attention: attn1 reads the context too.
    CHECK(params["down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_k.weight"].sizes() ==
          c10::IntArrayRef{8, 6});
    CHECK(params["down_blocks.1.attentions.1.transformer_blocks.0.attn1.to_k.weight"].sizes() ==
          c10::IntArrayRef{16, 16});
    // Up blocks use the lists reversed: up_blocks.0 mirrors down_blocks.1 (3 layers, context 10).
    CHECK(params.find("up_blocks.0.resnets.2.conv1.weight") != nullptr);
    CHECK(params["up_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight"].sizes() ==
          c10::IntArrayRef{16, 10});
    CHECK(parameter_count(*unet) > 0);
}

TEST_CASE("UNet config: unsupported options and bad values are clear errors", "[sd][unet]") {
    const auto message = [](const std::string& text) {
        try {
            UNet2DConditionConfig::from_json(json(text));
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK_THAT(message(R"({"class_embed_type": "timestep"})"), Catch::Contains("class_embed_type"));
    CHECK_THAT(message(R"({"addition_embed_type": "text_time"})"), Catch::Contains("addition_embed_type"));
    CHECK_THAT(message(R"({"dual_cross_attention": true})"), Catch::Contains("dual_cross_attention"));
    CHECK_THAT(message(R"({"resnet_time_scale_shift": "scale_shift"})"), Catch::Contains("resnet_time_scale_shift"));
    CHECK_THAT(message(R"({"mid_block_type": "UNetMidBlock2DSimpleCrossAttn"})"),
               Catch::Contains("UNetMidBlock2DSimpleCrossAttn"));
    CHECK_THAT(message(R"({"down_block_types": ["SimpleCrossAttnDownBlock2D", "DownBlock2D", "DownBlock2D", "DownBlock2D"]})"),
               Catch::Contains("SimpleCrossAttnDownBlock2D"));
    CHECK_THAT(message(R"({"attention_head_dim": [8, 8]})"), Catch::Contains("attention_head_dim"));
    CHECK_THAT(message(R"({"block_out_channels": [320, 640]})"), Catch::Contains("block_out_channels"));
    CHECK_THAT(message(R"({"attention_head_dim": 7})"), Catch::Contains("heads"));
    CHECK_THAT(message(R"({"layers_per_block": "two"})"), Catch::Contains("layers_per_block"));
    CHECK_THAT(message(R"({"norm_num_groups": 30})"), Catch::Contains("norm_num_groups"));
    CHECK_THAT(message(R"({"act_fn": "gelu"})"), Catch::Contains("act_fn"));
}

TEST_CASE("UNet forward rejects wrong input shapes with pictor::Error", "[sd][unet]") {
    c10::InferenceMode inference;
    UNet2DConditionConfig c;
    c.block_out_channels = {8, 8};
    c.down_block_types = {"CrossAttnDownBlock2D", "DownBlock2D"};
    c.up_block_types = {"UpBlock2D", "CrossAttnUpBlock2D"};
    c.only_cross_attention = {false, false};
    c.layers_per_block = {1, 1};
    c.cross_attention_dim = {4, 4};
    c.transformer_layers_per_block = {1, 1};
    c.num_attention_heads = {2, 2};
    c.norm_num_groups = 4;
    UNet2DConditionModel unet(c);
    sd::randomize_parameters(*unet, 1);
    const at::Tensor ctx = at::randn({2, 3, 4});
    CHECK_THROWS_AS(unet->forward(at::randn({2, 3, 4, 4}), 1.0, ctx), Error);          // channels
    CHECK_THROWS_AS(unet->forward(at::randn({2, 4, 4, 4}), 1.0, at::randn({2, 3, 5})), Error);  // context dim
    CHECK_THROWS_AS(unet->forward(at::randn({2, 4, 4, 4}), at::tensor({1, 2, 3}), ctx), Error);  // timesteps
    CHECK(unet->forward(at::randn({2, 4, 4, 4}), at::tensor({5}), ctx).sizes() == c10::IntArrayRef{2, 4, 4, 4});
}

TEST_CASE("load_unet reports missing files and mismatched weights", "[sd][unet]") {
    PICTOR_REQUIRE_FIXTURES(fx, "sd-tiny");
    test::TempDir dir;
    CHECK_THROWS_WITH(load_unet(dir.path()), Catch::Contains("config.json"));
    // The tiny VAE's folder: a valid config + weights, but not a UNet's.
    test::write_text_file(dir / "config.json", test::read_text_file(fx / "unet" / "config.json"));
    fs::copy_file(fx / "vae" / "diffusion_pytorch_model.safetensors", dir / "diffusion_pytorch_model.safetensors");
    CHECK_THROWS_WITH(load_unet(dir.path()), Catch::Contains("missing from the checkpoint") &&
                                                 Catch::Contains("loading UNet from"));
}
