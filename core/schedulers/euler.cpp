// EulerDiscreteScheduler (diffusers 0.21.4): Euler steps in the sigma (k-diffusion)
// parameterisation, Algorithm 2 of Karras et al. 2022 (arXiv:2206.00364) without churn.
#include <ATen/ATen.h>

#include <cmath>

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
        std::vector<double> ts = discrete_timesteps(config_, n);

        std::vector<double> sigmas;
        if (config_.interpolation_type == "linear") {
            sigmas = np_interp_arange(ts, train_sigmas_);
        } else {  // log_linear: torch.linspace(log(sigma[-1]), log(sigma[0]), n + 1).exp() (float32)
            const at::Tensor s = at::linspace(static_cast<double>(std::log(train_sigmas_.back())),
                                              static_cast<double>(std::log(train_sigmas_.front())), n + 1,
                                              at::TensorOptions().dtype(at::kFloat))
                                     .exp();
            for (float v : float_values(s)) sigmas.push_back(v);
        }
        c10::ScalarType ts_dtype = at::kFloat;
        if (config_.use_karras_sigmas) {
            sigmas = karras_sigmas(sigmas.front(), sigmas.back(), n);
            ts.clear();
            for (double s : sigmas) ts.push_back(sigma_to_t(s, log_sigmas_));
            ts_dtype = at::kDouble;  // np.array of _sigma_to_t results, float64
        }
        set_schedule(std::move(sigmas), ts, ts_dtype);
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
