// Scheduler configs (class defaults, diffusers' from_config rules, bad input), behaviour that
// the golden traces do not cover (other spacings and prediction types, drawn noise, add_noise),
// and the refusal of the diffusers options Pictor does not implement because no golden data
// verifies them (DPM-Solver order 3 / heun / SDE / dpmsolver, thresholding, Karras sigmas outside
// DPM-Solver, ...).
#include "tests/support/catch.h"

#include <ATen/ATen.h>

#include <cmath>
#include <filesystem>
#include <numbers>

#include "core/io/json_config.h"
#include "core/schedulers/scheduler.h"
#include "core/util/error.h"
#include "tests/support/fixtures.h"

using pictor::JsonConfig;
using pictor::SchedulerKind;
using pictor::test::all_close;
using Catch::Matchers::Contains;

namespace {

JsonConfig cfg(const std::string& text) { return pictor::JsonConfig::parse(text, "test config"); }

// SD 1.5's scheduler_config.json, inline (the fixture copy is used by the golden tests).
const char* kSd15 = R"({"_class_name": "PNDMScheduler", "_diffusers_version": "0.6.0", "beta_end": 0.012,
  "beta_schedule": "scaled_linear", "beta_start": 0.00085, "num_train_timesteps": 1000, "set_alpha_to_one": false,
  "skip_prk_steps": true, "steps_offset": 1, "trained_betas": null, "clip_sample": false})";

std::vector<double> values(const pictor::Scheduler& s) { return s.timestep_values(); }

JsonConfig dpm(const std::string& fields) {
    return cfg(R"({"_class_name": "DPMSolverMultistepScheduler", )" + fields + "}");
}

// `json` is refused both when its own class is built and when it is parsed as `kind`, with a
// message that names the config source, the field and says it is not supported.
void check_refused(const JsonConfig& json, SchedulerKind kind, const std::string& field) {
    INFO(json.json().dump());
    // (Catch's combined matchers hold their parts by pointer: build them inside each check.)
    CHECK_THROWS_WITH(pictor::make_scheduler(json),
                      Contains("test config") && Contains(field) && Contains("is not supported"));
    CHECK_THROWS_WITH(pictor::SchedulerConfig::from_json(kind, json),
                      Contains("test config") && Contains(field) && Contains("is not supported"));
    CHECK_THROWS_AS(pictor::make_scheduler(json), pictor::Error);
}

}  // namespace

TEST_CASE("class defaults apply to missing keys", "[schedulers]") {
    const JsonConfig empty = cfg("{}");
    auto ddim = pictor::SchedulerConfig::from_json(SchedulerKind::ddim, empty);
    CHECK(ddim.beta_schedule == "linear");
    CHECK(ddim.beta_start == 0.0001);
    CHECK(ddim.beta_end == 0.02);
    CHECK(ddim.clip_sample);
    CHECK(ddim.set_alpha_to_one);
    CHECK(ddim.timestep_spacing == "leading");
    CHECK(ddim.steps_offset == 0);

    auto pndm = pictor::SchedulerConfig::from_json(SchedulerKind::pndm, empty);
    CHECK_FALSE(pndm.skip_prk_steps);
    CHECK_FALSE(pndm.set_alpha_to_one);
    CHECK(pndm.timestep_spacing == "leading");

    for (auto kind : {SchedulerKind::euler, SchedulerKind::euler_ancestral, SchedulerKind::lms,
                      SchedulerKind::dpm_solver_multistep}) {
        auto c = pictor::SchedulerConfig::from_json(kind, empty);
        CHECK(c.timestep_spacing == "linspace");
        CHECK(c.prediction_type == "epsilon");
        CHECK_FALSE(c.use_karras_sigmas);
    }
    auto dpm = pictor::SchedulerConfig::from_json(SchedulerKind::dpm_solver_multistep, empty);
    CHECK(dpm.solver_order == 2);
    CHECK(dpm.algorithm_type == "dpmsolver++");
    CHECK(dpm.solver_type == "midpoint");
    CHECK(dpm.lower_order_final);
    CHECK(dpm.lambda_min_clipped == -std::numeric_limits<double>::infinity());
}

TEST_CASE("keys listed in _use_default_values fall back to the class default", "[schedulers]") {
    // A config saved by an Euler scheduler, loaded as PNDM: diffusers drops the defaulted keys.
    const JsonConfig c = cfg(R"({"_class_name": "EulerDiscreteScheduler", "timestep_spacing": "linspace",
        "steps_offset": 1, "_use_default_values": ["timestep_spacing"]})");
    auto pndm = pictor::make_scheduler("pndm", c);
    CHECK(pndm->config().timestep_spacing == "leading");
    CHECK(pndm->config().steps_offset == 1);
    auto euler = pictor::make_scheduler(c);
    CHECK(euler->kind() == SchedulerKind::euler);
    CHECK(euler->config().timestep_spacing == "linspace");
}

TEST_CASE("Python's Infinity/NaN tokens are accepted, strings are left alone", "[schedulers]") {
    // sample_max_value (a thresholding parameter, unused while thresholding is false) is accepted.
    const JsonConfig c = cfg(R"({"_class_name": "DPMSolverMultistepScheduler", "lambda_min_clipped": -Infinity,
        "sample_max_value": Infinity, "variance_type": null, "note": "-Infinity \" NaN"})");
    auto s = pictor::make_scheduler(c);
    CHECK(s->config().lambda_min_clipped == -std::numeric_limits<double>::infinity());
    CHECK(s->config().variance_type.empty());
    CHECK(c.get_string("note", "") == "-Infinity \" NaN");
    CHECK(std::isinf(c.get_double("sample_max_value", 0.0)));
}

TEST_CASE("CLI names pick the class and the DPM++ variants", "[schedulers]") {
    const JsonConfig sd15 = cfg(kSd15);
    const std::vector<std::pair<std::string, SchedulerKind>> expected = {
        {"pndm", SchedulerKind::pndm},   {"ddim", SchedulerKind::ddim},
        {"euler", SchedulerKind::euler}, {"euler_a", SchedulerKind::euler_ancestral},
        {"dpmpp_2m", SchedulerKind::dpm_solver_multistep}, {"dpmpp_2m_karras", SchedulerKind::dpm_solver_multistep},
        {"lms", SchedulerKind::lms}, {"lcm", SchedulerKind::lcm}};
    REQUIRE(pictor::scheduler_names().size() == expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
        CHECK(pictor::scheduler_names()[i] == expected[i].first);
        auto s = pictor::make_scheduler(expected[i].first, sd15);
        CHECK(s->kind() == expected[i].second);
        // The display name builds the same scheduler.
        auto by_display = pictor::make_scheduler(pictor::scheduler_display_name(expected[i].first), sd15);
        CHECK(by_display->kind() == expected[i].second);
    }
    CHECK(pictor::scheduler_display_name("euler_a") == "Euler a");
    CHECK(pictor::scheduler_display_name("dpmpp_2m_karras") == "DPM++ 2M Karras");
    CHECK_FALSE(pictor::make_scheduler("dpmpp_2m", sd15)->config().use_karras_sigmas);
    CHECK(pictor::make_scheduler("dpmpp_2m_karras", sd15)->config().use_karras_sigmas);
    // dpmpp_2m means DPM-Solver++ 2M even if the saved config asks for a sampler Pictor refuses.
    for (const std::string saved : {R"("solver_order": 3, "algorithm_type": "dpmsolver")",
                                    R"("algorithm_type": "sde-dpmsolver++", "solver_type": "heun")",
                                    R"("algorithm_type": "sde-dpmsolver", "solver_order": 1)"}) {
        INFO(saved);
        const JsonConfig json = dpm(saved);
        CHECK_THROWS_WITH(pictor::make_scheduler(json), Contains("is not supported"));
        for (const std::string name : {"dpmpp_2m", "dpmpp_2m_karras"}) {
            auto forced = pictor::make_scheduler(name, json);
            CHECK(forced->config().solver_order == 2);
            CHECK(forced->config().algorithm_type == "dpmsolver++");
            CHECK(forced->config().solver_type == "midpoint");
            CHECK(forced->config().use_karras_sigmas == (name == "dpmpp_2m_karras"));
        }
    }
    // euler / lms are the plain samplers also on a model config saved by DPM++ 2M Karras.
    const JsonConfig karras = dpm(R"("use_karras_sigmas": true, "beta_schedule": "scaled_linear")");
    CHECK(pictor::make_scheduler(karras)->config().use_karras_sigmas);
    for (const std::string name : {"euler", "lms"}) {
        INFO(name);
        auto plain = pictor::make_scheduler(name, karras);
        CHECK_FALSE(plain->config().use_karras_sigmas);
        plain->set_timesteps(10);
        CHECK(plain->timestep_dtype() == at::kFloat);
    }
}

TEST_CASE("bad scheduler configs fail with a clear error", "[schedulers]") {
    CHECK_THROWS_WITH(pictor::make_scheduler(cfg(R"({"_class_name": "KarrasVeScheduler"})")),
                      Contains("KarrasVeScheduler") && Contains("unsupported scheduler class"));
    CHECK_THROWS_WITH(pictor::make_scheduler(cfg("{}")), Contains("_class_name"));
    CHECK_THROWS_WITH(pictor::make_scheduler("heun", cfg("{}")), Contains("unknown scheduler \"heun\""));
    CHECK_THROWS_WITH(pictor::make_scheduler("ddim", cfg(R"({"beta_schedule": "cubic"})")),
                      Contains("beta_schedule") && Contains("cubic") && Contains("test config"));
    CHECK_THROWS_WITH(pictor::make_scheduler("euler", cfg(R"({"prediction_type": "x0"})")),
                      Contains("prediction_type"));
    CHECK_THROWS_WITH(pictor::make_scheduler("euler_a", cfg(R"({"prediction_type": "sample"})")),
                      Contains("prediction_type"));
    CHECK_THROWS_WITH(pictor::make_scheduler("pndm", cfg(R"({"prediction_type": "sample"})")),
                      Contains("prediction_type"));
    CHECK_THROWS_WITH(pictor::make_scheduler("lms", cfg(R"({"timestep_spacing": "uniform"})")),
                      Contains("timestep_spacing"));
    CHECK_THROWS_WITH(pictor::make_scheduler(cfg(R"({"_class_name": "DPMSolverMultistepScheduler",
                          "algorithm_type": "unipc"})")),
                      Contains("algorithm_type"));
    CHECK_THROWS_WITH(pictor::make_scheduler(cfg(R"({"_class_name": "DPMSolverMultistepScheduler",
                          "solver_order": 5})")),
                      Contains("solver_order"));
    CHECK_THROWS_WITH(pictor::make_scheduler("ddim", cfg(R"({"num_train_timesteps": 3, "trained_betas": [0.1, 0.2]})")),
                      Contains("trained_betas"));
    CHECK_THROWS_AS(pictor::make_scheduler("ddim", cfg(R"({"beta_start": "small"})")), pictor::Error);
    CHECK_THROWS_WITH(pictor::JsonConfig::parse("{\"a\": ", "broken.json"), Contains("broken.json"));
    CHECK_THROWS_WITH(pictor::JsonConfig::load("/nonexistent/scheduler_config.json"),
                      Contains("/nonexistent/scheduler_config.json"));
}

// Regression (fuzz/fuzz_ldm_yaml: an LDM yaml with linear_end 1e123): LibTorch's linspace threw its
// own overflow error out of the constructor; a huge num_train_timesteps would allocate terabytes.
TEST_CASE("betas outside [0, 1] and absurd step counts are config errors", "[schedulers]") {
    CHECK_THROWS_WITH(pictor::make_scheduler("pndm", cfg(R"({"beta_end": 1e123})")),
                      Contains("beta_start and beta_end") && Contains("test config"));
    CHECK_THROWS_WITH(pictor::make_scheduler("ddim", cfg(R"({"beta_start": -0.1})")), Contains("[0, 1]"));
    CHECK_THROWS_WITH(pictor::make_scheduler("euler", cfg(R"({"beta_end": NaN})")), Contains("beta_end"));
    CHECK_THROWS_WITH(pictor::make_scheduler("ddim", cfg(R"({"num_train_timesteps": 2, "trained_betas": [0.1, 2]})")),
                      Contains("trained_betas[1]"));
    CHECK_THROWS_WITH(pictor::make_scheduler("ddim", cfg(R"({"num_train_timesteps": 1000000000000})")),
                      Contains("num_train_timesteps must be <= 1000000"));
    CHECK_NOTHROW(pictor::make_scheduler("pndm", cfg(R"({"beta_start": 0, "beta_end": 1})")));
}

TEST_CASE("step counts outside [1, num_train_timesteps] and out-of-order calls fail clearly", "[schedulers]") {
    const JsonConfig sd15 = cfg(kSd15);
    for (const auto& name : pictor::scheduler_names()) {
        INFO(name);
        auto s = pictor::make_scheduler(name, sd15);
        const at::Tensor x = at::zeros({1, 4, 2, 2});
        CHECK_THROWS_WITH(s->step(x, 999.0, x), Contains("set_timesteps"));
        CHECK_THROWS_WITH(s->set_timesteps(0), Contains("num_inference_steps"));
        CHECK_THROWS_WITH(s->set_timesteps(1001), Contains("num_inference_steps"));
        CHECK_THROWS_AS(s->set_timesteps(-3), pictor::Error);
        // LCM samples on its distillation grid: at most original_inference_steps (50) steps.
        const int64_t most = s->kind() == SchedulerKind::lcm ? s->config().original_inference_steps : 1000;
        CHECK_NOTHROW(s->set_timesteps(most));
        if (most < 1000) CHECK_THROWS_WITH(s->set_timesteps(most + 1), Contains("num_inference_steps"));
        CHECK_NOTHROW(s->set_timesteps(1));
    }
    auto euler = pictor::make_scheduler("euler", sd15);
    euler->set_timesteps(10);
    const at::Tensor x = at::zeros({1, 4, 2, 2});
    CHECK_THROWS_WITH(euler->step(x, 500.5, x), Contains("not in the schedule"));
    CHECK_THROWS_WITH(euler->scale_model_input(x, 12.0), Contains("not in the schedule"));
}

TEST_CASE("timestep spacings: linspace, leading, trailing", "[schedulers]") {
    const auto with = [](const std::string& cls, const std::string& spacing, int offset = 0) {
        return cfg(R"({"_class_name": ")" + cls + R"(", "timestep_spacing": ")" + spacing +
                   R"(", "steps_offset": )" + std::to_string(offset) + "}");
    };
    auto ddim = pictor::make_scheduler(with("DDIMScheduler", "trailing"));
    ddim->set_timesteps(4);
    CHECK(values(*ddim) == std::vector<double>{999, 749, 499, 249});
    ddim = pictor::make_scheduler(with("DDIMScheduler", "linspace"));
    ddim->set_timesteps(4);
    CHECK(values(*ddim) == std::vector<double>{999, 666, 333, 0});
    ddim = pictor::make_scheduler(with("DDIMScheduler", "trailing"));
    ddim->set_timesteps(3);  // arange(1000, 0, -333.33).round() - 1
    CHECK(values(*ddim) == std::vector<double>{999, 666, 332});

    auto euler = pictor::make_scheduler(with("EulerDiscreteScheduler", "leading", 1));
    euler->set_timesteps(4);
    CHECK(values(*euler) == std::vector<double>{751, 501, 251, 1});
    CHECK(euler->timestep_dtype() == at::kFloat);
    // leading spacing: init_noise_sigma is sqrt(max_sigma^2 + 1)
    const double max_sigma = euler->sigmas().max().item<double>();
    CHECK(euler->init_noise_sigma() == Approx(std::sqrt(max_sigma * max_sigma + 1.0)).epsilon(1e-6));
    euler = pictor::make_scheduler(with("EulerDiscreteScheduler", "trailing"));
    euler->set_timesteps(4);
    CHECK(values(*euler) == std::vector<double>{999, 749, 499, 249});
    CHECK(euler->init_noise_sigma() == Approx(euler->sigmas().max().item<double>()));

    auto pndm = pictor::make_scheduler(cfg(R"({"_class_name": "PNDMScheduler", "skip_prk_steps": true,
        "timestep_spacing": "trailing"})"));
    pndm->set_timesteps(4);
    CHECK(values(*pndm) == std::vector<double>{999, 749, 749, 499, 249});

    auto dpm = pictor::make_scheduler(with("DPMSolverMultistepScheduler", "trailing"));
    dpm->set_timesteps(4);
    CHECK(values(*dpm) == std::vector<double>{999, 749, 499, 249});
    dpm = pictor::make_scheduler(with("DPMSolverMultistepScheduler", "leading", 1));
    dpm->set_timesteps(4);  // step_ratio 1000 // 5 = 200
    CHECK(values(*dpm) == std::vector<double>{801, 601, 401, 201});
}

TEST_CASE("PNDM with Runge-Kutta warm-up (skip_prk_steps false)", "[schedulers]") {
    auto pndm = pictor::make_scheduler(cfg(R"({"_class_name": "PNDMScheduler", "steps_offset": 1})"));
    pndm->set_timesteps(10);
    // Ref: prk = ts[-4:].repeat(2) + tile([0, 50], 4) = [601, 651, ..., 901, 951];
    // prk[:-1].repeat(2)[1:-1][::-1]; then plms = ts[:-3][::-1].
    const std::vector<double> v = values(*pndm);
    REQUIRE(v.size() == 12 + 7);
    CHECK(std::vector<double>(v.begin(), v.begin() + 12) ==
          std::vector<double>{901, 851, 851, 801, 801, 751, 751, 701, 701, 651, 651, 601});
    CHECK(std::vector<double>(v.begin() + 12, v.end()) ==
          std::vector<double>{601, 501, 401, 301, 201, 101, 1});
    // It runs to the end and stays finite.
    at::Tensor x = at::randn({1, 4, 4, 4}, at::TensorOptions().dtype(at::kFloat));
    for (double t : pndm->timestep_values()) x = pndm->step(x * 0.1, t, x).prev_sample;
    CHECK(at::isfinite(x).all().item<bool>());
    CHECK_THROWS_WITH(pndm->set_timesteps(3), Contains("at least 4"));
}

TEST_CASE("prediction types recover the clean sample", "[schedulers]") {
    // x_t = sqrt(a) x0 + sqrt(1 - a) eps, v = sqrt(a) eps - sqrt(1 - a) x0 (Salimans & Ho).
    const at::Tensor x0 = at::randn({2, 4, 3, 3});
    const at::Tensor eps = at::randn({2, 4, 3, 3});
    const std::string base = R"("beta_schedule": "scaled_linear", "beta_start": 0.00085, "beta_end": 0.012,
        "clip_sample": false, "steps_offset": 1)";
    for (const std::string type : {"epsilon", "v_prediction", "sample"}) {
        INFO(type);
        auto ddim = pictor::make_scheduler(cfg(R"({"_class_name": "DDIMScheduler", )" + base +
                                               R"(, "prediction_type": ")" + type + "\"}"));
        ddim->set_timesteps(10);
        const double t = ddim->timestep_values()[3];
        const double a = ddim->alphas_cumprod()[static_cast<int64_t>(t)].item<double>();
        const at::Tensor xt = x0 * std::sqrt(a) + eps * std::sqrt(1 - a);
        const at::Tensor out = type == "epsilon" ? eps : type == "sample" ? x0 : eps * std::sqrt(a) - x0 * std::sqrt(1 - a);
        CHECK(all_close(ddim->step(out, t, xt).pred_original_sample, x0, 1e-4, 1e-4, "ddim " + type));

        // Euler works on x = x0 + sigma * eps and feeds the UNet x / sqrt(sigma^2 + 1).
        auto euler = pictor::make_scheduler(cfg(R"({"_class_name": "EulerDiscreteScheduler", )" + base +
                                                R"(, "prediction_type": ")" + type + "\"}"));
        euler->set_timesteps(10);
        const double te = euler->timestep_values()[3];
        const double sigma = euler->sigmas()[3].item<double>();
        const at::Tensor x = x0 + eps * sigma;
        const double ae = 1.0 / (sigma * sigma + 1.0);
        const at::Tensor oute =
            type == "epsilon" ? eps : type == "sample" ? x0 : eps * std::sqrt(ae) - x0 * std::sqrt(1 - ae);
        CHECK(all_close(euler->step(oute, te, x).pred_original_sample, x0, 1e-4, 1e-4, "euler " + type));
    }
}

TEST_CASE("DDIM refuses eta other than 0 and ignores the generator at eta 0", "[schedulers]") {
    auto ddim = pictor::make_scheduler("ddim", cfg(kSd15));
    ddim->set_timesteps(10);
    const at::Tensor x = at::randn({1, 4, 4, 4});
    const at::Tensor eps = at::randn({1, 4, 4, 4});
    const double t = ddim->timestep_values()[2];
    const at::Tensor deterministic = ddim->step(eps, t, x).prev_sample;
    for (const double eta : {1.0, 0.5, -0.5}) {
        INFO(eta);
        pictor::StepOptions o;
        o.eta = eta;
        o.generator = at::make_generator<at::CPUGeneratorImpl>(1234);
        CHECK_THROWS_WITH(ddim->step(eps, t, x, o),
                          Contains("DDIMScheduler") && Contains("eta") && Contains("is not supported"));
    }
    pictor::StepOptions seeded;
    seeded.generator = at::make_generator<at::CPUGeneratorImpl>(1234);
    CHECK(all_close(ddim->step(eps, t, x, seeded).prev_sample, deterministic, 0.0, 0.0));
}

TEST_CASE("Euler ancestral draws its noise from the step generator", "[schedulers]") {
    auto s = pictor::make_scheduler("euler_a", cfg(kSd15));
    s->set_timesteps(4);
    const at::Tensor x = at::randn({1, 4, 4, 4}) * s->init_noise_sigma();
    const at::Tensor eps = at::randn({1, 4, 4, 4});
    const double t = s->timestep_values()[0];
    pictor::StepOptions seeded;
    seeded.generator = at::make_generator<at::CPUGeneratorImpl>(42);
    const at::Tensor drawn = s->step(eps, t, x, seeded).prev_sample;
    at::Generator g = at::make_generator<at::CPUGeneratorImpl>(42);
    pictor::StepOptions injected;
    injected.noise = at::randn({1, 4, 4, 4}, g, at::TensorOptions().dtype(at::kFloat));
    CHECK(all_close(drawn, s->step(eps, t, x, injected).prev_sample, 0.0, 0.0));
    seeded.generator = at::make_generator<at::CPUGeneratorImpl>(43);
    CHECK(pictor::test::max_abs_diff(drawn, s->step(eps, t, x, seeded).prev_sample) > 1e-3);
    pictor::StepOptions wrong_shape;
    wrong_shape.noise = at::zeros({2, 2});
    CHECK_THROWS_WITH(s->step(eps, t, x, wrong_shape), Contains("noise"));
}

TEST_CASE("add_noise: sqrt(alpha_bar) mixing and sigma scaling", "[schedulers]") {
    const JsonConfig sd15 = cfg(kSd15);
    const at::Tensor x0 = at::randn({2, 4, 3, 3});
    const at::Tensor noise = at::randn({2, 4, 3, 3});
    for (const std::string name : {"pndm", "ddim", "dpmpp_2m"}) {
        INFO(name);
        auto s = pictor::make_scheduler(name, sd15);
        const at::Tensor ts = at::tensor(std::vector<int64_t>{10, 900}, at::kLong);
        const at::Tensor noisy = s->add_noise(x0, noise, ts);
        for (int64_t b = 0; b < 2; ++b) {
            const double a = s->alphas_cumprod()[ts[b].item<int64_t>()].item<double>();
            CHECK(all_close(noisy[b], x0[b] * std::sqrt(a) + noise[b] * std::sqrt(1 - a), 1e-5, 1e-5));
        }
        CHECK_THROWS_AS(s->add_noise(x0, noise, at::tensor(std::vector<int64_t>{1000}, at::kLong)), pictor::Error);
    }
    for (const std::string name : {"euler", "euler_a", "lms"}) {
        INFO(name);
        auto s = pictor::make_scheduler(name, sd15);
        CHECK_THROWS_AS(s->add_noise(x0, noise, at::tensor(std::vector<float>{999.0f})), pictor::Error);
        s->set_timesteps(10);
        const at::Tensor ts = s->timesteps().slice(0, 1, 3);  // two batch entries, two timesteps
        const at::Tensor noisy = s->add_noise(x0, noise, ts);
        for (int64_t b = 0; b < 2; ++b)
            CHECK(all_close(noisy[b], x0[b] + noise[b] * s->sigmas()[b + 1].item<double>(), 1e-5, 1e-5));
    }
}

TEST_CASE("other beta schedules and the supported DPM-Solver options run", "[schedulers]") {
    // squaredcos_cap_v2: betas_for_alpha_bar, capped at 0.999.
    auto s = pictor::make_scheduler("ddim", cfg(R"({"beta_schedule": "squaredcos_cap_v2"})"));
    const auto alpha_bar = [](double t) { return std::pow(std::cos((t + 0.008) / 1.008 * std::numbers::pi / 2), 2); };
    CHECK(s->betas()[0].item<double>() == Approx(1 - alpha_bar(0.001) / alpha_bar(0.0)).epsilon(1e-6));
    CHECK(s->betas()[999].item<double>() == Approx(0.999).epsilon(1e-6));
    // linear
    s = pictor::make_scheduler("ddim", cfg(R"({"beta_start": 0.001, "beta_end": 0.01, "num_train_timesteps": 10})"));
    CHECK(s->betas()[9].item<double>() == Approx(0.01).epsilon(1e-6));
    CHECK(s->betas()[1].item<double>() == Approx(0.002).epsilon(1e-6));
    // trained_betas
    s = pictor::make_scheduler("ddim", cfg(R"({"num_train_timesteps": 3, "trained_betas": [0.1, 0.2, 0.3]})"));
    CHECK(s->alphas_cumprod()[2].item<double>() == Approx(0.9 * 0.8 * 0.7).epsilon(1e-6));

    // The DPM-Solver++ options kept without golden data of their own: they only combine the
    // first- and second-order updates the traces verify, or change the model output's meaning.
    const at::Tensor x0 = at::randn({1, 4, 4, 4});
    for (const std::string variant :
         {R"("solver_order": 1)", R"("lower_order_final": false)",
          R"("use_karras_sigmas": true, "solver_order": 1)", R"("prediction_type": "sample")",
          R"("prediction_type": "v_prediction")", R"("algorithm_type": "deis", "solver_type": "logrho")"}) {
        INFO(variant);
        auto d = pictor::make_scheduler(dpm(R"("beta_schedule": "scaled_linear", "beta_start": 0.00085,
            "beta_end": 0.012, )" + variant));
        d->set_timesteps(10);
        // An exact prediction for a fixed clean sample: every variant must land near x0.
        at::Tensor x = at::randn({1, 4, 4, 4});  // sigma_max ~ 14.6 → alpha ~ 0.068: start at pure noise
        for (double t : d->timestep_values()) {
            const double a = d->alphas_cumprod()[static_cast<int64_t>(t)].item<double>();
            const at::Tensor e = (x - x0 * std::sqrt(a)) / std::sqrt(1 - a);
            const std::string& type = d->config().prediction_type;
            const at::Tensor out = type == "sample"         ? x0
                                   : type == "v_prediction" ? e * std::sqrt(a) - x0 * std::sqrt(1 - a)
                                                            : e;
            x = d->step(out, t, x).prev_sample;
        }
        // What is left is the noise of the last timestep (t = 0, sigma ~0.03).
        CHECK(all_close(x, x0, 0.2, 0.0, "dpm " + variant));
    }
}

TEST_CASE("DPM-Solver solver_order 3 is refused", "[schedulers]") {
    check_refused(dpm(R"("solver_order": 3)"), SchedulerKind::dpm_solver_multistep, "solver_order 3");
    check_refused(dpm(R"("solver_order": 3, "algorithm_type": "dpmsolver++", "use_karras_sigmas": true)"),
                  SchedulerKind::dpm_solver_multistep, "solver_order 3");
    CHECK_THROWS_WITH(pictor::make_scheduler(dpm(R"("solver_order": 3)")),
                      Contains("Pictor supports 1 and 2"));
    check_refused(dpm(R"("solver_order": 0)"), SchedulerKind::dpm_solver_multistep, "solver_order 0");
}

TEST_CASE("DPM-Solver solver_type heun is refused", "[schedulers]") {
    check_refused(dpm(R"("solver_type": "heun")"), SchedulerKind::dpm_solver_multistep,
                  "solver_type \"heun\"");
    // Also where the second-order update would never run.
    check_refused(dpm(R"("solver_type": "heun", "solver_order": 1)"), SchedulerKind::dpm_solver_multistep,
                  "solver_type");
    CHECK_THROWS_WITH(pictor::make_scheduler(dpm(R"("solver_type": "heun")")),
                      Contains("Pictor supports midpoint"));
}

TEST_CASE("DPM-Solver SDE variants are refused", "[schedulers]") {
    for (const std::string algo : {"sde-dpmsolver", "sde-dpmsolver++"}) {
        check_refused(dpm(R"("algorithm_type": ")" + algo + "\""), SchedulerKind::dpm_solver_multistep,
                      "algorithm_type \"" + algo + "\"");
        check_refused(dpm(R"("algorithm_type": ")" + algo + R"(", "solver_type": "heun")"),
                      SchedulerKind::dpm_solver_multistep, "algorithm_type");
    }
    CHECK_THROWS_WITH(pictor::make_scheduler(dpm(R"("algorithm_type": "sde-dpmsolver++")")),
                      Contains("Pictor supports dpmsolver++"));
}

TEST_CASE("DPM-Solver algorithm_type dpmsolver is refused", "[schedulers]") {
    check_refused(dpm(R"("algorithm_type": "dpmsolver")"), SchedulerKind::dpm_solver_multistep,
                  "algorithm_type \"dpmsolver\"");
    check_refused(dpm(R"("algorithm_type": "dpmsolver", "solver_order": 1)"),
                  SchedulerKind::dpm_solver_multistep, "algorithm_type");
}

TEST_CASE("dynamic thresholding is refused for DPM-Solver and DDIM", "[schedulers]") {
    check_refused(dpm(R"("thresholding": true, "prediction_type": "sample")"),
                  SchedulerKind::dpm_solver_multistep, "thresholding");
    check_refused(cfg(R"({"_class_name": "DDIMScheduler", "thresholding": true})"), SchedulerKind::ddim,
                  "thresholding");
    // The name path does not pick a thresholding sampler either.
    CHECK_THROWS_WITH(pictor::make_scheduler("ddim", cfg(R"({"thresholding": true})")),
                      Contains("thresholding"));
    CHECK_THROWS_WITH(pictor::make_scheduler("dpmpp_2m", cfg(R"({"thresholding": true})")),
                      Contains("thresholding"));
    // Its parameters alone, with thresholding false (every saved 0.21 config has them), load.
    CHECK_NOTHROW(pictor::make_scheduler(cfg(R"({"_class_name": "DDIMScheduler", "thresholding": false,
        "dynamic_thresholding_ratio": 0.995, "sample_max_value": 1.0})")));
}

TEST_CASE("DPM-Solver variance_type learned and learned_range are refused", "[schedulers]") {
    for (const std::string type : {"learned", "learned_range"})
        check_refused(dpm(R"("variance_type": ")" + type + "\""), SchedulerKind::dpm_solver_multistep,
                      "variance_type \"" + type + "\"");
    CHECK_THROWS_WITH(pictor::make_scheduler("dpmpp_2m", dpm(R"("variance_type": "learned")")),
                      Contains("variance_type"));
}

TEST_CASE("DPM-Solver lambda_min_clipped other than -Infinity is refused", "[schedulers]") {
    check_refused(dpm(R"("lambda_min_clipped": -2.0)"), SchedulerKind::dpm_solver_multistep,
                  "lambda_min_clipped -2");
    check_refused(dpm(R"("lambda_min_clipped": Infinity)"), SchedulerKind::dpm_solver_multistep,
                  "lambda_min_clipped");
    check_refused(dpm(R"("lambda_min_clipped": NaN)"), SchedulerKind::dpm_solver_multistep,
                  "lambda_min_clipped");
}

TEST_CASE("Karras sigmas are refused for Euler and LMS", "[schedulers]") {
    check_refused(cfg(R"({"_class_name": "EulerDiscreteScheduler", "use_karras_sigmas": true})"),
                  SchedulerKind::euler, "use_karras_sigmas");
    check_refused(cfg(R"({"_class_name": "LMSDiscreteScheduler", "use_karras_sigmas": true})"),
                  SchedulerKind::lms, "use_karras_sigmas");
}

TEST_CASE("Euler interpolation_type log_linear is refused", "[schedulers]") {
    check_refused(cfg(R"({"_class_name": "EulerDiscreteScheduler", "interpolation_type": "log_linear"})"),
                  SchedulerKind::euler, "interpolation_type \"log_linear\"");
    CHECK_THROWS_WITH(pictor::make_scheduler("euler", cfg(R"({"interpolation_type": "log_linear"})")),
                      Contains("interpolation_type"));
}

TEST_CASE("DDIM rescale_betas_zero_snr is refused", "[schedulers]") {
    check_refused(cfg(R"({"_class_name": "DDIMScheduler", "rescale_betas_zero_snr": true})"),
                  SchedulerKind::ddim, "rescale_betas_zero_snr");
}

TEST_CASE("a refused option names the scheduler_config.json it came from", "[schedulers]") {
    pictor::test::TempDir dir;
    std::filesystem::create_directories(dir / "dpm" / "scheduler");
    std::filesystem::create_directories(dir / "euler" / "scheduler");
    const auto dpm_path = dir / "dpm" / "scheduler" / "scheduler_config.json";
    const auto euler_path = dir / "euler" / "scheduler" / "scheduler_config.json";
    pictor::test::write_text_file(dpm_path,
                                  R"({"_class_name": "DPMSolverMultistepScheduler", "solver_order": 3})");
    pictor::test::write_text_file(
        euler_path, R"({"_class_name": "EulerDiscreteScheduler", "interpolation_type": "log_linear"})");
    CHECK_THROWS_WITH(
        pictor::make_scheduler(JsonConfig::load(dpm_path)),
        Contains(dpm_path.string()) && Contains("solver_order 3 is not supported (Pictor supports 1 and 2)"));
    CHECK_THROWS_WITH(
        pictor::make_scheduler("euler", JsonConfig::load(euler_path)),
        Contains(euler_path.string()) && Contains("interpolation_type \"log_linear\" is not supported"));
}

TEST_CASE("names diffusers maps to supported options still load", "[schedulers]") {
    // Ref: DPMSolverMultistepScheduler.__init__ registers "deis" as dpmsolver++ and
    // "logrho" / "bh1" / "bh2" as midpoint.
    for (const std::string solver : {"logrho", "bh1", "bh2"}) {
        INFO(solver);
        auto d = pictor::make_scheduler(dpm(R"("algorithm_type": "deis", "solver_type": ")" + solver + "\""));
        CHECK(d->config().algorithm_type == "dpmsolver++");
        CHECK(d->config().solver_type == "midpoint");
    }
    // They give exactly DPM++ 2M.
    const std::string sd = R"("beta_schedule": "scaled_linear", "beta_start": 0.00085, "beta_end": 0.012)";
    auto mapped = pictor::make_scheduler(dpm(sd + R"(, "algorithm_type": "deis", "solver_type": "bh1")"));
    auto plain = pictor::make_scheduler(dpm(sd));
    mapped->set_timesteps(10);
    plain->set_timesteps(10);
    at::Tensor a = at::randn({1, 4, 4, 4}), b = a.clone();
    for (double t : plain->timestep_values()) {
        const at::Tensor eps = at::sin(a * 3.0);
        a = mapped->step(eps, t, a).prev_sample;
        b = plain->step(at::sin(b * 3.0), t, b).prev_sample;
    }
    CHECK(all_close(a, b, 0.0, 0.0));
}
