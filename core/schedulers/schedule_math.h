// Internal to core/schedulers: the numpy/torch building blocks diffusers' schedulers use to build
// their schedules, reproduced in the same precision (numpy float64 where diffusers computes with
// numpy, float32 tensors where it computes with torch), and the pieces shared by several
// scheduler classes. Not a public header: include core/schedulers/scheduler.h instead.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/schedulers/scheduler.h"

namespace pictor::sched {

// numpy.linspace(start, stop, num) (float64; endpoint exact).
std::vector<double> np_linspace(double start, double stop, int64_t num);
// numpy.arange(start, stop, step) for a float step (float64).
std::vector<double> np_arange(double start, double stop, double step);
// numpy.round / torch.round: half to even.
double round_half_even(double x);
// Values rounded to float32 and back (numpy .astype(np.float32)).
std::vector<double> to_float32_values(const std::vector<double>& values);
std::vector<double> reversed(std::vector<double> values);

// numpy.interp(x, arange(len(fp)), fp) for float32 `fp` (computed in float64 as numpy does).
std::vector<double> np_interp_arange(const std::vector<double>& x, const std::vector<float>& fp);

// Ref: EulerDiscreteScheduler._convert_to_karras, copied into DPMSolverMultistepScheduler (rho 7;
// sigma_min = in_sigmas[-1], sigma_max = in_sigmas[0], whatever their order). Only DPM-Solver
// uses Karras sigmas: the golden traces cover them for no other class.
std::vector<double> karras_sigmas(double first_sigma, double last_sigma, int64_t num_inference_steps);
// Ref: EulerDiscreteScheduler._sigma_to_t (copied into DPMSolverMultistepScheduler), with
// numpy 1.24's float32 promotion of the distances (log_sigmas is the float32 np.log of the
// float32 training sigmas).
double sigma_to_t(double sigma, const std::vector<float>& log_sigmas);

// float32 tensor -> std::vector<float>.
std::vector<float> float_values(const at::Tensor& t);
// std::vector<double> -> 1-D CPU tensor of `dtype`.
at::Tensor tensor_from(const std::vector<double>& values, c10::ScalarType dtype);

// Ref: betas of <Class>.__init__ (linear / scaled_linear / squaredcos_cap_v2 / trained_betas),
// float32. (DDIM's rescale_betas_zero_snr is refused by SchedulerConfig::validate().)
at::Tensor make_betas(const SchedulerConfig& config);

// Ref: ((1 - alphas_cumprod) / alphas_cumprod) ** 0.5 on the float32 tensor (training sigmas,
// ascending in t).
at::Tensor training_sigmas(const at::Tensor& alphas_cumprod);

// Ref: EulerDiscreteScheduler.set_timesteps (the timesteps part, shared by Euler ancestral and
// LMS): descending values for timestep_spacing linspace/leading/trailing, rounded to float32.
std::vector<double> discrete_timesteps(const SchedulerConfig& config, int64_t num_inference_steps);

// Ref: DDIMScheduler/PNDMScheduler.set_timesteps: the integer timesteps for timestep_spacing
// linspace/leading/trailing, descending.
std::vector<int64_t> integer_timesteps(const SchedulerConfig& config, int64_t num_inference_steps);

// Throws pictor::Error unless 1 <= n <= num_train_timesteps.
void check_num_inference_steps(const SchedulerConfig& config, int64_t n);

// Noise like diffusers' randn_tensor(shape of `like`, generator, dtype/device of `like`), or the
// injected noise of `options` (checked against the shape).
at::Tensor draw_noise(const at::Tensor& like, const StepOptions& options, const char* who);

// A tensor * a float32 scalar computed on the host, the way torch multiplies by a 0-d float32
// tensor (the scalar passed as its exact float value).
inline double f32(float v) { return static_cast<double>(v); }

// Factories of the concrete classes (one per file).
std::unique_ptr<Scheduler> make_pndm(const SchedulerConfig& config);
std::unique_ptr<Scheduler> make_ddim(const SchedulerConfig& config);
std::unique_ptr<Scheduler> make_euler(const SchedulerConfig& config);
std::unique_ptr<Scheduler> make_euler_ancestral(const SchedulerConfig& config);
std::unique_ptr<Scheduler> make_dpm_solver_multistep(const SchedulerConfig& config);
std::unique_ptr<Scheduler> make_lms(const SchedulerConfig& config);
std::unique_ptr<Scheduler> make_lcm(const SchedulerConfig& config);

}  // namespace pictor::sched
