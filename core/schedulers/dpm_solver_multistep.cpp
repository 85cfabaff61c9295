// DPMSolverMultistepScheduler (diffusers 0.21.4): DPM-Solver (arXiv:2206.00927) and
// DPM-Solver++ (arXiv:2211.01095) multistep, orders 1-3, ODE and SDE variants. The default
// (dpmsolver++, order 2, midpoint, lower_order_final) is "DPM++ 2M"; with use_karras_sigmas the
// timesteps follow Karras et al.'s sigma spacing ("DPM++ 2M Karras").
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
        // Clip the smallest lambda(t) for numerical stability (cosine schedules):
        // clipped_idx = searchsorted(flip(lambda_t), lambda_min_clipped).
        int64_t clipped_idx = 0;
        for (int64_t i = T - 1; i >= 0; --i) {
            if (static_cast<double>(lambda_t_[static_cast<size_t>(i)]) < config_.lambda_min_clipped) ++clipped_idx;
            else break;
        }
        const int64_t last_timestep = T - clipped_idx;

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
        const bool lower_order_final = step_index == n - 1 && config_.lower_order_final && n < 15;
        const bool lower_order_second = step_index == n - 2 && config_.lower_order_final && n < 15;

        const at::Tensor model_output = convert_model_output(model_output_in, t, sample);
        for (int64_t i = 0; i + 1 < config_.solver_order; ++i) model_outputs_[i] = model_outputs_[i + 1];
        model_outputs_.back() = model_output;

        at::Tensor noise;
        if (is_sde()) noise = draw_noise(model_output, options, "DPMSolverMultistepScheduler");

        at::Tensor prev_sample;
        if (config_.solver_order == 1 || lower_order_nums_ < 1 || lower_order_final) {
            prev_sample = first_order_update(model_output, t, prev_timestep, sample, noise);
        } else if (config_.solver_order == 2 || lower_order_nums_ < 2 || lower_order_second) {
            const int64_t s1 = static_cast<int64_t>(timestep_values_[step_index - 1]);
            prev_sample = second_order_update(s1, t, prev_timestep, sample, noise);
        } else {
            const int64_t s2 = static_cast<int64_t>(timestep_values_[step_index - 2]);
            const int64_t s1 = static_cast<int64_t>(timestep_values_[step_index - 1]);
            prev_sample = third_order_update(s2, s1, t, prev_timestep, sample);
        }
        if (lower_order_nums_ < config_.solver_order) ++lower_order_nums_;
        return {prev_sample, at::Tensor()};
    }

private:
    bool is_sde() const { return config_.algorithm_type.rfind("sde-", 0) == 0; }
    bool is_data_prediction() const { return config_.algorithm_type.find("++") != std::string::npos; }
    float alpha(int64_t t) const { return alpha_t_.at(static_cast<size_t>(t)); }
    float sigma(int64_t t) const { return sigma_t_.at(static_cast<size_t>(t)); }
    float lambda(int64_t t) const { return lambda_t_.at(static_cast<size_t>(t)); }

    // Ref: DPMSolverMultistepScheduler.convert_model_output: x0 prediction for DPM-Solver++,
    // noise prediction for DPM-Solver.
    at::Tensor convert_model_output(at::Tensor model_output, int64_t t, const at::Tensor& sample) const {
        if (!config_.variance_type.empty() && config_.prediction_type == "epsilon")
            model_output = model_output.slice(1, 0, 3);  // learned variance: keep the mean channels
        const double alpha_t = f32(alpha(t)), sigma_t = f32(sigma(t));
        if (is_data_prediction()) {
            at::Tensor x0_pred;
            if (config_.prediction_type == "epsilon") x0_pred = (sample - model_output * sigma_t) / alpha_t;
            else if (config_.prediction_type == "sample") x0_pred = model_output;
            else x0_pred = sample * alpha_t - model_output * sigma_t;  // v_prediction
            if (config_.thresholding)
                x0_pred = threshold_sample(x0_pred, config_.dynamic_thresholding_ratio, config_.sample_max_value);
            return x0_pred;
        }
        at::Tensor epsilon;
        if (config_.prediction_type == "epsilon") epsilon = model_output;
        else if (config_.prediction_type == "sample") epsilon = (sample - model_output * alpha_t) / sigma_t;
        else epsilon = model_output * alpha_t + sample * sigma_t;  // v_prediction
        if (config_.thresholding) {
            at::Tensor x0_pred = (sample - epsilon * sigma_t) / alpha_t;
            x0_pred = threshold_sample(x0_pred, config_.dynamic_thresholding_ratio, config_.sample_max_value);
            epsilon = (sample - x0_pred * alpha_t) / sigma_t;
        }
        return epsilon;
    }

    // Ref: DPMSolverMultistepScheduler.dpm_solver_first_order_update
    at::Tensor first_order_update(const at::Tensor& model_output, int64_t s, int64_t t, const at::Tensor& sample,
                                  const at::Tensor& noise) const {
        const float lambda_t = lambda(t), lambda_s = lambda(s);
        const float alpha_t = alpha(t), alpha_s = alpha(s);
        const float sigma_t = sigma(t), sigma_s = sigma(s);
        const float h = lambda_t - lambda_s;
        const std::string& algo = config_.algorithm_type;
        if (algo == "dpmsolver++")
            return sample * f32(sigma_t / sigma_s) - model_output * f32(alpha_t * (texp(-h) - 1.0f));
        if (algo == "dpmsolver")
            return sample * f32(alpha_t / alpha_s) - model_output * f32(sigma_t * (texp(h) - 1.0f));
        if (algo == "sde-dpmsolver++")
            return sample * f32(sigma_t / sigma_s * texp(-h)) +
                   model_output * f32(alpha_t * (1.0f - texp(-2.0f * h))) +
                   noise * f32(sigma_t * std::sqrt(1.0f - texp(-2.0f * h)));
        // sde-dpmsolver
        return sample * f32(alpha_t / alpha_s) - model_output * f32(2.0f * (sigma_t * (texp(h) - 1.0f))) +
               noise * f32(sigma_t * std::sqrt(texp(2.0f * h) - 1.0f));
    }

    // Ref: DPMSolverMultistepScheduler.multistep_dpm_solver_second_order_update
    at::Tensor second_order_update(int64_t s1, int64_t s0, int64_t t, const at::Tensor& sample,
                                   const at::Tensor& noise) const {
        const at::Tensor& m0 = model_outputs_[model_outputs_.size() - 1];
        const at::Tensor& m1 = model_outputs_[model_outputs_.size() - 2];
        const float lambda_t = lambda(t), lambda_s0 = lambda(s0), lambda_s1 = lambda(s1);
        const float alpha_t = alpha(t), alpha_s0 = alpha(s0);
        const float sigma_t = sigma(t), sigma_s0 = sigma(s0);
        const float h = lambda_t - lambda_s0, h_0 = lambda_s0 - lambda_s1;
        const float r0 = h_0 / h;
        const at::Tensor& D0 = m0;
        const at::Tensor D1 = (m0 - m1) * f32(1.0f / r0);
        const bool midpoint = config_.solver_type == "midpoint";
        const std::string& algo = config_.algorithm_type;
        if (algo == "dpmsolver++") {
            const float c = alpha_t * (texp(-h) - 1.0f);
            if (midpoint)
                return sample * f32(sigma_t / sigma_s0) - D0 * f32(c) - D1 * f32(0.5f * c);
            return sample * f32(sigma_t / sigma_s0) - D0 * f32(c) +
                   D1 * f32(alpha_t * ((texp(-h) - 1.0f) / h + 1.0f));
        }
        if (algo == "dpmsolver") {
            const float c = sigma_t * (texp(h) - 1.0f);
            if (midpoint)
                return sample * f32(alpha_t / alpha_s0) - D0 * f32(c) - D1 * f32(0.5f * c);
            return sample * f32(alpha_t / alpha_s0) - D0 * f32(c) -
                   D1 * f32(sigma_t * ((texp(h) - 1.0f) / h - 1.0f));
        }
        if (algo == "sde-dpmsolver++") {
            const float c = alpha_t * (1.0f - texp(-2.0f * h));
            const at::Tensor noise_term = noise * f32(sigma_t * std::sqrt(1.0f - texp(-2.0f * h)));
            if (midpoint)
                return sample * f32(sigma_t / sigma_s0 * texp(-h)) + D0 * f32(c) + D1 * f32(0.5f * c) + noise_term;
            return sample * f32(sigma_t / sigma_s0 * texp(-h)) + D0 * f32(c) +
                   D1 * f32(alpha_t * ((1.0f - texp(-2.0f * h)) / (-2.0f * h) + 1.0f)) + noise_term;
        }
        // sde-dpmsolver
        const float c = sigma_t * (texp(h) - 1.0f);
        const at::Tensor noise_term = noise * f32(sigma_t * std::sqrt(texp(2.0f * h) - 1.0f));
        if (midpoint)
            return sample * f32(alpha_t / alpha_s0) - D0 * f32(2.0f * c) - D1 * f32(c) + noise_term;
        return sample * f32(alpha_t / alpha_s0) - D0 * f32(2.0f * c) -
               D1 * f32(2.0f * (sigma_t * ((texp(h) - 1.0f) / h - 1.0f))) + noise_term;
    }

    // Ref: DPMSolverMultistepScheduler.multistep_dpm_solver_third_order_update
    at::Tensor third_order_update(int64_t s2, int64_t s1, int64_t s0, int64_t t, const at::Tensor& sample) const {
        const size_t k = model_outputs_.size();
        const at::Tensor& m0 = model_outputs_[k - 1];
        const at::Tensor& m1 = model_outputs_[k - 2];
        const at::Tensor& m2 = model_outputs_[k - 3];
        const float lambda_t = lambda(t), lambda_s0 = lambda(s0), lambda_s1 = lambda(s1), lambda_s2 = lambda(s2);
        const float alpha_t = alpha(t), alpha_s0 = alpha(s0);
        const float sigma_t = sigma(t), sigma_s0 = sigma(s0);
        const float h = lambda_t - lambda_s0, h_0 = lambda_s0 - lambda_s1, h_1 = lambda_s1 - lambda_s2;
        const float r0 = h_0 / h, r1 = h_1 / h;
        const at::Tensor& D0 = m0;
        const at::Tensor D1_0 = (m0 - m1) * f32(1.0f / r0);
        const at::Tensor D1_1 = (m1 - m2) * f32(1.0f / r1);
        const at::Tensor D1 = D1_0 + (D1_0 - D1_1) * f32(r0 / (r0 + r1));
        const at::Tensor D2 = (D1_0 - D1_1) * f32(1.0f / (r0 + r1));
        if (config_.algorithm_type == "dpmsolver++") {
            return sample * f32(sigma_t / sigma_s0) - D0 * f32(alpha_t * (texp(-h) - 1.0f)) +
                   D1 * f32(alpha_t * ((texp(-h) - 1.0f) / h + 1.0f)) -
                   D2 * f32(alpha_t * ((texp(-h) - 1.0f + h) / (h * h) - 0.5f));
        }
        return sample * f32(alpha_t / alpha_s0) - D0 * f32(sigma_t * (texp(h) - 1.0f)) -
               D1 * f32(sigma_t * ((texp(h) - 1.0f) / h - 1.0f)) -
               D2 * f32(sigma_t * ((texp(h) - 1.0f - h) / (h * h) - 0.5f));
    }

    std::vector<float> alpha_t_, sigma_t_, lambda_t_;  // training tables, float32
    std::vector<at::Tensor> model_outputs_;            // the last solver_order converted outputs
    int64_t lower_order_nums_ = 0;
};

}  // namespace

std::unique_ptr<Scheduler> make_dpm_solver_multistep(const SchedulerConfig& config) {
    return std::make_unique<DpmSolverMultistepScheduler>(config);
}

}  // namespace pictor::sched
