// DDIMScheduler (diffusers 0.21.4): denoising diffusion implicit models (arXiv:2010.02502),
// deterministic (eta = 0, the pipelines' default). eta > 0 (DDPM-like noise) and dynamic
// thresholding have no golden data and are refused (step() / SchedulerConfig::validate()).
#include <ATen/ATen.h>

#include <cmath>
#include <sstream>

#include "core/schedulers/schedule_math.h"
#include "core/util/error.h"

namespace pictor::sched {

namespace {

class DdimScheduler final : public Scheduler {
public:
    explicit DdimScheduler(const SchedulerConfig& config) : Scheduler(config) {
        // Ref: DDIMScheduler.__init__
        final_alpha_cumprod_ = config_.set_alpha_to_one ? 1.0f : alphas_cumprod_values_[0];
    }

    // Ref: DDIMScheduler.set_timesteps
    void set_timesteps(int64_t n) override {
        check_num_inference_steps(config_, n);
        num_inference_steps_ = n;
        std::vector<double> ts;
        for (int64_t t : integer_timesteps(config_, n)) ts.push_back(static_cast<double>(t));
        set_timestep_table(ts, at::kLong);
    }

    // Ref: DDIMScheduler.step with eta 0 (use_clipped_model_output false, as the pipelines call it).
    StepOutput step(const at::Tensor& model_output, double timestep, const at::Tensor& sample,
                    const StepOptions& options) override {
        require_timesteps("step");
        if (options.eta != 0.0) {
            std::ostringstream eta;
            eta << options.eta;
            fail("DDIMScheduler: eta " + eta.str() +
                 " is not supported (Pictor supports eta 0, deterministic DDIM)");
        }
        const auto t = static_cast<int64_t>(timestep);
        if (static_cast<double>(t) != timestep || t < 0 || t >= config_.num_train_timesteps)
            fail("DDIMScheduler: timestep must be an integer in [0, num_train_timesteps), got " + std::to_string(timestep));
        // 1. previous step (= t - 1)
        const int64_t prev_timestep = t - config_.num_train_timesteps / num_inference_steps_;
        // 2. alphas, betas (float32 like the reference's 0-d tensors)
        const float alpha_prod_t = alphas_cumprod_values_[static_cast<size_t>(t)];
        const float alpha_prod_t_prev = alpha_prev(prev_timestep);
        const float beta_prod_t = 1.0f - alpha_prod_t;

        // 3. predicted original sample and epsilon
        at::Tensor pred_original_sample, pred_epsilon;
        if (config_.prediction_type == "epsilon") {
            pred_original_sample = (sample - model_output * f32(std::sqrt(beta_prod_t))) / f32(std::sqrt(alpha_prod_t));
            pred_epsilon = model_output;
        } else if (config_.prediction_type == "sample") {
            pred_original_sample = model_output;
            pred_epsilon = (sample - pred_original_sample * f32(std::sqrt(alpha_prod_t))) / f32(std::sqrt(beta_prod_t));
        } else {  // v_prediction
            pred_original_sample =
                sample * f32(std::sqrt(alpha_prod_t)) - model_output * f32(std::sqrt(beta_prod_t));
            pred_epsilon = model_output * f32(std::sqrt(alpha_prod_t)) + sample * f32(std::sqrt(beta_prod_t));
        }

        // 4. clip x0 (thresholding is refused by validate())
        if (config_.clip_sample)
            pred_original_sample =
                pred_original_sample.clamp(-config_.clip_sample_range, config_.clip_sample_range);

        // 5. sigma_t(eta), formula (16): eta * sqrt(_get_variance(t, prev)), exactly 0 for eta 0.
        const float std_dev_t = 0.0f * std::sqrt(get_variance(t, prev_timestep));

        // 6. direction pointing to x_t, formula (12); 7. x_{t-1} (no noise for eta 0)
        const at::Tensor pred_sample_direction =
            pred_epsilon * f32(std::sqrt(1.0f - alpha_prod_t_prev - std_dev_t * std_dev_t));
        const at::Tensor prev_sample =
            pred_original_sample * f32(std::sqrt(alpha_prod_t_prev)) + pred_sample_direction;
        return {prev_sample, pred_original_sample};
    }

private:
    float alpha_prev(int64_t prev_timestep) const {
        return prev_timestep >= 0 ? alphas_cumprod_values_[static_cast<size_t>(prev_timestep)] : final_alpha_cumprod_;
    }

    // Ref: DDIMScheduler._get_variance
    float get_variance(int64_t timestep, int64_t prev_timestep) const {
        const float alpha_prod_t = alphas_cumprod_values_[static_cast<size_t>(timestep)];
        const float alpha_prod_t_prev = alpha_prev(prev_timestep);
        const float beta_prod_t = 1.0f - alpha_prod_t;
        const float beta_prod_t_prev = 1.0f - alpha_prod_t_prev;
        return (beta_prod_t_prev / beta_prod_t) * (1.0f - alpha_prod_t / alpha_prod_t_prev);
    }

    float final_alpha_cumprod_ = 1.0f;
};

}  // namespace

std::unique_ptr<Scheduler> make_ddim(const SchedulerConfig& config) { return std::make_unique<DdimScheduler>(config); }

}  // namespace pictor::sched
