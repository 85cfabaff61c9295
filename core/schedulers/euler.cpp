// EulerDiscreteScheduler (diffusers 0.21.4): Euler steps in the sigma (k-diffusion)
// parameterisation, Algorithm 2 of Karras et al. 2022 (arXiv:2206.00364) without churn, on the
// linearly interpolated training sigmas. Karras sigmas and interpolation_type "log_linear" have
// no golden data and are refused by SchedulerConfig::validate().
#include <ATen/ATen.h>

#include "core/schedulers/schedule_math.h"
#include "core/schedulers/sigma_scheduler.h"

namespace pictor::sched {

namespace {

class EulerScheduler final : public SigmaScheduler {
public:
    explicit EulerScheduler(const SchedulerConfig& config) : SigmaScheduler(config) {}

    // Ref: EulerDiscreteScheduler.set_timesteps
    void set_timesteps(int64_t n) override {
        check_num_inference_steps(config_, n);
        num_inference_steps_ = n;
        const std::vector<double> ts = discrete_timesteps(config_, n);
        // interpolation_type "linear": np.interp(timesteps, arange(T), sigmas)
        set_schedule(np_interp_arange(ts, train_sigmas_), ts, at::kFloat);
    }

    // Ref: EulerDiscreteScheduler.step with s_churn = 0 (gamma = 0, sigma_hat = sigma: the
    // noise the reference draws is multiplied by zero and is not drawn here).
    StepOutput step(const at::Tensor& model_output, double timestep, const at::Tensor& sample,
                    const StepOptions& options) override {
        const auto i = static_cast<size_t>(index_of(timestep));
        const float sigma = step_sigmas_[i];
        const float sigma_hat = sigma * (0.0f + 1.0f);
        // 1. x0 from the model output
        const at::Tensor pred_original_sample = predict_original(model_output, sample, sigma_hat);
        // 2. ODE derivative, 3. Euler step
        const at::Tensor derivative = (sample - pred_original_sample) / f32(sigma_hat);
        const float dt = step_sigmas_[i + 1] - sigma_hat;
        at::Tensor prev_sample = sample + derivative * f32(dt);
        return {prev_sample, pred_original_sample};
    }
};

}  // namespace

std::unique_ptr<Scheduler> make_euler(const SchedulerConfig& config) { return std::make_unique<EulerScheduler>(config); }

}  // namespace pictor::sched
