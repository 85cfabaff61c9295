// Internal to core/schedulers: what Euler, Euler ancestral and LMS share — the k-diffusion
// (sigma) view of a DDPM schedule: sigma_t = sqrt((1 - alpha_bar_t) / alpha_bar_t), the UNet input
// x / sqrt(sigma^2 + 1), the initial noise scale, and x0 from the model output.
#pragma once

#include <ATen/core/Tensor.h>

#include <vector>

#include "core/schedulers/scheduler.h"

namespace pictor::sched {

class SigmaScheduler : public Scheduler {
public:
    // Ref: EulerDiscreteScheduler.init_noise_sigma
    double init_noise_sigma() const override;
    // Ref: EulerDiscreteScheduler.scale_model_input: sample / ((sigma**2 + 1) ** 0.5)
    at::Tensor scale_model_input(const at::Tensor& sample, double timestep) const override;
    // Ref: EulerDiscreteScheduler.add_noise
    at::Tensor add_noise(const at::Tensor& original, const at::Tensor& noise,
                         const at::Tensor& timesteps) const override;

protected:
    explicit SigmaScheduler(const SchedulerConfig& config);

    // Stores the per-step sigmas (a final 0 is appended) and the timesteps.
    void set_schedule(std::vector<double> sigmas, const std::vector<double>& timesteps, c10::ScalarType dtype);
    // Ref: EulerDiscreteScheduler.step, step 1: x0 from an epsilon / v / sample prediction.
    at::Tensor predict_original(const at::Tensor& model_output, const at::Tensor& sample, float sigma) const;

    std::vector<float> train_sigmas_;  // float32, ascending in t
    std::vector<float> step_sigmas_;   // sigmas_ as floats: one per timestep, then 0

private:
    float max_train_sigma_ = 0.0f;
};

}  // namespace pictor::sched
