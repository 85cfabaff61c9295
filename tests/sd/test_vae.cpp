// AutoencoderKL: golden decode / encode against diffusers 0.21.4 (sd-tiny), the old checkpoint
// attention names, config parsing.
#include <ATen/ATen.h>
#include "tests/support/catch.h"
#include <c10/core/InferenceMode.h>

#include "core/io/json_config.h"
#include "core/io/safetensors.h"
#include "core/io/tensor_map.h"
#include "core/models/sd/sd_loader.h"
#include "core/models/sd/vae.h"
#include "core/util/error.h"
#include "tests/support/fixtures.h"

using namespace pictor;
namespace fs = std::filesystem;

namespace {

// Old (pre-0.14 diffusers) names of the mid-block attention, as in the SD 1.x hub VAE.
std::string old_name(const std::string& name) {
    static const std::pair<const char*, const char*> kMap[] = {
        {".to_q.", ".query."}, {".to_k.", ".key."}, {".to_v.", ".value."}, {".to_out.0.", ".proj_attn."}};
    for (const auto& [from, to] : kMap) {
        const auto pos = name.find(from);
        if (pos != std::string::npos) return name.substr(0, pos) + to + name.substr(pos + std::string(from).size());
    }
    return name;
}

void check_golden(AutoencoderKL& vae, const SafetensorsFile& expected) {
    const at::Tensor decoded = vae->decode(expected.load("vae_decode_latents"));
    CHECK(test::all_close(decoded, expected.load("vae_decode_sample"), 1e-4, 0, "vae_decode_sample"));
    const LatentDistribution d = vae->encode(expected.load("vae_encode_image"));
    CHECK(test::all_close(d.mean, expected.load("vae_posterior_mean"), 1e-4, 0, "vae_posterior_mean"));
    CHECK(test::all_close(d.std, expected.load("vae_posterior_std"), 1e-4, 0, "vae_posterior_std"));
    CHECK(test::all_close(d.logvar, expected.load("vae_posterior_logvar"), 1e-4, 0, "vae_posterior_logvar"));
}

}  // namespace

TEST_CASE("VAE decode and encode equal diffusers", "[sd][vae][golden]") {
    PICTOR_REQUIRE_FIXTURES(fx, "sd-tiny");
    c10::InferenceMode inference;
    AutoencoderKL vae = load_vae(fx / "vae");
    CHECK(vae->downsampling_factor() == 8);
    CHECK(vae->config().scaling_factor == Approx(0.18215));
    const SafetensorsFile expected(fx.parent_path() / "sd-tiny-expected" / "expected.safetensors");
    check_golden(vae, expected);
}

TEST_CASE("VAE loads old attention names, also stored as 1x1 convs", "[sd][vae][golden]") {
    PICTOR_REQUIRE_FIXTURES(fx, "sd-tiny");
    c10::InferenceMode inference;
    const TensorMap current = load_weights(fx / "vae" / "diffusion_pytorch_model.safetensors");
    const bool conv_shaped = GENERATE(false, true);
    CAPTURE(conv_shaped);
    TensorMap old;
    size_t renamed = 0;
    for (const auto& [name, t] : current) {
        const std::string o = old_name(name);
        if (o != name) {
            ++renamed;
            old[o] = (conv_shaped && t.dim() == 2) ? t.reshape({t.size(0), t.size(1), 1, 1}) : t;
        } else {
            old[name] = t;
        }
    }
    CHECK(renamed == 16);  // encoder + decoder mid-block: q, k, v, proj_attn × weight/bias
    test::TempDir dir;
    test::write_text_file(dir / "config.json", test::read_text_file(fx / "vae" / "config.json"));
    write_safetensors(dir / "diffusion_pytorch_model.safetensors", old);
    AutoencoderKL vae = load_vae(dir.path());
    const SafetensorsFile expected(fx.parent_path() / "sd-tiny-expected" / "expected.safetensors");
    check_golden(vae, expected);
}

TEST_CASE("VAE names: the old-name mapping touches only attention tensors", "[sd][vae]") {
    CHECK(vae_current_name("encoder.mid_block.attentions.0.query.weight") == "encoder.mid_block.attentions.0.to_q.weight");
    CHECK(vae_current_name("decoder.mid_block.attentions.0.proj_attn.bias") ==
          "decoder.mid_block.attentions.0.to_out.0.bias");
    CHECK(vae_current_name("decoder.mid_block.attentions.0.group_norm.weight") ==
          "decoder.mid_block.attentions.0.group_norm.weight");
    CHECK(vae_current_name("decoder.up_blocks.0.resnets.0.conv1.weight") == "decoder.up_blocks.0.resnets.0.conv1.weight");
}

TEST_CASE("VAE config: defaults, presets and errors", "[sd][vae]") {
    PICTOR_REQUIRE_FIXTURES(fx, "manifests");
    const auto sd15 = AutoencoderKLConfig::from_json(JsonConfig::load(fx / "configs" / "sd15" / "vae" / "config.json"));
    CHECK(sd15 == AutoencoderKLConfig::sd15());  // scaling_factor / force_upcast from the class defaults
    CHECK(AutoencoderKLConfig::preset("sd15") == sd15);
    CHECK_THROWS_AS(AutoencoderKLConfig::preset("nope"), Error);
    const auto error = [](const std::string& text) {
        try {
            AutoencoderKLConfig::from_json(JsonConfig::parse(text, "vae/config.json"));
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK_THAT(error(R"({"block_out_channels": [64, 64]})"), Catch::Contains("down_block_types"));
    CHECK_THAT(error(R"({"down_block_types": ["AttnDownEncoderBlock2D"]})"), Catch::Contains("AttnDownEncoderBlock2D"));
    CHECK_THAT(error(R"({"norm_num_groups": 3})"), Catch::Contains("norm_num_groups"));
    CHECK_THAT(error(R"({"latent_channels": "4"})"), Catch::Contains("latent_channels"));
    CHECK_THAT(error(R"({"act_fn": "relu"})"), Catch::Contains("act_fn"));
}

TEST_CASE("VAE rejects wrong input shapes with pictor::Error", "[sd][vae]") {
    PICTOR_REQUIRE_FIXTURES(fx, "sd-tiny");
    c10::InferenceMode inference;
    AutoencoderKL vae = load_vae(fx / "vae");
    CHECK_THROWS_AS(vae->encode(at::zeros({1, 3, 60, 64})), Error);
    CHECK_THROWS_AS(vae->encode(at::zeros({1, 4, 64, 64})), Error);
    CHECK_THROWS_AS(vae->decode(at::zeros({1, 3, 8, 8})), Error);
    CHECK(vae->decode(at::zeros({2, 4, 3, 5})).sizes() == c10::IntArrayRef{2, 3, 24, 40});
}
