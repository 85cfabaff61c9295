// DPMSolverMultistepScheduler (diffusers 0.21.4): DPM-Solver++ (arXiv:2211.01095) multistep,
// the ODE data-prediction solver, order 2 with the midpoint update ("DPM++ 2M", the default) or
// order 1; with use_karras_sigmas the timesteps follow Karras et al.'s sigma spacing ("DPM++ 2M
// Karras"). These are the paths the golden traces cover (the first-order update is the first and,
// with lower_order_final, the last step of every traced run). diffusers' other variants (order 3,
// heun, the noise-prediction "dpmsolver", the SDE solvers, dynamic thresholding, learned variance,
// lambda clipping) have no golden data; SchedulerConfig::validate() refuses them.
//
// In 0.21.4 the update formulas read alpha_t, sigma_t and lambda_t from the training tables at
// the (integer) timesteps, also with Karras sigmas (whose timesteps are rounded to integers).
#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

#include "core/schedulers/schedule_math.h"
#include "core/util/error.h"

namespace pictor::sched {

namespace {

// torch.exp of a 0-d float32 tensor: ATen evaluates it with its vectorised (SLEEF) exp, which can
// differ from libm's expf in the last bit; the same kernel keeps the steps bit-identical.
float texp(float v) { return at::exp(at::scalar_tensor(v, at::kFloat)).item<float>(); }

class DpmSolverMultistepScheduler final : public Scheduler {
public:
    explicit DpmSolverMultistepScheduler(const SchedulerConfig& config) : Scheduler(config) {
        // Ref: DPMSolverMultistepScheduler.__init__ (VP schedule tables, float32)
        const at::Tensor alpha_t = at::sqrt(alphas_cumprod_);
        const at::Tensor sigma_t = at::sqrt(1 - alphas_cumprod_);
        const at::Tensor lambda_t = at::log(alpha_t) - at::log(sigma_t);
        alpha_t_ = float_values(alpha_t);
        sigma_t_ = float_values(sigma_t);
        lambda_t_ = float_values(lambda_t);
        model_outputs_.assign(static_cast<size_t>(config_.solver_order), at::Tensor());
    }

    // Ref: DPMSolverMultistepScheduler.set_timesteps
    void set_timesteps(int64_t n) override {
        check_num_inference_steps(config_, n);
        const int64_t T = config_.num_train_timesteps;
        // diffusers' last_timestep = T - searchsorted(flip(lambda_t), lambda_min_clipped): T, as
        // validate() only allows lambda_min_clipped = -Infinity (no clipping).
        const int64_t last_timestep = T;

        std::vector<double> ts;
        if (config_.timestep_spacing == "linspace") {
            // np.linspace(0, last_timestep - 1, n + 1).round()[::-1][:-1]
            const auto lin = np_linspace(0.0, static_cast<double>(last_timestep - 1), n + 1);
            for (int64_t i = n; i >= 1; --i) ts.push_back(round_half_even(lin[static_cast<size_t>(i)]));
        } else if (config_.timestep_spacing == "leading") {
            const int64_t step_ratio = last_timestep / (n + 1);
            for (int64_t i = n; i >= 1; --i) ts.push_back(static_cast<double>(i * step_ratio + config_.steps_offset));
        } else {  // trailing
            const double step_ratio = static_cast<double>(T) / static_cast<double>(n);
            for (double v : np_arange(static_cast<double>(last_timestep), 0.0, -step_ratio))
                ts.push_back(round_half_even(v) - 1.0);
        }

        const at::Tensor train_sigmas = training_sigmas(alphas_cumprod_);
        if (config_.use_karras_sigmas) {
            const std::vector<float> s = float_values(train_sigmas);
            const std::vector<float> log_sigmas = float_values(at::log(train_sigmas));
            // in_sigmas ascending in t: in_sigmas[0] is the smallest, in_sigmas[-1] the largest
            const std::vector<double> karras = karras_sigmas(s.front(), s.back(), n);
            ts.clear();
            for (auto it = karras.rbegin(); it != karras.rend(); ++it)
                ts.push_back(round_half_even(sigma_to_t(*it, log_sigmas)));
            sigmas_ = tensor_from(karras, at::kDouble);
        } else {
            sigmas_ = train_sigmas;
        }

        // Drop duplicates, keeping the first occurrence (np.unique + sort of the indices).
        std::vector<double> unique;
        for (double t : ts)
            if (std::find(unique.begin(), unique.end(), t) == unique.end()) unique.push_back(t);
        set_timestep_table(unique, at::kLong);
        num_inference_steps_ = static_cast<int64_t>(unique.size());

        model_outputs_.assign(static_cast<size_t>(config_.solver_order), at::Tensor());
        lower_order_nums_ = 0;
    }

    // Ref: DPMSolverMultistepScheduler.step
    StepOutput step(const at::Tensor& model_output_in, double timestep, const at::Tensor& sample,
                    const StepOptions& options) override {
        require_timesteps("step");
        const int64_t n = num_unet_calls();
        int64_t step_index = n - 1;  // a timestep not in the schedule counts as the last one
        for (int64_t i = 0; i < n; ++i)
            if (timestep_values_[static_cast<size_t>(i)] == timestep) {
                step_index = i;
                break;
            }
        const auto t = static_cast<int64_t>(timestep);
        if (static_cast<double>(t) != timestep || t < 0 || t >= config_.num_train_timesteps)
            fail("DPMSolverMultistepScheduler: timestep must be an integer in [0, num_train_timesteps), got " +
                 std::to_string(timestep));
        const int64_t prev_timestep = step_index == n - 1 ? 0 : static_cast<int64_t>(timestep_values_[step_index + 1]);
        // (diffusers' lower_order_second only matters for solver_order 3)
        const bool lower_order_final = step_index == n - 1 && config_.lower_order_final && n < 15;

        const at::Tensor model_output = convert_model_output(model_output_in, t, sample);
        for (int64_t i = 0; i + 1 < config_.solver_order; ++i) model_outputs_[i] = model_outputs_[i + 1];
        model_outputs_.back() = model_output;

        // The ODE solver draws no noise: the generator and injected noise of `options` are unused.
        at::Tensor prev_sample;
        if (config_.solver_order == 1 || lower_order_nums_ < 1 || lower_order_final) {
            prev_sample = first_order_update(model_output, t, prev_timestep, sample);
        } else {  // order 2 (diffusers' third-order branch needs solver_order 3)
            const int64_t s1 = static_cast<int64_t>(timestep_values_[step_index - 1]);
            prev_sample = second_order_update(s1, t, prev_timestep, sample);
        }
        if (lower_order_nums_ < config_.solver_order) ++lower_order_nums_;
        return {prev_sample, at::Tensor()};
    }

private:
    float alpha(int64_t t) const { return alpha_t_.at(static_cast<size_t>(t)); }
    float sigma(int64_t t) const { return sigma_t_.at(static_cast<size_t>(t)); }
    float lambda(int64_t t) const { return lambda_t_.at(static_cast<size_t>(t)); }

    // Ref: DPMSolverMultistepScheduler.convert_model_output (dpmsolver++: the x0 prediction).
    at::Tensor convert_model_output(const at::Tensor& model_output, int64_t t,
                                    const at::Tensor& sample) const {
        const double alpha_t = f32(alpha(t)), sigma_t = f32(sigma(t));
        if (config_.prediction_type == "epsilon") return (sample - model_output * sigma_t) / alpha_t;
        if (config_.prediction_type == "sample") return model_output;
        return sample * alpha_t - model_output * sigma_t;  // v_prediction
    }

    // Ref: DPMSolverMultistepScheduler.dpm_solver_first_order_update (dpmsolver++)
    at::Tensor first_order_update(const at::Tensor& model_output, int64_t s, int64_t t,
                                  const at::Tensor& sample) const {
        const float lambda_t = lambda(t), lambda_s = lambda(s);
        const float alpha_t = alpha(t);
        const float sigma_t = sigma(t), sigma_s = sigma(s);
        const float h = lambda_t - lambda_s;
        return sample * f32(sigma_t / sigma_s) - model_output * f32(alpha_t * (texp(-h) - 1.0f));
    }

    // Ref: DPMSolverMultistepScheduler.multistep_dpm_solver_second_order_update (dpmsolver++, midpoint)
    at::Tensor second_order_update(int64_t s1, int64_t s0, int64_t t, const at::Tensor& sample) const {
        const at::Tensor& m0 = model_outputs_[model_outputs_.size() - 1];
        const at::Tensor& m1 = model_outputs_[model_outputs_.size() - 2];
        const float lambda_t = lambda(t), lambda_s0 = lambda(s0), lambda_s1 = lambda(s1);
        const float alpha_t = alpha(t);
        const float sigma_t = sigma(t), sigma_s0 = sigma(s0);
        const float h = lambda_t - lambda_s0, h_0 = lambda_s0 - lambda_s1;
        const float r0 = h_0 / h;
        const at::Tensor& D0 = m0;
        const at::Tensor D1 = (m0 - m1) * f32(1.0f / r0);
        const float c = alpha_t * (texp(-h) - 1.0f);
        return sample * f32(sigma_t / sigma_s0) - D0 * f32(c) - D1 * f32(0.5f * c);
    }

    std::vector<float> alpha_t_, sigma_t_, lambda_t_;  // training tables, float32
    std::vector<at::Tensor> model_outputs_;            // the last solver_order converted outputs (x0)
    int64_t lower_order_nums_ = 0;
};

}  // namespace

std::unique_ptr<Scheduler> make_dpm_solver_multistep(const SchedulerConfig& config) {
    return std::make_unique<DpmSolverMultistepScheduler>(config);
}

}  // namespace pictor::sched
