// The UNet and VAE built from the real SD 1.5 configs have exactly the parameter names and shapes
// of the real checkpoints (manifests made with diffusers 0.21.4). Built on the meta device: shapes
// without the 3.4 GB of a float32 SD 1.5 UNet.
#include <ATen/ATen.h>
#include "tests/support/catch.h"
#include <nlohmann/json.hpp>

#include <map>

#include "core/io/json_config.h"
#include "core/models/sd/unet_2d_condition.h"
#include "core/models/sd/vae.h"
#include "tests/support/fixtures.h"

using namespace pictor;

namespace {

using Shapes = std::map<std::string, std::vector<int64_t>>;

Shapes manifest_shapes(const std::filesystem::path& file) {
    const auto j = nlohmann::json::parse(test::read_text_file(file));
    Shapes out;
    for (const auto& e : j) out[e.at("name").get<std::string>()] = e.at("shape").get<std::vector<int64_t>>();
    return out;
}

Shapes module_shapes(torch::nn::Module& m) {
    Shapes out;
    for (const auto& p : m.named_parameters()) out[p.key()] = p.value().sizes().vec();
    for (const auto& b : m.named_buffers()) out[b.key()] = b.value().sizes().vec();
    return out;
}

void compare(const Shapes& actual, const Shapes& expected) {
    std::vector<std::string> missing, extra, wrong;
    for (const auto& [name, shape] : expected) {
        const auto it = actual.find(name);
        if (it == actual.end()) missing.push_back(name);
        else if (it->second != shape) wrong.push_back(name);
    }
    for (const auto& [name, shape] : actual)
        if (!expected.count(name)) extra.push_back(name);
    INFO("missing: " << missing.size() << (missing.empty() ? "" : " e.g. " + missing[0]));
    INFO("unexpected: " << extra.size() << (extra.empty() ? "" : " e.g. " + extra[0]));
    INFO("wrong shape: " << wrong.size() << (wrong.empty() ? "" : " e.g. " + wrong[0]));
    CHECK(missing.empty());
    CHECK(extra.empty());
    CHECK(wrong.empty());
    CHECK(actual.size() == expected.size());
}

int64_t total(const Shapes& s) {
    int64_t n = 0;
    for (const auto& [name, shape] : s) {
        int64_t k = 1;
        for (int64_t d : shape) k *= d;
        n += k;
    }
    return n;
}

const at::TensorOptions kMeta = at::TensorOptions().dtype(at::kFloat).device(at::kMeta);

}  // namespace

TEST_CASE("SD 1.5 UNet from its config.json has the real checkpoint's names and shapes", "[sd][manifest]") {
    PICTOR_REQUIRE_FIXTURES(fx, "manifests");
    const auto config = UNet2DConditionConfig::from_json(JsonConfig::load(fx / "configs/sd15/unet/config.json"));
    UNet2DConditionModel unet(config, kMeta);
    const Shapes actual = module_shapes(*unet);
    const Shapes expected = manifest_shapes(fx / "sd15_unet.json");
    compare(actual, expected);
    CHECK(expected.size() == 686);
    CHECK(total(actual) == 859520964);
    // The bench preset is this config.
    CHECK(UNet2DConditionConfig::preset("sd15") == config);
}

TEST_CASE("SD 1.5 VAE from its config.json has the real checkpoint's names and shapes", "[sd][manifest]") {
    PICTOR_REQUIRE_FIXTURES(fx, "manifests");
    const auto config = AutoencoderKLConfig::from_json(JsonConfig::load(fx / "configs/sd15/vae/config.json"));
    AutoencoderKL vae(config, kMeta);
    const Shapes actual = module_shapes(*vae);
    Shapes expected;
    for (const auto& [name, shape] : manifest_shapes(fx / "sd15_vae.json")) expected[vae_current_name(name)] = shape;
    compare(actual, expected);
    CHECK(expected.size() == 248);
    CHECK(total(actual) == 83653863);
    CHECK(AutoencoderKLConfig::preset("sd15") == config);
}
