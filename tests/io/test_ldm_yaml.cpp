// The LDM inference yaml reader: sections that are missing or not mappings.
// Regressions of fuzz/fuzz_ldm_yaml: yaml-cpp's operator[] threw YAML::BadSubscript on a scalar
// section (`model: 3`) and YAML::InvalidNode on a missing one (`unet_config` without
// `first_stage_config`), which escaped parse_ldm_yaml instead of pictor::Error / "unset".
#include "tests/support/catch.h"

#include "core/io/ldm_yaml.h"
#include "core/util/error.h"

using pictor::parse_ldm_yaml;

TEST_CASE("ldm yaml without model.params is an error naming the file") {
    for (const char* text : {"abc", "model: 3", "model:\n  params: 5", "[1, 2]", ""}) {
        INFO(text);
        CHECK_THROWS_WITH(parse_ldm_yaml(text, "x.yaml"), Catch::Contains("x.yaml") && Catch::Contains("model.params"));
        CHECK_THROWS_AS(parse_ldm_yaml(text, "x.yaml"), pictor::Error);
    }
}

TEST_CASE("ldm yaml sections that are missing or scalars read as unset") {
    const auto only_unet = parse_ldm_yaml(
        "model:\n  params:\n    timesteps: 1000\n    unet_config:\n      params:\n        model_channels: 32\n", "u.yaml");
    CHECK(only_unet.has_unet_config);
    CHECK(only_unet.model_channels == 32);
    CHECK(only_unet.timesteps == 1000);
    CHECK_FALSE(only_unet.vae_ch);
    CHECK_FALSE(only_unet.cond_stage_target);

    const auto scalars = parse_ldm_yaml(
        "model:\n  params:\n    unet_config: 7\n    first_stage_config:\n      params: x\n    cond_stage_config: [1]\n",
        "s.yaml");
    CHECK_FALSE(scalars.has_unet_config);
    CHECK_FALSE(scalars.vae_ch);
    CHECK_FALSE(scalars.cond_stage_target);

    const auto nothing = parse_ldm_yaml("model:\n  params: {}\n", "n.yaml");
    CHECK_FALSE(nothing.has_unet_config);
    CHECK_FALSE(nothing.linear_start);
}

TEST_CASE("ldm yaml values of the wrong type name the key") {
    CHECK_THROWS_WITH(parse_ldm_yaml("model:\n  params:\n    timesteps: [1]\n", "t.yaml"),
                      Catch::Contains("t.yaml") && Catch::Contains("model.params.timesteps"));
}
