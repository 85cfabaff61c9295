// LCMScheduler (diffusers 0.23.0): multistep latent consistency sampling (arXiv:2310.04378).
// Each step maps x_t to the consistency function's estimate of x0 ("denoised") and, except on
// the last step, diffuses it forward again to the next timestep with fresh noise from the run's
// generator. The noise is drawn in the reference's order (one randn of the sample's shape per
// step but the last), or injected (StepOptions::noise) to replay a reference trace.
#include <ATen/ATen.h>

#include <cmath>

#include "core/schedulers/schedule_math.h"
#include "core/util/error.h"

namespace pictor::sched {

namespace {

class LcmScheduler final : public Scheduler {
public:
    explicit LcmScheduler(const SchedulerConfig& config) : Scheduler(config) {
        // Ref: LCMScheduler.__init__. Only used for a negative previous timestep, which the
        // schedule below never produces; kept so the struct mirrors the reference.
        final_alpha_cumprod_ = config_.set_alpha_to_one ? 1.0f : alphas_cumprod_values_[0];
    }

    bool draws_noise() const override { return true; }

    // Ref: LCMScheduler.set_timesteps (0.23.0): the distillation grid
    // [1..original_inference_steps] * (T // original_inference_steps) - 1, walked backwards with
    // a stride of original // n, the first n entries. steps_offset and timestep_spacing are not read.
    void set_timesteps(int64_t n) override {
        const int64_t original = config_.original_inference_steps;
        if (n < 1 || n > original)
            fail("LCMScheduler: num_inference_steps must lie in [1, original_inference_steps = " + std::to_string(original) +
                 "], got " + std::to_string(n));
        const int64_t c = config_.num_train_timesteps / original;
        std::vector<int64_t> origin;
        for (int64_t k = 1; k <= original; ++k) origin.push_back(k * c - 1);
        const int64_t skip = original / n;
        std::vector<double> ts;
        for (int64_t i = static_cast<int64_t>(origin.size()) - 1; i >= 0 && static_cast<int64_t>(ts.size()) < n; i -= skip)
            ts.push_back(static_cast<double>(origin[static_cast<size_t>(i)]));
        num_inference_steps_ = n;
        set_timestep_table(ts, at::kLong);
    }

    // Ref: LCMScheduler.step (epsilon prediction; clip_sample as the reference, thresholding refused).
    StepOutput step(const at::Tensor& model_output, double timestep, const at::Tensor& sample,
                    const StepOptions& options) override {
        const auto i = static_cast<size_t>(index_of(timestep));
        const auto t = static_cast<int64_t>(timestep);
        // 1. previous timestep: the next entry, or t itself on the last step
        const bool last = i + 1 == timestep_values_.size();
        const int64_t prev_t = last ? t : static_cast<int64_t>(timestep_values_[i + 1]);
        // 2. alphas and betas, float32 0-d tensors in the reference
        const float alpha_prod_t = alphas_cumprod_values_[static_cast<size_t>(t)];
        const float alpha_prod_t_prev = prev_t >= 0 ? alphas_cumprod_values_[static_cast<size_t>(prev_t)] : final_alpha_cumprod_;
        const float beta_prod_t = 1.0f - alpha_prod_t;
        const float beta_prod_t_prev = 1.0f - alpha_prod_t_prev;
        // 3. Ref: LCMScheduler.get_scalings_for_boundary_condition_discrete: the int64 timestep
        // times timestep_scaling is a float32 tensor; sigma_data = 0.5.
        const float s = static_cast<float>(t) * static_cast<float>(config_.timestep_scaling);
        const float s2 = s * s;
        const float c_skip = 0.25f / (s2 + 0.25f);
        const float c_out = s / std::sqrt(s2 + 0.25f);
        // 4. x0 from epsilon, 5. optional clipping
        at::Tensor x0 = (sample - model_output * f32(std::sqrt(beta_prod_t))) / f32(std::sqrt(alpha_prod_t));
        if (config_.clip_sample) x0 = x0.clamp(-config_.clip_sample_range, config_.clip_sample_range);
        // 6. the consistency function's output
        const at::Tensor denoised = x0 * f32(c_out) + sample * f32(c_skip);
        // 7. noise to the next timestep, except on the last step (which draws nothing)
        if (last) return {denoised, denoised};
        const at::Tensor noise = draw_noise(model_output, options, "LCMScheduler");
        const at::Tensor prev_sample = denoised * f32(std::sqrt(alpha_prod_t_prev)) + noise * f32(std::sqrt(beta_prod_t_prev));
        return {prev_sample, denoised};
    }

private:
    float final_alpha_cumprod_ = 1.0f;
};

}  // namespace

std::unique_ptr<Scheduler> make_lcm(const SchedulerConfig& config) { return std::make_unique<LcmScheduler>(config); }

}  // namespace pictor::sched
