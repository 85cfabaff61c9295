// Golden parity of LCMScheduler with diffusers 0.23.0 (../shared/fixtures/lcm, README section 1):
// timesteps, per-step scalars and every step of the stored traces (fake model outputs, the step
// noise injected), rtol 1e-5 atol 2e-4; for the class defaults (LCM_Dreamshaper_v7) and for
// LCMScheduler.from_config(SD 1.5's scheduler config), as `--scheduler lcm` builds it.
#include "tests/support/catch.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include "core/io/json_config.h"
#include "core/io/safetensors.h"
#include "core/schedulers/scheduler.h"
#include "tests/support/fixtures.h"

using pictor::test::all_close;

namespace {

constexpr double kAtol = 2e-4;
constexpr double kRtol = 1e-5;

void check_lcm_trace(pictor::Scheduler& scheduler, const std::filesystem::path& dir, const std::string& variant, int n) {
    const pictor::JsonConfig reference = pictor::JsonConfig::load(dir / "schedulers.json");
    const nlohmann::json& entry = reference.json().at("schedulers").at(variant);
    const nlohmann::json& expected = entry.at("steps").at("n" + std::to_string(n));
    const std::string label = variant + " n=" + std::to_string(n);
    INFO(label);
    REQUIRE(scheduler.class_name() == "LCMScheduler");
    CHECK(scheduler.draws_noise());
    scheduler.set_timesteps(n);
    CHECK(scheduler.timestep_dtype() == at::kLong);
    CHECK(scheduler.num_unet_calls() == expected.at("num_step_calls").get<int64_t>());
    CHECK(scheduler.timestep_values() == expected.at("timesteps").get<std::vector<double>>());
    CHECK(scheduler.init_noise_sigma() == expected.at("init_noise_sigma").get<double>());

    const pictor::SafetensorsFile trace(dir / entry.at("trace_file").get<std::string>());
    const std::string p = "n" + std::to_string(n) + "_";
    CHECK(all_close(scheduler.timesteps(), trace.load(p + "timesteps"), 0.0, 0.0, label + " timesteps"));
    const at::Tensor outputs = trace.load(p + "model_outputs");
    const at::Tensor samples = trace.load(p + "samples");
    const at::Tensor denoised = trace.load(p + "denoised");
    const at::Tensor x_t = trace.load(p + "x_t");
    const at::Tensor noise = trace.load(p + "step_noise");
    REQUIRE(noise.size(0) == n - 1);  // the last step draws nothing
    at::Tensor x = trace.load(p + "initial_noise") * scheduler.init_noise_sigma();
    REQUIRE(all_close(x, trace.load(p + "initial_sample"), 0.0, 0.0, label + " initial sample"));
    for (int i = 0; i < n; ++i) {
        const double t = scheduler.timestep_values()[static_cast<size_t>(i)];
        const std::string at_step = label + " step " + std::to_string(i);
        CHECK(all_close(x, x_t[i], kAtol, kRtol, at_step + " x_t"));
        CHECK(all_close(scheduler.scale_model_input(x, t), x, 0.0, 0.0, at_step + " scale_model_input"));
        pictor::StepOptions options;
        if (i < n - 1) options.noise = noise[i];
        const pictor::StepOutput out = scheduler.step(outputs[i], t, x, options);
        REQUIRE(all_close(out.prev_sample, samples[i], kAtol, kRtol, at_step + " prev_sample"));
        REQUIRE(out.pred_original_sample.defined());
        CHECK(all_close(out.pred_original_sample, denoised[i], kAtol, kRtol, at_step + " denoised"));
        x = out.prev_sample;
    }
}

}  // namespace

TEST_CASE("LCMScheduler matches diffusers 0.23.0 traces", "[schedulers][golden][lcm]") {
    PICTOR_REQUIRE_FIXTURES(dir, "lcm");
    const int n = GENERATE(1, 2, 4, 8);
    SECTION("class defaults (LCM_Dreamshaper_v7's scheduler)") {
        auto scheduler = pictor::make_scheduler(pictor::JsonConfig::load(dir / "configs" / "lcm_dreamshaper_v7.json"));
        check_lcm_trace(*scheduler, dir, "dreamshaper_v7", n);
    }
    SECTION("saved from SD 1.5's config") {
        auto scheduler = pictor::make_scheduler(pictor::JsonConfig::load(dir / "configs" / "lcm_from_sd15.json"));
        check_lcm_trace(*scheduler, dir, "from_sd15", n);
    }
    SECTION("--scheduler lcm over SD 1.5's PNDM config") {
        PICTOR_REQUIRE_FIXTURES(sd, "sd-tiny");
        auto scheduler = pictor::make_scheduler("lcm", pictor::JsonConfig::load(sd / "scheduler" / "scheduler_config.json"));
        check_lcm_trace(*scheduler, dir, "from_sd15", n);
    }
}

TEST_CASE("LCMScheduler effective configs equal from_config's", "[schedulers][golden][lcm]") {
    PICTOR_REQUIRE_FIXTURES(dir, "lcm");
    PICTOR_REQUIRE_FIXTURES(sd, "sd-tiny");
    const pictor::JsonConfig reference = pictor::JsonConfig::load(dir / "schedulers.json");
    const auto check = [&](const pictor::SchedulerConfig& c, const std::string& variant) {
        const nlohmann::json& eff = reference.json().at("schedulers").at(variant).at("effective_config");
        INFO(variant);
        CHECK(c.beta_start == eff.at("beta_start").get<double>());
        CHECK(c.beta_end == eff.at("beta_end").get<double>());
        CHECK(c.beta_schedule == eff.at("beta_schedule").get<std::string>());
        CHECK(c.original_inference_steps == eff.at("original_inference_steps").get<int64_t>());
        CHECK(c.timestep_scaling == eff.at("timestep_scaling").get<double>());
        CHECK(c.set_alpha_to_one == eff.at("set_alpha_to_one").get<bool>());
        CHECK(c.clip_sample == eff.at("clip_sample").get<bool>());
        CHECK(c.steps_offset == eff.at("steps_offset").get<int64_t>());
        CHECK(c.prediction_type == eff.at("prediction_type").get<std::string>());
    };
    check(pictor::make_scheduler("lcm", pictor::JsonConfig::load(sd / "scheduler" / "scheduler_config.json"))->config(),
          "from_sd15");
    check(pictor::SchedulerConfig::defaults(pictor::SchedulerKind::lcm), "dreamshaper_v7");
}

TEST_CASE("LCMScheduler refuses what it cannot do", "[schedulers][lcm]") {
    const pictor::JsonConfig v = pictor::JsonConfig::parse(R"({"_class_name": "LCMScheduler", "prediction_type": "v_prediction"})", "lcm.json");
    CHECK_THROWS_WITH(pictor::make_scheduler(v), Catch::Contains("prediction_type \"v_prediction\" is not supported"));
    auto s = pictor::make_scheduler(pictor::JsonConfig::parse(R"({"_class_name": "LCMScheduler"})", "lcm.json"));
    CHECK_THROWS_WITH(s->set_timesteps(51), Catch::Contains("original_inference_steps = 50"));
    CHECK_THROWS_WITH(s->set_timesteps(0), Catch::Contains("num_inference_steps must lie in [1"));
    s->set_timesteps(4);
    CHECK(s->timestep_values() == std::vector<double>{999, 759, 519, 279});
    const at::Tensor x = at::zeros({1, 4, 2, 2});
    CHECK_THROWS_WITH(s->step(x, 500, x), Catch::Contains("not in the schedule"));
}
