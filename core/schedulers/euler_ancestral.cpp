// EulerAncestralDiscreteScheduler (diffusers 0.21.4): Euler steps to sigma_down plus fresh noise
// of size sigma_up (k-diffusion's sample_euler_ancestral, eta = 1). The noise comes from the
// step's generator, or is injected (StepOptions::noise) to replay a reference trace.
#include <ATen/ATen.h>

#include <cmath>

#include "core/schedulers/schedule_math.h"
#include "core/schedulers/sigma_scheduler.h"

namespace pictor::sched {

namespace {

class EulerAncestralScheduler final : public SigmaScheduler {
public:
    explicit EulerAncestralScheduler(const SchedulerConfig& config) : SigmaScheduler(config) {}

    bool draws_noise() const override { return true; }

    // Ref: EulerAncestralDiscreteScheduler.set_timesteps
    void set_timesteps(int64_t n) override {
        check_num_inference_steps(config_, n);
        num_inference_steps_ = n;
        const std::vector<double> ts = discrete_timesteps(config_, n);
        set_schedule(np_interp_arange(ts, train_sigmas_), ts, at::kFloat);
    }

    // Ref: EulerAncestralDiscreteScheduler.step
    StepOutput step(const at::Tensor& model_output, double timestep, const at::Tensor& sample,
                    const StepOptions& options) override {
        const auto i = static_cast<size_t>(index_of(timestep));
        const float sigma = step_sigmas_[i];
        // 1. x0 from the model output (epsilon or v_prediction)
        const at::Tensor pred_original_sample = predict_original(model_output, sample, sigma);

        const float sigma_from = step_sigmas_[i];
        const float sigma_to = step_sigmas_[i + 1];
        const float sigma_up =
            std::sqrt(sigma_to * sigma_to * (sigma_from * sigma_from - sigma_to * sigma_to) / (sigma_from * sigma_from));
        const float sigma_down = std::sqrt(sigma_to * sigma_to - sigma_up * sigma_up);

        // 2. ODE derivative, Euler step to sigma_down, then noise up to sigma_to
        const at::Tensor derivative = (sample - pred_original_sample) / f32(sigma);
        const float dt = sigma_down - sigma;
        at::Tensor prev_sample = sample + derivative * f32(dt);
        const at::Tensor noise = draw_noise(model_output, options, "EulerAncestralDiscreteScheduler");
        prev_sample = prev_sample + noise * f32(sigma_up);
        return {prev_sample, pred_original_sample};
    }
};

}  // namespace

std::unique_ptr<Scheduler> make_euler_ancestral(const SchedulerConfig& config) {
    return std::make_unique<EulerAncestralScheduler>(config);
}

}  // namespace pictor::sched
