#include "core/schedulers/scheduler.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "core/io/json_config.h"
#include "core/schedulers/schedule_math.h"
#include "core/util/error.h"

namespace pictor {

namespace {

struct KindInfo {
    SchedulerKind kind;
    const char* class_name;
};

constexpr KindInfo kKinds[] = {
    {SchedulerKind::pndm, "PNDMScheduler"},
    {SchedulerKind::ddim, "DDIMScheduler"},
    {SchedulerKind::euler, "EulerDiscreteScheduler"},
    {SchedulerKind::euler_ancestral, "EulerAncestralDiscreteScheduler"},
    {SchedulerKind::dpm_solver_multistep, "DPMSolverMultistepScheduler"},
    {SchedulerKind::lms, "LMSDiscreteScheduler"},
    {SchedulerKind::lcm, "LCMScheduler"},
};

struct NameInfo {
    const char* name;
    const char* display;
    SchedulerKind kind;
};

constexpr NameInfo kNames[] = {
    {"pndm", "PNDM", SchedulerKind::pndm},
    {"ddim", "DDIM", SchedulerKind::ddim},
    {"euler", "Euler", SchedulerKind::euler},
    {"euler_a", "Euler a", SchedulerKind::euler_ancestral},
    {"dpmpp_2m", "DPM++ 2M", SchedulerKind::dpm_solver_multistep},
    {"dpmpp_2m_karras", "DPM++ 2M Karras", SchedulerKind::dpm_solver_multistep},
    {"lms", "LMS", SchedulerKind::lms},
    {"lcm", "LCM", SchedulerKind::lcm},
};

const NameInfo* find_name(const std::string& name) {
    for (const auto& n : kNames)
        if (name == n.name || name == n.display) return &n;
    return nullptr;
}

std::string joined_names() {
    std::string s;
    for (const auto& n : kNames) s += (s.empty() ? "" : ", ") + std::string(n.name);
    return s;
}

bool one_of(const std::string& v, std::initializer_list<const char*> allowed) {
    return std::any_of(allowed.begin(), allowed.end(), [&](const char* a) { return v == a; });
}

std::string list(std::initializer_list<const char*> allowed) {
    std::string s;
    for (const char* a : allowed) s += (s.empty() ? "" : ", ") + std::string(a);
    return s;
}

// A config number as the user wrote it ("-2", "0.5", "-inf"), for messages.
std::string number(double v) {
    std::ostringstream os;
    os << v;
    return os.str();
}

// Reads config keys the way diffusers' from_config does: keys listed in "_use_default_values"
// are treated as absent (the class default applies) and null is absent (JsonConfig reads
// Python's Infinity/-Infinity/NaN as numbers).
class ConfigReader {
public:
    explicit ConfigReader(const JsonConfig& json) : json_(json) {
        for (const auto& k : json.get_string_list("_use_default_values", {})) use_defaults_.insert(k);
    }
    bool has(const std::string& key) const { return json_.has(key) && !use_defaults_.count(key); }
    void read(const std::string& key, int64_t& v) const {
        if (has(key)) v = json_.get_int(key, v);
    }
    void read(const std::string& key, bool& v) const {
        if (has(key)) v = json_.get_bool(key, v);
    }
    void read(const std::string& key, std::string& v) const {
        if (has(key)) v = json_.get_string(key, v);
    }
    void read(const std::string& key, double& v) const {
        if (has(key)) v = json_.get_double(key, v);
    }
    void read(const std::string& key, std::vector<double>& v) const {
        if (has(key)) v = json_.get_double_list(key, v);
    }

private:
    const JsonConfig& json_;
    std::set<std::string> use_defaults_;
};

// The class a config's "_class_name" names; throws pictor::Error for a missing or unknown one.
SchedulerKind kind_of_config(const JsonConfig& json) {
    const std::string where = json.source().empty() ? "scheduler config" : json.source();
    if (!json.has("_class_name")) fail("'" + where + "' has no \"_class_name\"");
    const std::string cls = json.get_string("_class_name", "");
    for (const auto& k : kKinds)
        if (cls == k.class_name) return k.kind;
    std::string known;
    for (const auto& k : kKinds) known += (known.empty() ? "" : ", ") + std::string(k.class_name);
    fail("'" + where + "': unsupported scheduler class \"" + cls + "\" (supported: " + known + ")");
}

}  // namespace

std::string scheduler_class_name(SchedulerKind kind) {
    for (const auto& k : kKinds)
        if (k.kind == kind) return k.class_name;
    return "UnknownScheduler";
}

// Ref: the __init__ signatures of the diffusers 0.21.4 scheduler classes (their defaults).
SchedulerConfig SchedulerConfig::defaults(SchedulerKind kind) {
    SchedulerConfig c;
    c.kind = kind;
    c.source = scheduler_class_name(kind) + " defaults";
    // Shared: num_train_timesteps 1000, beta_start 1e-4, beta_end 0.02, "linear", epsilon,
    // steps_offset 0 (the struct's initial values).
    switch (kind) {
        case SchedulerKind::pndm:
            c.skip_prk_steps = false;
            c.set_alpha_to_one = false;
            c.clip_sample = false;  // not a PNDM option
            c.timestep_spacing = "leading";
            break;
        case SchedulerKind::ddim:
            c.clip_sample = true;
            c.set_alpha_to_one = true;
            c.timestep_spacing = "leading";
            break;
        case SchedulerKind::euler:
        case SchedulerKind::euler_ancestral:
        case SchedulerKind::lms:
        case SchedulerKind::dpm_solver_multistep:
            c.clip_sample = false;
            c.timestep_spacing = "linspace";
            break;
        case SchedulerKind::lcm:
            // Ref: LCMScheduler.__init__ (0.23.0): SD's own schedule is the class default.
            c.beta_start = 0.00085;
            c.beta_end = 0.012;
            c.beta_schedule = "scaled_linear";
            c.clip_sample = false;
            c.set_alpha_to_one = true;
            c.timestep_spacing = "leading";  // read, never used by set_timesteps
            break;
    }
    return c;
}

namespace {

// The x0-clipping and schedule options DDIM and LCM both take.
void read_ddim_family(const ConfigReader& r, SchedulerConfig& c) {
    r.read("clip_sample", c.clip_sample);
    r.read("clip_sample_range", c.clip_sample_range);
    r.read("set_alpha_to_one", c.set_alpha_to_one);
    r.read("thresholding", c.thresholding);
    r.read("rescale_betas_zero_snr", c.rescale_betas_zero_snr);
}

// from_json without validate(): make_scheduler(name, ...) first applies what the name implies,
// so that a config saved by, say, an SDE DPM-Solver still gives DPM++ 2M under "dpmpp_2m".
SchedulerConfig read_config(SchedulerKind kind, const JsonConfig& json) {
    SchedulerConfig c = SchedulerConfig::defaults(kind);
    c.source = json.source().empty() ? "scheduler config" : json.source();
    const ConfigReader r(json);
    r.read("num_train_timesteps", c.num_train_timesteps);
    r.read("beta_start", c.beta_start);
    r.read("beta_end", c.beta_end);
    r.read("beta_schedule", c.beta_schedule);
    r.read("trained_betas", c.trained_betas);
    r.read("prediction_type", c.prediction_type);
    r.read("timestep_spacing", c.timestep_spacing);
    r.read("steps_offset", c.steps_offset);
    switch (kind) {
        case SchedulerKind::pndm:
            r.read("skip_prk_steps", c.skip_prk_steps);
            r.read("set_alpha_to_one", c.set_alpha_to_one);
            break;
        case SchedulerKind::ddim:
            read_ddim_family(r, c);  // LCM's step shares DDIM's options
            break;
        case SchedulerKind::euler:
            r.read("interpolation_type", c.interpolation_type);
            r.read("use_karras_sigmas", c.use_karras_sigmas);
            break;
        case SchedulerKind::euler_ancestral:
            break;
        case SchedulerKind::lms:
            r.read("use_karras_sigmas", c.use_karras_sigmas);
            break;
        case SchedulerKind::dpm_solver_multistep:
            r.read("solver_order", c.solver_order);
            r.read("thresholding", c.thresholding);
            r.read("algorithm_type", c.algorithm_type);
            r.read("solver_type", c.solver_type);
            r.read("lower_order_final", c.lower_order_final);
            r.read("use_karras_sigmas", c.use_karras_sigmas);
            r.read("lambda_min_clipped", c.lambda_min_clipped);
            r.read("variance_type", c.variance_type);
            // Ref: DPMSolverMultistepScheduler.__init__ maps the names of other solvers.
            if (c.algorithm_type == "deis") c.algorithm_type = "dpmsolver++";
            if (one_of(c.solver_type, {"logrho", "bh1", "bh2"})) c.solver_type = "midpoint";
            break;
        case SchedulerKind::lcm:
            r.read("original_inference_steps", c.original_inference_steps);
            r.read("timestep_scaling", c.timestep_scaling);
            read_ddim_family(r, c);
            break;
    }
    return c;
}

}  // namespace

SchedulerConfig SchedulerConfig::from_json(SchedulerKind kind, const JsonConfig& json) {
    SchedulerConfig c = read_config(kind, json);
    c.validate();
    return c;
}

void SchedulerConfig::validate() const {
    const std::string where = "scheduler config '" + source + "' (" + scheduler_class_name(kind) + ")";
    if (num_train_timesteps < 1) fail(where + ": num_train_timesteps must be >= 1, got " + std::to_string(num_train_timesteps));
    if (!trained_betas.empty()) {
        if (static_cast<int64_t>(trained_betas.size()) != num_train_timesteps)
            fail(where + ": trained_betas has " + std::to_string(trained_betas.size()) +
                 " values, num_train_timesteps is " + std::to_string(num_train_timesteps));
    } else if (!one_of(beta_schedule, {"linear", "scaled_linear", "squaredcos_cap_v2"})) {
        fail(where + ": unknown beta_schedule \"" + beta_schedule + "\" (expected " +
             list({"linear", "scaled_linear", "squaredcos_cap_v2"}) + ")");
    }
    if (!one_of(timestep_spacing, {"linspace", "leading", "trailing"}))
        fail(where + ": unknown timestep_spacing \"" + timestep_spacing + "\" (expected linspace, leading or trailing)");
    if (steps_offset < 0) fail(where + ": steps_offset must be >= 0");
    // Betas are probabilities; a beta_end of 1e123 made LibTorch's linspace throw its own overflow
    // error and a num_train_timesteps of 1e12 would allocate terabytes (found by fuzz/fuzz_ldm_yaml
    // and fuzz/fuzz_model_config). Real schedules use 1000 steps and betas around 1e-4..2e-2.
    if (num_train_timesteps > 1'000'000)
        fail(where + ": num_train_timesteps must be <= 1000000, got " + std::to_string(num_train_timesteps));
    const auto probability = [](double v) { return std::isfinite(v) && v >= 0.0 && v <= 1.0; };
    if (trained_betas.empty() && (!probability(beta_start) || !probability(beta_end)))
        fail(where + ": beta_start and beta_end must lie in [0, 1], got " + std::to_string(beta_start) + " and " +
             std::to_string(beta_end));
    for (size_t i = 0; i < trained_betas.size(); ++i)
        if (!probability(trained_betas[i]))
            fail(where + ": trained_betas[" + std::to_string(i) + "] must lie in [0, 1], got " +
                 std::to_string(trained_betas[i]));
    // prediction_type support per class.
    const bool sample_ok = kind != SchedulerKind::pndm && kind != SchedulerKind::euler_ancestral;
    const bool ok = prediction_type == "epsilon" || prediction_type == "v_prediction" ||
                    (sample_ok && prediction_type == "sample") ||
                    (kind == SchedulerKind::euler && prediction_type == "original_sample");
    if (!ok)
        fail(where + ": prediction_type \"" + prediction_type + "\" is not supported (expected epsilon, v_prediction" +
             (sample_ok ? " or sample)" : ")"));

    // Options diffusers has but Pictor refuses: none of them is covered by the golden traces
    // (../shared/fixtures/schedulers: the SD 1.5 schedule, epsilon, dpmsolver++ order 2 midpoint)
    // or by a test against reference values, and there is no diffusers here to make traces, so
    // sampling with them would be unverified. Values diffusers itself maps to a supported one
    // ("deis", "logrho", ...) were mapped when the config was read.
    const auto unsupported = [&](const std::string& what, const std::string& supported) {
        fail(where + ": " + what + " is not supported (Pictor supports " + supported + ")");
    };
    if (thresholding && (kind == SchedulerKind::ddim || kind == SchedulerKind::dpm_solver_multistep ||
                         kind == SchedulerKind::lcm))
        unsupported("thresholding true (dynamic thresholding)", "thresholding false");
    if ((kind == SchedulerKind::ddim || kind == SchedulerKind::lcm) && rescale_betas_zero_snr)
        unsupported("rescale_betas_zero_snr true", "rescale_betas_zero_snr false");
    if ((kind == SchedulerKind::euler || kind == SchedulerKind::lms) && use_karras_sigmas)
        unsupported("use_karras_sigmas true", "Karras sigmas only with DPMSolverMultistepScheduler");
    if (kind == SchedulerKind::euler && interpolation_type != "linear")
        unsupported("interpolation_type \"" + interpolation_type + "\"", "linear");
    if (kind == SchedulerKind::lcm) {
        // The LCM golden traces are epsilon prediction; v/sample prediction have none.
        if (prediction_type != "epsilon") unsupported("prediction_type \"" + prediction_type + "\"", "epsilon for LCM");
        if (original_inference_steps < 1 || original_inference_steps > num_train_timesteps)
            fail(where + ": original_inference_steps must lie in [1, num_train_timesteps], got " +
                 std::to_string(original_inference_steps));
        if (!(timestep_scaling > 0) || !std::isfinite(timestep_scaling))
            fail(where + ": timestep_scaling must be a positive number, got " + number(timestep_scaling));
    }
    if (kind == SchedulerKind::dpm_solver_multistep) {
        if (algorithm_type != "dpmsolver++")
            unsupported("algorithm_type \"" + algorithm_type + "\"", "dpmsolver++");
        if (solver_type != "midpoint") unsupported("solver_type \"" + solver_type + "\"", "midpoint");
        if (solver_order != 1 && solver_order != 2)
            unsupported("solver_order " + std::to_string(solver_order), "1 and 2");
        if (!variance_type.empty()) unsupported("variance_type \"" + variance_type + "\"", "null");
        if (!(std::isinf(lambda_min_clipped) && lambda_min_clipped < 0))
            unsupported("lambda_min_clipped " + number(lambda_min_clipped), "-Infinity, no clipping");
    }
}

// ---------------------------------------------------------------------------------------------
// Scheduler base

Scheduler::Scheduler(SchedulerConfig config) : config_(std::move(config)) {
    config_.validate();
    // Ref: <Class>.__init__: alphas = 1.0 - betas; alphas_cumprod = torch.cumprod(alphas, dim=0).
    betas_ = sched::make_betas(config_);
    alphas_cumprod_ = at::cumprod(1.0 - betas_, 0);
    alphas_cumprod_values_ = sched::float_values(alphas_cumprod_);
}

void Scheduler::set_timestep_table(const std::vector<double>& values, c10::ScalarType dtype) {
    timesteps_ = sched::tensor_from(values, dtype);
    timestep_values_ = values;
}

int64_t Scheduler::index_of(double timestep) const {
    require_timesteps("step");
    for (size_t i = 0; i < timestep_values_.size(); ++i)
        if (timestep_values_[i] == timestep) return static_cast<int64_t>(i);
    fail(class_name() + ": timestep " + std::to_string(timestep) + " is not in the schedule set by set_timesteps(" +
         std::to_string(num_inference_steps_) + ")");
}

void Scheduler::require_timesteps(const char* what) const {
    if (!timesteps_.defined()) fail(class_name() + ": " + what + "() called before set_timesteps()");
}

// Ref: DDPMScheduler.add_noise (also PNDM, DDIM, DPMSolverMultistep).
at::Tensor Scheduler::add_noise(const at::Tensor& original, const at::Tensor& noise,
                                const at::Tensor& timesteps) const {
    const at::Tensor ac = alphas_cumprod_.to(original.device(), original.scalar_type());
    const at::Tensor idx = timesteps.to(original.device(), at::kLong).flatten();
    if (idx.numel() > 0 && (idx.min().item<int64_t>() < 0 || idx.max().item<int64_t>() >= config_.num_train_timesteps))
        fail(class_name() + ".add_noise: timesteps must lie in [0, " + std::to_string(config_.num_train_timesteps) + ")");
    const at::Tensor a = ac.index_select(0, idx);
    at::Tensor sqrt_alpha_prod = a.pow(0.5).flatten();
    at::Tensor sqrt_one_minus_alpha_prod = (1 - a).pow(0.5).flatten();
    while (sqrt_alpha_prod.dim() < original.dim()) {
        sqrt_alpha_prod = sqrt_alpha_prod.unsqueeze(-1);
        sqrt_one_minus_alpha_prod = sqrt_one_minus_alpha_prod.unsqueeze(-1);
    }
    return sqrt_alpha_prod * original + sqrt_one_minus_alpha_prod * noise;
}

// ---------------------------------------------------------------------------------------------
// Factory

const std::vector<std::string>& scheduler_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> v;
        for (const auto& n : kNames) v.emplace_back(n.name);
        return v;
    }();
    return names;
}

std::string scheduler_display_name(const std::string& name) {
    const NameInfo* n = find_name(name);
    if (!n) fail("unknown scheduler \"" + name + "\" (expected one of " + joined_names() + ")");
    return n->display;
}

std::unique_ptr<Scheduler> make_scheduler(const SchedulerConfig& config) {
    switch (config.kind) {
        case SchedulerKind::pndm: return sched::make_pndm(config);
        case SchedulerKind::ddim: return sched::make_ddim(config);
        case SchedulerKind::euler: return sched::make_euler(config);
        case SchedulerKind::euler_ancestral: return sched::make_euler_ancestral(config);
        case SchedulerKind::dpm_solver_multistep: return sched::make_dpm_solver_multistep(config);
        case SchedulerKind::lms: return sched::make_lms(config);
        case SchedulerKind::lcm: return sched::make_lcm(config);
    }
    fail("unknown scheduler kind");
}

std::unique_ptr<Scheduler> make_scheduler(const std::string& name, const JsonConfig& json) {
    return make_scheduler(name, json, "");
}

std::unique_ptr<Scheduler> make_scheduler(const std::string& name, const JsonConfig& json,
                                          const std::string& timestep_spacing) {
    if (name.empty()) {
        SchedulerConfig config = read_config(kind_of_config(json), json);
        if (!timestep_spacing.empty()) config.timestep_spacing = timestep_spacing;
        config.validate();
        return make_scheduler(config);
    }
    const NameInfo* n = find_name(name);
    if (!n) fail("unknown scheduler \"" + name + "\" (expected one of " + joined_names() + ")");
    SchedulerConfig config = read_config(n->kind, json);
    if (!timestep_spacing.empty()) config.timestep_spacing = timestep_spacing;
    // The name is the sampler the user chose; these fields say which sampler, so it wins.
    if (n->kind == SchedulerKind::dpm_solver_multistep) {
        config.algorithm_type = "dpmsolver++";
        config.solver_order = 2;
        config.solver_type = "midpoint";
        config.use_karras_sigmas = std::string(n->name) == "dpmpp_2m_karras";
    }
    if (n->kind == SchedulerKind::euler || n->kind == SchedulerKind::lms) config.use_karras_sigmas = false;
    config.validate();
    return make_scheduler(config);
}

std::unique_ptr<Scheduler> make_scheduler(const JsonConfig& json) {
    return make_scheduler(SchedulerConfig::from_json(kind_of_config(json), json));
}

}  // namespace pictor
