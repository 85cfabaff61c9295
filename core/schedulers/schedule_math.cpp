#include "core/schedulers/schedule_math.h"

#include <ATen/ATen.h>

#include <cmath>
#include <numbers>

#include "core/util/error.h"

namespace pictor::sched {

// Ref: numpy.linspace (numpy 1.24): y = arange(num) * step + start, the last value set to stop.
std::vector<double> np_linspace(double start, double stop, int64_t num) {
    std::vector<double> out(static_cast<size_t>(std::max<int64_t>(num, 0)));
    if (num <= 0) return out;
    if (num == 1) {
        out[0] = start;
        return out;
    }
    const double step = (stop - start) / static_cast<double>(num - 1);
    for (int64_t i = 0; i < num; ++i) out[i] = static_cast<double>(i) * step + start;
    out[num - 1] = stop;
    return out;
}

// Ref: numpy.arange for doubles: length ceil((stop - start) / step); the fill uses
// delta = (start + step) - start and value[i] = start + i * delta.
std::vector<double> np_arange(double start, double stop, double step) {
    const double len_d = std::ceil((stop - start) / step);
    const int64_t len = len_d > 0 ? static_cast<int64_t>(len_d) : 0;
    std::vector<double> out(static_cast<size_t>(len));
    if (len == 0) return out;
    const double delta = (start + step) - start;
    out[0] = start;
    for (int64_t i = 1; i < len; ++i) out[i] = start + static_cast<double>(i) * delta;
    return out;
}

double round_half_even(double x) { return std::nearbyint(x); }  // default rounding mode: to nearest even

std::vector<double> to_float32_values(const std::vector<double>& values) {
    std::vector<double> out(values.size());
    for (size_t i = 0; i < values.size(); ++i) out[i] = static_cast<double>(static_cast<float>(values[i]));
    return out;
}

std::vector<double> reversed(std::vector<double> values) {
    std::reverse(values.begin(), values.end());
    return values;
}

// Ref: numpy/core/src/multiarray/compiled_base.c arr_interp (numpy 1.24) with xp = 0..n-1.
std::vector<double> np_interp_arange(const std::vector<double>& x, const std::vector<float>& fp) {
    const int64_t n = static_cast<int64_t>(fp.size());
    if (n == 0) fail("interp: empty table");
    std::vector<double> out(x.size());
    for (size_t i = 0; i < x.size(); ++i) {
        const double xv = x[i];
        if (std::isnan(xv)) {
            out[i] = xv;
        } else if (xv < 0.0) {
            out[i] = fp[0];
        } else if (xv >= static_cast<double>(n - 1)) {
            out[i] = fp[n - 1];
        } else {
            const int64_t j = static_cast<int64_t>(std::floor(xv));
            if (static_cast<double>(j) == xv) {
                out[i] = fp[j];
            } else {
                const double slope = (static_cast<double>(fp[j + 1]) - static_cast<double>(fp[j])) /
                                     (static_cast<double>(j + 1) - static_cast<double>(j));
                out[i] = slope * (xv - static_cast<double>(j)) + static_cast<double>(fp[j]);
            }
        }
    }
    return out;
}

// Ref: EulerDiscreteScheduler._convert_to_karras (Karras et al. 2022, eq. 5, rho = 7).
std::vector<double> karras_sigmas(double first_sigma, double last_sigma, int64_t num_inference_steps) {
    const double sigma_min = last_sigma;   // in_sigmas[-1]
    const double sigma_max = first_sigma;  // in_sigmas[0]
    const double rho = 7.0;
    const std::vector<double> ramp = np_linspace(0.0, 1.0, num_inference_steps);
    const double min_inv_rho = std::pow(sigma_min, 1.0 / rho);
    const double max_inv_rho = std::pow(sigma_max, 1.0 / rho);
    std::vector<double> out(ramp.size());
    for (size_t i = 0; i < ramp.size(); ++i)
        out[i] = std::pow(max_inv_rho + ramp[i] * (min_inv_rho - max_inv_rho), rho);
    return out;
}

// Ref: EulerDiscreteScheduler._sigma_to_t. numpy 1.24 computes `log_sigma - log_sigmas[:, None]`
// and `(low - log_sigma) / (low - high)` in float32 (a float64 scalar does not promote a float32
// array), and `(1 - w) * low_idx + w * high_idx` in float64.
double sigma_to_t(double sigma, const std::vector<float>& log_sigmas) {
    const int64_t n = static_cast<int64_t>(log_sigmas.size());
    if (n < 2) fail("sigma_to_t: need at least 2 training sigmas");
    const float log_sigma = static_cast<float>(std::log(sigma));
    // argmax of cumsum(dists >= 0): the last index whose distance is >= 0 (0 when none is).
    int64_t low_idx = 0;
    for (int64_t i = 0; i < n; ++i)
        if (log_sigma - log_sigmas[i] >= 0.0f) low_idx = i;
    low_idx = std::min(low_idx, n - 2);
    const int64_t high_idx = low_idx + 1;
    const float low = log_sigmas[low_idx];
    const float high = log_sigmas[high_idx];
    float w = (low - log_sigma) / (low - high);
    w = std::clamp(w, 0.0f, 1.0f);
    return static_cast<double>(1.0f - w) * static_cast<double>(low_idx) +
           static_cast<double>(w) * static_cast<double>(high_idx);
}

std::vector<float> float_values(const at::Tensor& t) {
    const at::Tensor c = t.to(at::kFloat).contiguous().cpu();
    const float* p = c.data_ptr<float>();
    return std::vector<float>(p, p + c.numel());
}

at::Tensor tensor_from(const std::vector<double>& values, c10::ScalarType dtype) {
    at::Tensor t = at::empty({static_cast<int64_t>(values.size())}, at::TensorOptions().dtype(at::kDouble));
    std::copy(values.begin(), values.end(), t.data_ptr<double>());
    return t.to(dtype);
}

namespace {

// Ref: betas_for_alpha_bar (alpha_transform_type "cosine", max_beta 0.999), computed with Python
// floats and stored as float32.
at::Tensor cosine_betas(int64_t num_train_timesteps) {
    const auto alpha_bar = [](double t) {
        const double c = std::cos((t + 0.008) / 1.008 * std::numbers::pi / 2.0);
        return c * c;
    };
    std::vector<double> betas(static_cast<size_t>(num_train_timesteps));
    for (int64_t i = 0; i < num_train_timesteps; ++i) {
        const double t1 = static_cast<double>(i) / static_cast<double>(num_train_timesteps);
        const double t2 = static_cast<double>(i + 1) / static_cast<double>(num_train_timesteps);
        betas[i] = std::min(1.0 - alpha_bar(t2) / alpha_bar(t1), 0.999);
    }
    return tensor_from(betas, at::kFloat);
}

}  // namespace

// Ref: <Class>.__init__ betas (diffusers 0.21.4): trained_betas, or
// linear: torch.linspace(beta_start, beta_end, T, float32);
// scaled_linear: torch.linspace(beta_start**0.5, beta_end**0.5, T, float32) ** 2;
// squaredcos_cap_v2: betas_for_alpha_bar(T).
at::Tensor make_betas(const SchedulerConfig& config) {
    const int64_t n = config.num_train_timesteps;
    at::Tensor betas;
    if (!config.trained_betas.empty()) {
        betas = tensor_from(config.trained_betas, at::kFloat);
    } else if (config.beta_schedule == "linear") {
        betas = at::linspace(config.beta_start, config.beta_end, n, at::TensorOptions().dtype(at::kFloat));
    } else if (config.beta_schedule == "scaled_linear") {
        betas = at::linspace(std::sqrt(config.beta_start), std::sqrt(config.beta_end), n,
                             at::TensorOptions().dtype(at::kFloat))
                    .pow(2);
    } else if (config.beta_schedule == "squaredcos_cap_v2") {
        betas = cosine_betas(n);
    } else {
        fail("scheduler config '" + config.source + "': beta_schedule \"" + config.beta_schedule +
             "\" is not supported (expected linear, scaled_linear or squaredcos_cap_v2)");
    }
    return betas;
}

at::Tensor training_sigmas(const at::Tensor& alphas_cumprod) {
    return ((1 - alphas_cumprod) / alphas_cumprod).pow(0.5);
}

// Ref: EulerDiscreteScheduler.set_timesteps (0.21.4):
//   linspace: np.linspace(0, T - 1, n, dtype=np.float32)[::-1]
//   leading:  (np.arange(0, n) * (T // n)).round()[::-1].astype(np.float32) + steps_offset
//   trailing: np.arange(T, 0, -T / n).round().astype(np.float32) - 1
std::vector<double> discrete_timesteps(const SchedulerConfig& config, int64_t n) {
    const int64_t T = config.num_train_timesteps;
    std::vector<double> ts;
    if (config.timestep_spacing == "linspace") {
        ts = reversed(np_linspace(0.0, static_cast<double>(T - 1), n));
    } else if (config.timestep_spacing == "leading") {
        const int64_t step_ratio = T / n;
        for (int64_t i = n - 1; i >= 0; --i)
            ts.push_back(static_cast<double>(i * step_ratio + config.steps_offset));
    } else if (config.timestep_spacing == "trailing") {
        const double step_ratio = static_cast<double>(T) / static_cast<double>(n);
        for (double v : np_arange(static_cast<double>(T), 0.0, -step_ratio))
            ts.push_back(static_cast<double>(static_cast<float>(round_half_even(v))) - 1.0);
    } else {
        fail(scheduler_class_name(config.kind) + ": unsupported timestep_spacing \"" + config.timestep_spacing + "\"");
    }
    return to_float32_values(ts);
}

// Ref: DDIMScheduler.set_timesteps / PNDMScheduler.set_timesteps (the same integer schedule; PNDM
// keeps it ascending in self._timesteps, DDIM descending).
std::vector<int64_t> integer_timesteps(const SchedulerConfig& config, int64_t n) {
    const int64_t T = config.num_train_timesteps;
    std::vector<int64_t> ts;
    if (config.timestep_spacing == "linspace") {
        for (double v : reversed(np_linspace(0.0, static_cast<double>(T - 1), n)))
            ts.push_back(static_cast<int64_t>(round_half_even(v)));
    } else if (config.timestep_spacing == "leading") {
        const int64_t step_ratio = T / n;
        for (int64_t i = n - 1; i >= 0; --i) ts.push_back(i * step_ratio + config.steps_offset);
    } else if (config.timestep_spacing == "trailing") {
        const double step_ratio = static_cast<double>(T) / static_cast<double>(n);
        for (double v : np_arange(static_cast<double>(T), 0.0, -step_ratio))
            ts.push_back(static_cast<int64_t>(round_half_even(v)) - 1);
    } else {
        fail(scheduler_class_name(config.kind) + ": unsupported timestep_spacing \"" + config.timestep_spacing + "\"");
    }
    return ts;
}

void check_num_inference_steps(const SchedulerConfig& config, int64_t n) {
    if (n < 1 || n > config.num_train_timesteps)
        fail(scheduler_class_name(config.kind) + ": num_inference_steps must be between 1 and num_train_timesteps (" +
             std::to_string(config.num_train_timesteps) + "), got " + std::to_string(n));
}

// Ref: diffusers.utils.torch_utils.randn_tensor
at::Tensor draw_noise(const at::Tensor& like, const StepOptions& options, const char* who) {
    if (options.noise.defined()) {
        if (options.noise.sizes() != like.sizes())
            fail(std::string(who) + ": injected noise has shape " + c10::str(options.noise.sizes()) +
                 ", the sample has " + c10::str(like.sizes()));
        return options.noise.to(like.device(), like.scalar_type());
    }
    if (options.generator) {
        const at::Device gen_device = options.generator->device();
        return at::randn(like.sizes(), *options.generator, like.options().device(gen_device)).to(like.device());
    }
    return at::randn(like.sizes(), like.options());
}

}  // namespace pictor::sched
