#include "core/schedulers/sigma_scheduler.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

#include "core/schedulers/schedule_math.h"
#include "core/util/error.h"

namespace pictor::sched {

SigmaScheduler::SigmaScheduler(const SchedulerConfig& config) : Scheduler(config) {
    // Ref: EulerDiscreteScheduler.__init__: sigmas from the float32 alphas_cumprod.
    const at::Tensor sigmas = training_sigmas(alphas_cumprod_);
    train_sigmas_ = float_values(sigmas);
    for (float s : train_sigmas_) max_train_sigma_ = std::max(max_train_sigma_, s);
}

void SigmaScheduler::set_schedule(std::vector<double> sigmas, const std::vector<double>& timesteps,
                                  c10::ScalarType dtype) {
    // Ref: np.concatenate([sigmas, [0.0]]).astype(np.float32)
    sigmas.push_back(0.0);
    step_sigmas_.assign(sigmas.size(), 0.0f);
    for (size_t i = 0; i < sigmas.size(); ++i) step_sigmas_[i] = static_cast<float>(sigmas[i]);
    sigmas_ = at::tensor(step_sigmas_, at::kFloat);
    set_timestep_table(timesteps, dtype);
}

double SigmaScheduler::init_noise_sigma() const {
    // Before set_timesteps the reference's sigmas are the training sigmas (and a 0).
    float max_sigma = max_train_sigma_;
    if (has_timesteps()) max_sigma = *std::max_element(step_sigmas_.begin(), step_sigmas_.end());
    if (config_.timestep_spacing == "linspace" || config_.timestep_spacing == "trailing") return max_sigma;
    return std::sqrt(max_sigma * max_sigma + 1.0f);
}

at::Tensor SigmaScheduler::scale_model_input(const at::Tensor& sample, double timestep) const {
    const float sigma = step_sigmas_[static_cast<size_t>(index_of(timestep))];
    return sample / f32(std::sqrt(sigma * sigma + 1.0f));
}

at::Tensor SigmaScheduler::predict_original(const at::Tensor& model_output, const at::Tensor& sample,
                                            float sigma) const {
    if (config_.prediction_type == "epsilon") return sample - model_output * f32(sigma);
    if (config_.prediction_type == "v_prediction")  // model_output * c_out + input * c_skip
        return model_output * f32(-sigma / std::sqrt(sigma * sigma + 1.0f)) + sample / f32(sigma * sigma + 1.0f);
    return model_output;  // "sample" (validate() rejects it where the class does not support it)
}

at::Tensor SigmaScheduler::add_noise(const at::Tensor& original, const at::Tensor& noise,
                                     const at::Tensor& timesteps) const {
    if (!has_timesteps()) fail(class_name() + ".add_noise: call set_timesteps() first");
    const at::Tensor ts = timesteps.to(at::kDouble).cpu().flatten().contiguous();
    std::vector<int64_t> indices;
    for (int64_t i = 0; i < ts.numel(); ++i) indices.push_back(index_of(ts.data_ptr<double>()[i]));
    const at::Tensor sigmas = sigmas_.to(original.device(), original.scalar_type());
    at::Tensor sigma = sigmas.index_select(0, at::tensor(indices, at::kLong).to(original.device())).flatten();
    while (sigma.dim() < original.dim()) sigma = sigma.unsqueeze(-1);
    return original + noise * sigma;
}

}  // namespace pictor::sched
