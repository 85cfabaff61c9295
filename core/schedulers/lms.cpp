// LMSDiscreteScheduler (diffusers 0.21.4): linear multistep in the sigma parameterisation
// (k-diffusion's sample_lms), order 4 as the pipelines call it. The multistep coefficients are the
// integrals over [sigma_i, sigma_{i+1}] of the Lagrange basis polynomials through the previous
// sigmas; diffusers integrates them with scipy.integrate.quad, here they are integrated exactly
// with Gauss-Legendre quadrature (4 nodes are exact up to degree 7; the basis has degree <= 3).
// Karras sigmas have no golden data for LMS and are refused by SchedulerConfig::validate().
#include <ATen/ATen.h>

#include <array>
#include <cmath>
#include <deque>

#include "core/schedulers/schedule_math.h"
#include "core/schedulers/sigma_scheduler.h"

namespace pictor::sched {

namespace {

constexpr int64_t kLmsOrder = 4;  // LMSDiscreteScheduler.step(order=4)

class LmsScheduler final : public SigmaScheduler {
public:
    explicit LmsScheduler(const SchedulerConfig& config) : SigmaScheduler(config) {}

    // Ref: LMSDiscreteScheduler.set_timesteps
    void set_timesteps(int64_t n) override {
        check_num_inference_steps(config_, n);
        num_inference_steps_ = n;
        const std::vector<double> ts = discrete_timesteps(config_, n);
        set_schedule(np_interp_arange(ts, train_sigmas_), ts, at::kFloat);
        derivatives_.clear();
    }

    // Ref: LMSDiscreteScheduler.step (order 4)
    StepOutput step(const at::Tensor& model_output, double timestep, const at::Tensor& sample,
                    const StepOptions& options) override {
        const int64_t step_index = index_of(timestep);
        const float sigma = step_sigmas_[static_cast<size_t>(step_index)];
        // 1. x0 from the model output
        const at::Tensor pred_original_sample = predict_original(model_output, sample, sigma);

        // 2. ODE derivative, remembered for the multistep
        derivatives_.push_back((sample - pred_original_sample) / f32(sigma));
        if (static_cast<int64_t>(derivatives_.size()) > kLmsOrder) derivatives_.pop_front();

        // 3. coefficients, 4. prev_sample = sample + sum(coeff_k * derivative_{i-k})
        const int64_t order = std::min(step_index + 1, kLmsOrder);
        at::Tensor sum;
        auto it = derivatives_.rbegin();
        for (int64_t k = 0; k < order && it != derivatives_.rend(); ++k, ++it) {
            at::Tensor term = *it * lms_coefficient(order, step_index, k);
            sum = sum.defined() ? sum + term : term;
        }
        at::Tensor prev_sample = sample + sum;
        return {prev_sample, pred_original_sample};
    }

private:
    // Ref: LMSDiscreteScheduler.get_lms_coefficient: the integral over [sigma_t, sigma_{t+1}] of
    // prod_{k != current} (tau - sigma_{t-k}) / (sigma_{t-current} - sigma_{t-k}).
    double lms_coefficient(int64_t order, int64_t t, int64_t current_order) const {
        const auto sigma = [&](int64_t i) { return static_cast<double>(step_sigmas_[static_cast<size_t>(i)]); };
        const auto basis = [&](double tau) {
            double prod = 1.0;
            for (int64_t k = 0; k < order; ++k) {
                if (k == current_order) continue;
                prod *= (tau - sigma(t - k)) / (sigma(t - current_order) - sigma(t - k));
            }
            return prod;
        };
        // 4-point Gauss-Legendre on [a, b].
        static constexpr std::array<double, 4> nodes = {-0.8611363115940526, -0.3399810435848563, 0.3399810435848563,
                                                        0.8611363115940526};
        static constexpr std::array<double, 4> weights = {0.3478548451374538, 0.6521451548625461, 0.6521451548625461,
                                                          0.3478548451374538};
        const double a = sigma(t), b = sigma(t + 1);
        const double half = 0.5 * (b - a), mid = 0.5 * (a + b);
        double integral = 0.0;
        for (size_t q = 0; q < nodes.size(); ++q) integral += weights[q] * basis(mid + half * nodes[q]);
        return integral * half;
    }

    std::deque<at::Tensor> derivatives_;
};

}  // namespace

std::unique_ptr<Scheduler> make_lms(const SchedulerConfig& config) { return std::make_unique<LmsScheduler>(config); }

}  // namespace pictor::sched
