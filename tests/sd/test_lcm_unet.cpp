// LCM-distilled UNets (../shared/fixtures/lcm, README sections 2 and 3, diffusers 0.23.0): the
// guidance-scale embedding and the UNet with time_cond_proj_dim (time_embedding.cond_proj).
#include <ATen/ATen.h>
#include "tests/support/catch.h"
#include <c10/core/InferenceMode.h>

#include "core/io/json_config.h"
#include "core/io/safetensors.h"
#include "core/models/sd/embeddings.h"
#include "core/models/sd/sd_loader.h"
#include "core/models/sd/unet_2d_condition.h"
#include "core/util/error.h"
#include "tests/support/fixtures.h"

using namespace pictor;

TEST_CASE("guidance-scale embedding equals get_guidance_scale_embedding", "[sd][lcm][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "lcm");
    const SafetensorsFile e(dir / "expected.safetensors");
    const at::Tensor w = e.load("gse_w");
    // README: atol 1e-3 (arguments up to 8500 rad; float32 in the reference's order).
    CHECK(test::all_close(sd::guidance_scale_embedding(w, 32), e.load("gse_emb_d32"), 1e-3, 0, "gse d32"));
    CHECK(test::all_close(sd::guidance_scale_embedding(w, 256), e.load("gse_emb_d256"), 1e-3, 0, "gse d256"));
    // The pipeline's w = guidance - 1, computed in Python floats, then float32.
    const std::vector<double> scales{1.0, 1.5, 2.5, 7.5, 8.5, 9.5};
    std::vector<float> ws;
    for (double g : scales) ws.push_back(static_cast<float>(g - 1.0));
    CHECK(at::equal(at::tensor(ws), w));
    // Odd widths get a zero column, as the reference pads.
    const at::Tensor odd = sd::guidance_scale_embedding(w, 33);
    CHECK(odd.size(1) == 33);
    CHECK(odd.select(1, 32).abs().max().item<float>() == 0.0f);
    CHECK_THROWS_AS(sd::guidance_scale_embedding(w.view({2, 3}), 32), Error);
}

TEST_CASE("UNet with time_cond_proj_dim equals diffusers 0.23.0", "[sd][lcm][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "lcm");
    c10::InferenceMode inference;
    const SafetensorsFile e(dir / "expected.safetensors");
    const UNet2DConditionModel unet = load_unet(dir / "lcm-tiny" / "unet");
    REQUIRE(unet->config().time_cond_proj_dim == 32);
    REQUIRE(unet->time_embedding->cond_proj);
    const at::Tensor sample = e.load("unet_sample");
    const at::Tensor context = e.load("unet_encoder_hidden_states");

    SECTION("time embedding with and without the condition") {
        const at::Tensor t_emb = e.load("unet_time_proj");
        CHECK(test::all_close(unet->time_embedding->forward(t_emb, e.load("unet_timestep_cond")),
                              e.load("unet_time_embedding_cond"), 1e-4, 0, "time_embedding cond"));
        CHECK(test::all_close(unet->time_embedding->forward(t_emb), e.load("unet_time_embedding_nocond"), 1e-4, 0,
                              "time_embedding nocond"));
    }
    SECTION("forward with timestep_cond, per-sample timesteps, and without") {
        const at::Tensor t999 = at::tensor(int64_t{999});
        CHECK(test::all_close(unet->forward(sample, t999, context, e.load("unet_timestep_cond")), e.load("unet_out_cond"),
                              1e-4, 1e-4, "unet_out_cond"));
        CHECK(test::all_close(unet->forward(sample, e.load("unet_timesteps_pair"), context, e.load("unet_timestep_cond_pair")),
                              e.load("unet_out_cond_pair"), 1e-4, 1e-4, "unet_out_cond_pair"));
        CHECK(test::all_close(unet->forward(sample, t999, context), e.load("unet_out_nocond"), 1e-4, 1e-4,
                              "unet_out_nocond"));
    }
    SECTION("the recomputed guidance embedding gives the same output") {
        const at::Tensor w = at::full({2}, static_cast<float>(8.5 - 1.0));
        CHECK(test::all_close(unet->forward(sample, at::tensor(int64_t{999}), context, sd::guidance_scale_embedding(w, 32)),
                              e.load("unet_out_cond"), 1e-4, 1e-4, "unet_out_cond (recomputed w)"));
    }
    SECTION("a condition of the wrong width is refused with the expected shape") {
        CHECK_THROWS_WITH(unet->forward(sample, at::tensor(int64_t{999}), context, at::zeros({2, 16})),
                          Catch::Contains("timestep_cond must be [2, 32]"));
    }
}

TEST_CASE("a UNet without time_cond_proj_dim refuses a timestep condition", "[sd][lcm]") {
    PICTOR_REQUIRE_FIXTURES(dir, "sd-tiny");
    c10::InferenceMode inference;
    const UNet2DConditionModel unet = load_unet(dir / "unet");
    CHECK(unet->config().time_cond_proj_dim == 0);
    CHECK_FALSE(unet->time_embedding->cond_proj);
    CHECK_NOTHROW(unet->forward(at::zeros({1, 4, 8, 8}), 10.0, at::zeros({1, 77, 32})));
    CHECK_THROWS_WITH(unet->time_embedding->forward(at::zeros({1, 32}), at::zeros({1, 32})),
                      Catch::Contains("has no time_cond_proj_dim"));
}
