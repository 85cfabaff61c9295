// Golden parity of every scheduler with diffusers 0.21.4 (../shared/fixtures/schedulers, README
// section 4): schedule tables, and every step of the stored traces, rtol 1e-5 atol 1e-4.
#include "tests/support/catch.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include "core/io/json_config.h"
#include "core/io/safetensors.h"
#include "core/schedulers/scheduler.h"
#include "tests/support/fixtures.h"

using pictor::test::all_close;

namespace {

constexpr double kAtol = 1e-4;
constexpr double kRtol = 1e-5;

// Fixture scheduler names and the CLI names that build the same scheduler from the SD 1.5 file.
struct Case {
    const char* fixture;
    const char* cli;
};
constexpr Case kCases[] = {
    {"pndm", "pndm"},
    {"ddim", "ddim"},
    {"euler", "euler"},
    {"euler_ancestral", "euler_a"},
    {"dpmsolver_multistep", "dpmpp_2m"},
    {"lms", "lms"},
    {"dpmsolver_multistep_karras", "dpmpp_2m_karras"},
};

// schedulers.json holds Python's -Infinity (lambda_min_clipped): read it like a scheduler config.
pictor::JsonConfig read_reference(const std::filesystem::path& dir) {
    return pictor::JsonConfig::load(dir / "schedulers.json");
}

at::Tensor doubles(const nlohmann::json& j) {
    return at::tensor(j.get<std::vector<double>>(), at::kDouble);
}

std::string dtype_name(c10::ScalarType t) {
    switch (t) {
        case at::kLong: return "int64";
        case at::kFloat: return "float32";
        case at::kDouble: return "float64";
        default: return "other";
    }
}

// Checks the schedule against schedulers.json and replays trace_<fixture>.safetensors for `n`.
void check_against_reference(pictor::Scheduler& scheduler, const std::filesystem::path& dir,
                             const std::string& fixture, int n) {
    const pictor::JsonConfig reference = read_reference(dir);
    const nlohmann::json& entry = reference.json().at("schedulers").at(fixture);
    const nlohmann::json& expected = entry.at("steps").at(std::to_string(n));
    const std::string label = fixture + " n=" + std::to_string(n);
    INFO(label);

    REQUIRE(scheduler.class_name() == entry.at("class").get<std::string>());
    scheduler.set_timesteps(n);

    // Schedule tables.
    CHECK(dtype_name(scheduler.timestep_dtype()) == expected.at("timesteps_dtype").get<std::string>());
    CHECK(scheduler.num_unet_calls() == expected.at("num_step_calls").get<int64_t>());
    CHECK(all_close(scheduler.timesteps(), doubles(expected.at("timesteps")), kAtol, kRtol, label + " timesteps"));
    if (expected.contains("sigmas")) {
        REQUIRE(scheduler.sigmas().defined());
        CHECK(all_close(scheduler.sigmas(), doubles(expected.at("sigmas")), kAtol, kRtol, label + " sigmas"));
    } else {
        CHECK_FALSE(scheduler.sigmas().defined());
    }
    CHECK(scheduler.init_noise_sigma() == Approx(expected.at("init_noise_sigma").get<double>()).epsilon(kRtol));
    CHECK(scheduler.order() == entry.at("order").get<int>());

    // The trace.
    const pictor::SafetensorsFile trace(dir / ("trace_" + fixture + ".safetensors"));
    const std::string p = std::string("n") + std::to_string(n) + "_";
    const at::Tensor timesteps = trace.load(p + "timesteps");
    const at::Tensor model_outputs = trace.load(p + "model_outputs");
    const at::Tensor samples = trace.load(p + "samples");
    const at::Tensor factors = trace.load(p + "scale_factors");
    const bool has_x0 = trace.contains(p + "pred_original_samples");
    const at::Tensor x0s = has_x0 ? trace.load(p + "pred_original_samples") : at::Tensor();
    const bool ancestral = trace.contains(p + "ancestral_noise");
    const at::Tensor noises = ancestral ? trace.load(p + "ancestral_noise") : at::Tensor();

    CHECK(all_close(scheduler.timesteps(), timesteps, 0.0, 0.0, label + " trace timesteps"));
    const at::Tensor initial_noise = trace.load(p + "initial_noise");
    at::Tensor x = initial_noise * scheduler.init_noise_sigma();
    REQUIRE(all_close(x, trace.load(p + "initial_sample"), kAtol, kRtol, label + " initial sample"));

    const int64_t steps = scheduler.num_unet_calls();
    REQUIRE(steps == model_outputs.size(0));
    for (int64_t i = 0; i < steps; ++i) {
        const double t = scheduler.timestep_values()[static_cast<size_t>(i)];
        const std::string at_step = label + " step " + std::to_string(i) + " (t=" + std::to_string(t) + ")";
        const at::Tensor x_in = scheduler.scale_model_input(x, t);
        CHECK(all_close(x_in, x * factors[i].item<double>(), kAtol, kRtol, at_step + " scale_model_input"));
        pictor::StepOptions options;
        if (ancestral) options.noise = noises[i];
        const pictor::StepOutput out = scheduler.step(model_outputs[i], t, x, options);
        REQUIRE(all_close(out.prev_sample, samples[i], kAtol, kRtol, at_step + " prev_sample"));
        if (has_x0) {
            REQUIRE(out.pred_original_sample.defined());
            CHECK(all_close(out.pred_original_sample, x0s[i], kAtol, kRtol, at_step + " pred_original_sample"));
        } else {
            CHECK_FALSE(out.pred_original_sample.defined());
        }
        x = out.prev_sample;
    }
}

}  // namespace

TEST_CASE("schedulers built from their saved configs match diffusers 0.21.4 traces", "[schedulers][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "schedulers");
    const Case c = GENERATE(from_range(std::begin(kCases), std::end(kCases)));
    const int n = GENERATE(4, 10, 50);
    const pictor::JsonConfig config =
        pictor::JsonConfig::load(dir / "configs" / (std::string(c.fixture) + ".json"));
    auto scheduler = pictor::make_scheduler(config);
    check_against_reference(*scheduler, dir, c.fixture, n);
}

TEST_CASE("schedulers built by CLI name from SD 1.5's scheduler_config.json match the traces",
          "[schedulers][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "schedulers");
    PICTOR_REQUIRE_FIXTURES(sd, "sd-tiny");
    const Case c = GENERATE(from_range(std::begin(kCases), std::end(kCases)));
    const int n = GENERATE(4, 10, 50);
    // The SD 1.5 file is PNDM's and older than 0.21.4: every other class applies its defaults.
    const pictor::JsonConfig sd15 = pictor::JsonConfig::load(sd / "scheduler" / "scheduler_config.json");
    auto scheduler = pictor::make_scheduler(c.cli, sd15);
    check_against_reference(*scheduler, dir, c.fixture, n);
}

TEST_CASE("effective configs equal diffusers' from_config results", "[schedulers][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "schedulers");
    PICTOR_REQUIRE_FIXTURES(sd, "sd-tiny");
    const Case c = GENERATE(from_range(std::begin(kCases), std::end(kCases)));
    const pictor::JsonConfig reference = read_reference(dir);
    const nlohmann::json& eff = reference.json().at("schedulers").at(c.fixture).at("effective_config");
    const pictor::JsonConfig sd15 = pictor::JsonConfig::load(sd / "scheduler" / "scheduler_config.json");
    const pictor::SchedulerConfig cfg = pictor::make_scheduler(c.cli, sd15)->config();
    INFO(c.fixture);
    CHECK(cfg.num_train_timesteps == eff.at("num_train_timesteps").get<int64_t>());
    CHECK(cfg.beta_start == eff.at("beta_start").get<double>());
    CHECK(cfg.beta_end == eff.at("beta_end").get<double>());
    CHECK(cfg.beta_schedule == eff.at("beta_schedule").get<std::string>());
    CHECK(cfg.prediction_type == eff.at("prediction_type").get<std::string>());
    CHECK(cfg.timestep_spacing == eff.at("timestep_spacing").get<std::string>());
    CHECK(cfg.steps_offset == eff.at("steps_offset").get<int64_t>());
    const auto check_bool = [&](const char* key, bool value) {
        INFO(key);
        if (eff.contains(key)) CHECK(value == eff.at(key).get<bool>());
    };
    // Keys the class does not take (clip_sample for Euler, ...) are not compared.
    if (cfg.kind == pictor::SchedulerKind::pndm || cfg.kind == pictor::SchedulerKind::ddim) {
        check_bool("set_alpha_to_one", cfg.set_alpha_to_one);
    }
    if (cfg.kind == pictor::SchedulerKind::pndm) check_bool("skip_prk_steps", cfg.skip_prk_steps);
    if (cfg.kind == pictor::SchedulerKind::ddim) {
        check_bool("clip_sample", cfg.clip_sample);
        check_bool("thresholding", cfg.thresholding);
        check_bool("rescale_betas_zero_snr", cfg.rescale_betas_zero_snr);
    }
    if (cfg.kind == pictor::SchedulerKind::euler || cfg.kind == pictor::SchedulerKind::lms ||
        cfg.kind == pictor::SchedulerKind::dpm_solver_multistep)
        check_bool("use_karras_sigmas", cfg.use_karras_sigmas);
    if (cfg.kind == pictor::SchedulerKind::euler)
        CHECK(cfg.interpolation_type == eff.at("interpolation_type").get<std::string>());
    if (cfg.kind == pictor::SchedulerKind::dpm_solver_multistep) {
        CHECK(cfg.solver_order == eff.at("solver_order").get<int64_t>());
        CHECK(cfg.algorithm_type == eff.at("algorithm_type").get<std::string>());
        CHECK(cfg.solver_type == eff.at("solver_type").get<std::string>());
        check_bool("lower_order_final", cfg.lower_order_final);
        CHECK(cfg.variance_type.empty());
        CHECK(std::isinf(cfg.lambda_min_clipped));
        CHECK(cfg.lambda_min_clipped < 0);
    }
}

TEST_CASE("betas and alphas_cumprod equal the reference float32 tables", "[schedulers][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "schedulers");
    PICTOR_REQUIRE_FIXTURES(sd, "sd-tiny");
    const pictor::SafetensorsFile ref(dir / "betas_alphas_cumprod.safetensors");
    const pictor::JsonConfig sd15 = pictor::JsonConfig::load(sd / "scheduler" / "scheduler_config.json");
    const std::string name = GENERATE(from_range(pictor::scheduler_names()));
    auto scheduler = pictor::make_scheduler(name, sd15);
    INFO(name);
    CHECK(scheduler->betas().scalar_type() == at::kFloat);
    CHECK(scheduler->alphas_cumprod().scalar_type() == at::kFloat);
    // Same float32 torch ops as the reference: equal to the last bit.
    CHECK(pictor::test::max_abs_diff(scheduler->betas(), ref.load("betas")) == 0.0);
    CHECK(pictor::test::max_abs_diff(scheduler->alphas_cumprod(), ref.load("alphas_cumprod")) == 0.0);
}

// SD-Turbo-style sampling (../shared/fixtures/turbo, README section 1): Euler and Euler ancestral
// with timestep_spacing "trailing", 1, 2 and 4 steps, from the saved configs and as the CLI builds
// them (`--scheduler euler_a --timestep-spacing trailing` over SD 1.5's PNDM config).
TEST_CASE("Euler and Euler ancestral with trailing spacing match the SD-Turbo traces", "[schedulers][golden][turbo]") {
    PICTOR_REQUIRE_FIXTURES(dir, "turbo");
    PICTOR_REQUIRE_FIXTURES(sd, "sd-tiny");
    const Case c = GENERATE(Case{"euler_trailing", "euler"}, Case{"euler_ancestral_trailing", "euler_a"});
    const int n = GENERATE(1, 2, 4);
    SECTION("from the saved config") {
        auto scheduler = pictor::make_scheduler(pictor::JsonConfig::load(dir / "configs" / (std::string(c.fixture) + ".json")));
        CHECK(scheduler->config().timestep_spacing == "trailing");
        check_against_reference(*scheduler, dir, c.fixture, n);
    }
    SECTION("by name with the spacing override") {
        const pictor::JsonConfig sd15 = pictor::JsonConfig::load(sd / "scheduler" / "scheduler_config.json");
        auto scheduler = pictor::make_scheduler(c.cli, sd15, "trailing");
        check_against_reference(*scheduler, dir, c.fixture, n);
    }
}

TEST_CASE("a timestep spacing override keeps the model's own class when no name is given", "[schedulers]") {
    PICTOR_REQUIRE_FIXTURES(sd, "sd-tiny");
    const pictor::JsonConfig sd15 = pictor::JsonConfig::load(sd / "scheduler" / "scheduler_config.json");
    auto scheduler = pictor::make_scheduler("", sd15, "trailing");
    CHECK(scheduler->kind() == pictor::SchedulerKind::pndm);
    CHECK(scheduler->config().timestep_spacing == "trailing");
    CHECK_THROWS_WITH(pictor::make_scheduler("euler", sd15, "sideways"), Catch::Contains("unknown timestep_spacing \"sideways\""));
}
