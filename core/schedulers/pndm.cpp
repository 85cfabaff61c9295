// PNDMScheduler (diffusers 0.21.4): pseudo numerical methods for diffusion models
// (arXiv:2202.09778). With skip_prk_steps (Stable Diffusion 1.x's setting) only the linear
// multistep (PLMS) part runs, and its second timestep is repeated: the first step is a
// two-evaluation (Heun-like) start, as in crowsonkb's PLMS sampler.
#include <ATen/ATen.h>

#include <cmath>
#include <deque>

#include "core/schedulers/schedule_math.h"
#include "core/util/error.h"

namespace pictor::sched {

namespace {

class PndmScheduler final : public Scheduler {
public:
    explicit PndmScheduler(const SchedulerConfig& config) : Scheduler(config) {
        // Ref: PNDMScheduler.__init__
        final_alpha_cumprod_ = config_.set_alpha_to_one ? 1.0f : alphas_cumprod_values_[0];
    }

    // Ref: PNDMScheduler.set_timesteps
    void set_timesteps(int64_t n) override {
        check_num_inference_steps(config_, n);
        num_inference_steps_ = n;
        const int64_t T = config_.num_train_timesteps;
        std::vector<int64_t> ts = integer_timesteps(config_, n);
        std::reverse(ts.begin(), ts.end());  // ascending, like self._timesteps
        const int64_t len = static_cast<int64_t>(ts.size());

        prk_timesteps_.clear();
        std::vector<int64_t> plms;
        if (config_.skip_prk_steps) {
            // plms = concat(ts[:-1], ts[-2:-1], ts[-1:])[::-1]
            for (int64_t i = 0; i + 1 < len; ++i) plms.push_back(ts[i]);
            if (len >= 2) plms.push_back(ts[len - 2]);
            if (len >= 1) plms.push_back(ts[len - 1]);
            std::reverse(plms.begin(), plms.end());
        } else {
            if (len < kPndmOrder)
                fail("PNDMScheduler: the Runge-Kutta warm-up (skip_prk_steps false) needs at least " +
                     std::to_string(kPndmOrder) + " inference steps, got " + std::to_string(n));
            // prk = ts[-4:].repeat(2) + tile([0, T // n // 2], 4); prk = prk[:-1].repeat(2)[1:-1][::-1]
            const int64_t half = T / n / 2;
            std::vector<int64_t> prk;
            for (int64_t i = len - kPndmOrder; i < len; ++i) {
                prk.push_back(ts[i]);
                prk.push_back(ts[i] + half);
            }
            prk.pop_back();
            std::vector<int64_t> doubled;
            for (int64_t v : prk) {
                doubled.push_back(v);
                doubled.push_back(v);
            }
            prk_timesteps_.assign(doubled.begin() + 1, doubled.end() - 1);
            std::reverse(prk_timesteps_.begin(), prk_timesteps_.end());
            // plms = ts[:-3][::-1]
            for (int64_t i = len - 4; i >= 0; --i) plms.push_back(ts[i]);
        }
        std::vector<double> all;
        for (int64_t v : prk_timesteps_) all.push_back(static_cast<double>(v));
        for (int64_t v : plms) all.push_back(static_cast<double>(v));
        set_timestep_table(all, at::kLong);

        ets_.clear();
        counter_ = 0;
        cur_model_output_ = at::Tensor();
        cur_sample_ = at::Tensor();
    }

    // Ref: PNDMScheduler.step
    StepOutput step(const at::Tensor& model_output, double timestep, const at::Tensor& sample,
                    const StepOptions& options) override {
        require_timesteps("step");
        const auto t = static_cast<int64_t>(timestep);
        if (static_cast<double>(t) != timestep) fail("PNDMScheduler: timestep must be an integer, got " + std::to_string(timestep));
        if (counter_ < static_cast<int64_t>(prk_timesteps_.size()) && !config_.skip_prk_steps)
            return {step_prk(model_output, t, sample), at::Tensor()};
        return {step_plms(model_output, t, sample), at::Tensor()};
    }

private:
    static constexpr int64_t kPndmOrder = 4;

    // Ref: PNDMScheduler.step_prk
    at::Tensor step_prk(at::Tensor model_output, int64_t timestep, const at::Tensor& sample) {
        const int64_t T = config_.num_train_timesteps;
        const int64_t diff_to_prev = (counter_ % 2) ? 0 : T / num_inference_steps_ / 2;
        const int64_t prev_timestep = timestep - diff_to_prev;
        timestep = prk_timesteps_[counter_ / 4 * 4];

        const auto accumulate = [&](double w) {
            at::Tensor part = model_output * w;
            cur_model_output_ = cur_model_output_.defined() ? cur_model_output_ + part : part;
        };
        if (counter_ % 4 == 0) {
            accumulate(1.0 / 6.0);
            push_et(model_output);
            cur_sample_ = sample;
        } else if ((counter_ - 1) % 4 == 0) {
            accumulate(1.0 / 3.0);
        } else if ((counter_ - 2) % 4 == 0) {
            accumulate(1.0 / 3.0);
        } else {
            at::Tensor last = model_output * (1.0 / 6.0);
            model_output = cur_model_output_.defined() ? cur_model_output_ + last : last;
            cur_model_output_ = at::Tensor();
        }
        const at::Tensor& cur_sample = cur_sample_.defined() ? cur_sample_ : sample;
        at::Tensor prev_sample = get_prev_sample(cur_sample, timestep, prev_timestep, model_output);
        ++counter_;
        return prev_sample;
    }

    // Ref: PNDMScheduler.step_plms
    at::Tensor step_plms(at::Tensor model_output, int64_t timestep, at::Tensor sample) {
        const int64_t T = config_.num_train_timesteps;
        if (!config_.skip_prk_steps && ets_.size() < 3)
            fail("PNDMScheduler: the PLMS steps can only run after the Runge-Kutta warm-up");
        int64_t prev_timestep = timestep - T / num_inference_steps_;
        if (counter_ != 1) {
            push_et(model_output);
        } else {
            prev_timestep = timestep;
            timestep = timestep + T / num_inference_steps_;
        }

        const size_t n = ets_.size();
        if (n == 1 && counter_ == 0) {
            cur_sample_ = sample;
        } else if (n == 1 && counter_ == 1) {
            model_output = (model_output + ets_[n - 1]) / 2;
            sample = cur_sample_;
            cur_sample_ = at::Tensor();
        } else if (n == 2) {
            model_output = (ets_[n - 1] * 3 - ets_[n - 2]) / 2;
        } else if (n == 3) {
            model_output = (ets_[n - 1] * 23 - ets_[n - 2] * 16 + ets_[n - 3] * 5) / 12;
        } else {
            model_output = (ets_[n - 1] * 55 - ets_[n - 2] * 59 + ets_[n - 3] * 37 - ets_[n - 4] * 9) * (1.0 / 24.0);
        }
        at::Tensor prev_sample = get_prev_sample(sample, timestep, prev_timestep, model_output);
        ++counter_;
        return prev_sample;
    }

    // Ref: PNDMScheduler._get_prev_sample (formula (9) of the PNDM paper). The scalar factors are
    // float32 like the reference's 0-d tensors.
    at::Tensor get_prev_sample(const at::Tensor& sample, int64_t timestep, int64_t prev_timestep,
                               at::Tensor model_output) const {
        const float alpha_prod_t = alphas_cumprod_values_.at(static_cast<size_t>(timestep));
        const float alpha_prod_t_prev =
            prev_timestep >= 0 ? alphas_cumprod_values_.at(static_cast<size_t>(prev_timestep)) : final_alpha_cumprod_;
        const float beta_prod_t = 1.0f - alpha_prod_t;
        const float beta_prod_t_prev = 1.0f - alpha_prod_t_prev;

        if (config_.prediction_type == "v_prediction")
            model_output = model_output * f32(std::sqrt(alpha_prod_t)) + sample * f32(std::sqrt(beta_prod_t));

        const float sample_coeff = std::sqrt(alpha_prod_t_prev / alpha_prod_t);
        const float model_output_denom_coeff =
            alpha_prod_t * std::sqrt(beta_prod_t_prev) + std::sqrt(alpha_prod_t * beta_prod_t * alpha_prod_t_prev);
        return sample * f32(sample_coeff) -
               model_output * f32(alpha_prod_t_prev - alpha_prod_t) / f32(model_output_denom_coeff);
    }

    // Only the last four model outputs are ever used.
    void push_et(const at::Tensor& e) {
        ets_.push_back(e);
        if (ets_.size() > 4) ets_.pop_front();
    }

    float final_alpha_cumprod_ = 1.0f;
    std::vector<int64_t> prk_timesteps_;
    std::deque<at::Tensor> ets_;
    int64_t counter_ = 0;
    at::Tensor cur_model_output_;
    at::Tensor cur_sample_;
};

}  // namespace

std::unique_ptr<Scheduler> make_pndm(const SchedulerConfig& config) { return std::make_unique<PndmScheduler>(config); }

}  // namespace pictor::sched
