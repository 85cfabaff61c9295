// Diffusion schedulers (samplers) behind one interface, each equal to diffusers 0.21.4 for the
// same config: PNDM (PLMS), DDIM, Euler, Euler ancestral, DPM-Solver++ 2M multistep (with or
// without Karras sigmas) and LMS; and LCM (latent consistency, diffusers 0.23.0, the first
// release that has it).
//
// Only options whose numerics were checked against diffusers (golden traces, or tests against
// reference values) are implemented; a config asking for one of the others (DPM-Solver order 3,
// heun, SDE or noise-prediction variants, dynamic thresholding, Karras sigmas outside DPM-Solver,
// ...) is refused with a pictor::Error naming the config and the field, rather than sampled with
// unverified formulas. SchedulerConfig::validate() lists them.
//
// Typical use (what diffusers' StableDiffusionPipeline does):
//
//     auto scheduler = pictor::make_scheduler("pndm", pictor::JsonConfig::load(dir / "scheduler_config.json"));
//     scheduler->set_timesteps(50);
//     at::Tensor x = noise * scheduler->init_noise_sigma();
//     for (double t : scheduler->timestep_values()) {
//         at::Tensor x_in = scheduler->scale_model_input(x, t);
//         at::Tensor eps = unet(x_in, t);              // one UNet call per timestep
//         x = scheduler->step(eps, t, x, {generator}).prev_sample;
//     }
//
// The schedule (betas, alphas_cumprod, sigmas) is computed in the reference's precision (float32
// tables, numpy float64 interpolation where diffusers uses it); step() works in the dtype and on
// the device of its inputs.
//
// Failure contract: building a scheduler from a bad or unsupported config (unknown class, unknown
// beta_schedule, prediction_type, timestep_spacing, an algorithm_type other than dpmsolver++, ...)
// and set_timesteps with a step count outside [1, num_train_timesteps] throw pictor::Error naming
// the config source and the field. step()/scale_model_input() before set_timesteps(), or with a
// timestep that is not in the schedule, and DDIM's step() with eta != 0 throw pictor::Error as well.
//
// Thread-safety: a Scheduler holds the state of one denoising run (multistep history, step
// counter) and must not be shared between concurrent runs; create one per run (it is cheap).
// Distinct instances are independent.
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pictor {

class JsonConfig;

// Which diffusers class a scheduler reproduces.
enum class SchedulerKind {
    pndm,                  // PNDMScheduler
    ddim,                  // DDIMScheduler
    euler,                 // EulerDiscreteScheduler
    euler_ancestral,       // EulerAncestralDiscreteScheduler
    dpm_solver_multistep,  // DPMSolverMultistepScheduler
    lms,                   // LMSDiscreteScheduler
    lcm,                   // LCMScheduler (diffusers 0.23.0)
};

// The diffusers class name ("PNDMScheduler", ...).
std::string scheduler_class_name(SchedulerKind kind);

// Every config field any of the schedulers reads. `from_json` fills missing keys with the
// defaults of the diffusers 0.21.4 class `kind` (they differ per class: e.g. timestep_spacing is
// "leading" for PNDM/DDIM and "linspace" for Euler/Euler a/LMS/DPM; clip_sample and
// set_alpha_to_one default to true only for DDIM). Keys named in "_use_default_values" count as
// missing, as in diffusers' from_config.
struct SchedulerConfig {
    SchedulerKind kind = SchedulerKind::pndm;
    std::string source;  // where it came from, for messages

    int64_t num_train_timesteps = 1000;
    double beta_start = 0.0001;
    double beta_end = 0.02;
    std::string beta_schedule = "linear";  // linear | scaled_linear | squaredcos_cap_v2
    std::vector<double> trained_betas;     // non-empty: used instead of beta_schedule
    std::string prediction_type = "epsilon";  // epsilon | v_prediction | sample (per class)
    std::string timestep_spacing = "leading";  // linspace | leading | trailing
    int64_t steps_offset = 0;

    // PNDM / DDIM
    bool skip_prk_steps = false;
    bool set_alpha_to_one = false;
    // DDIM
    bool clip_sample = true;
    double clip_sample_range = 1.0;
    // The fields below are read so that validate() can refuse the values Pictor does not
    // implement (the comments say which are accepted); the others keep diffusers' meaning.
    bool rescale_betas_zero_snr = false;  // DDIM: false only
    bool thresholding = false;            // DDIM / DPM: false only
    // Euler / LMS / DPM: true only for DPM-Solver
    bool use_karras_sigmas = false;
    // Euler
    std::string interpolation_type = "linear";  // linear only
    // DPM-Solver multistep
    int64_t solver_order = 2;                    // 1 | 2
    std::string algorithm_type = "dpmsolver++";  // dpmsolver++ only ("deis" is read as it, like diffusers)
    std::string solver_type = "midpoint";        // midpoint only ("logrho", "bh1", "bh2" are read as it)
    bool lower_order_final = true;
    double lambda_min_clipped = -std::numeric_limits<double>::infinity();  // -Infinity only
    std::string variance_type;                                             // "" (null) only
    // LCM: the distillation schedule's step count and the boundary-condition time scale.
    int64_t original_inference_steps = 50;
    double timestep_scaling = 10.0;

    // Defaults of the class `kind`, then the values present in `json`. Throws pictor::Error for
    // a wrong-typed, unknown or unsupported value.
    static SchedulerConfig from_json(SchedulerKind kind, const JsonConfig& json);
    // The class defaults alone.
    static SchedulerConfig defaults(SchedulerKind kind);
    // Throws pictor::Error if a value is not supported by the class or not implemented by Pictor.
    void validate() const;
};

// Extra inputs of step().
struct StepOptions {
    // Noise for the stochastic scheduler (Euler ancestral): drawn like diffusers' randn_tensor —
    // on the generator's device (the CPU for a CPU generator), in the sample's dtype, then moved
    // to the sample's device. Without a generator the global default generator is used.
    std::optional<at::Generator> generator;
    // When defined, used as that noise instead of drawing (replaying a reference trace).
    at::Tensor noise;
    // DDIM's eta. Only 0 (deterministic DDIM, what the pipelines use by default) is supported:
    // eta > 0 has no golden data, so DDIM's step() refuses any other value. Ignored by the others.
    double eta = 0.0;
};

struct StepOutput {
    at::Tensor prev_sample;
    // The model's x0 estimate, where the diffusers class returns one (DDIM, Euler, Euler a, LMS);
    // undefined otherwise (PNDM, DPM-Solver). LCM returns its `denoised` here
    // (c_out * x0 + c_skip * sample), what LatentConsistencyModelPipeline decodes.
    at::Tensor pred_original_sample;
};

class Scheduler {
public:
    virtual ~Scheduler() = default;

    SchedulerKind kind() const { return config_.kind; }
    const SchedulerConfig& config() const { return config_; }
    std::string class_name() const { return scheduler_class_name(config_.kind); }
    // diffusers' `Scheduler.order` (1 for all these classes: one step() per UNet call).
    int order() const { return 1; }

    // Training schedule: float32, [num_train_timesteps].
    const at::Tensor& betas() const { return betas_; }
    const at::Tensor& alphas_cumprod() const { return alphas_cumprod_; }

    // Ref: <Class>.set_timesteps. Resets the multistep state. Throws pictor::Error unless
    // 1 <= num_inference_steps <= num_train_timesteps.
    virtual void set_timesteps(int64_t num_inference_steps) = 0;
    bool has_timesteps() const { return timesteps_.defined(); }
    int64_t num_inference_steps() const { return num_inference_steps_; }

    // The timesteps to loop over, one UNet call each, CPU, in the reference's dtype:
    // int64 for PNDM, DDIM and DPM-Solver; float32 for Euler, Euler a and LMS. PNDM with
    // skip_prk_steps repeats its second timestep, so it has num_inference_steps + 1 of them;
    // DPM-Solver drops duplicates (Karras sigmas at many steps).
    const at::Tensor& timesteps() const { return timesteps_; }
    c10::ScalarType timestep_dtype() const { return timesteps_.scalar_type(); }
    // The same values as doubles (exact), what step() and scale_model_input() take.
    const std::vector<double>& timestep_values() const { return timestep_values_; }
    // Number of UNet evaluations (= step() calls) of a run.
    int64_t num_unet_calls() const { return static_cast<int64_t>(timestep_values_.size()); }

    // The scheduler's sigma table as the reference keeps it (undefined tensor for PNDM/DDIM):
    // Euler/Euler a/LMS: one per timestep plus a final 0 (float32); DPM-Solver: all
    // num_train_timesteps training sigmas (float32), or with Karras sigmas the n Karras sigmas
    // in ascending order (float64).
    const at::Tensor& sigmas() const { return sigmas_; }

    // Whether step() draws fresh noise from StepOptions::generator (Euler a, LCM): a run with
    // explicit latents still needs a seeded generator to be reproducible.
    virtual bool draws_noise() const { return false; }

    // Standard deviation of the initial noise: latents = randn * init_noise_sigma().
    virtual double init_noise_sigma() const { return 1.0; }

    // Ref: <Class>.scale_model_input. The UNet input for `sample` at `timestep` (a value of
    // timestep_values()); identity for PNDM/DDIM/DPM-Solver.
    virtual at::Tensor scale_model_input(const at::Tensor& sample, double timestep) const { return sample; }

    // Ref: <Class>.step. One denoising step: `model_output` is the UNet's prediction for
    // scale_model_input(sample, timestep); returns the sample at the next timestep.
    virtual StepOutput step(const at::Tensor& model_output, double timestep, const at::Tensor& sample,
                            const StepOptions& options = {}) = 0;

    // Ref: <Class>.add_noise. Forward-diffuses `original` to `timesteps` (one per batch entry, or
    // one for all): sqrt(ac)*x + sqrt(1-ac)*noise for PNDM/DDIM/DPM-Solver, x + sigma*noise for
    // Euler/Euler a/LMS (those need set_timesteps and timesteps from the schedule).
    virtual at::Tensor add_noise(const at::Tensor& original, const at::Tensor& noise,
                                 const at::Tensor& timesteps) const;

protected:
    explicit Scheduler(SchedulerConfig config);
    // Fills timesteps_/timestep_values_ from values in dtype `dtype`.
    void set_timestep_table(const std::vector<double>& values, c10::ScalarType dtype);
    // Index of `timestep` in the schedule; throws pictor::Error when absent.
    int64_t index_of(double timestep) const;
    void require_timesteps(const char* what) const;

    SchedulerConfig config_;
    at::Tensor betas_;                   // float32 [T]
    at::Tensor alphas_cumprod_;          // float32 [T]
    std::vector<float> alphas_cumprod_values_;
    at::Tensor timesteps_;
    std::vector<double> timestep_values_;
    at::Tensor sigmas_;
    int64_t num_inference_steps_ = 0;
};

// The scheduler names the CLI and the studio use, in menu order:
// pndm, ddim, euler, euler_a, dpmpp_2m, dpmpp_2m_karras, lms, lcm.
const std::vector<std::string>& scheduler_names();
// A1111-style display names ("PNDM", "DDIM", "Euler", "Euler a", "DPM++ 2M", "DPM++ 2M Karras",
// "LMS", "LCM") for a name above; throws pictor::Error for an unknown name.
std::string scheduler_display_name(const std::string& name);

// Like diffusers' `<Class>.from_config(model_scheduler_config)`: the class chosen by `name` (a
// name of scheduler_names() or its display name), the noise schedule (betas, steps_offset, ...)
// from `config` (usually the model's scheduler_config.json, whatever class saved it), the class's
// own defaults for missing keys. The name picks the sampler, so what it implies wins over the
// config: dpmpp_2m / dpmpp_2m_karras force algorithm_type "dpmsolver++", solver_order 2,
// solver_type "midpoint" and use_karras_sigmas false / true; euler and lms force
// use_karras_sigmas false (a model config saved by a Karras DPM-Solver still gives plain Euler /
// LMS). Throws pictor::Error (unknown name, bad or unsupported config).
std::unique_ptr<Scheduler> make_scheduler(const std::string& name, const JsonConfig& config);
// The same with diffusers' `from_config(config, timestep_spacing=...)` override (SD-Turbo's
// "trailing"); an empty `name` keeps the config's own class, an empty spacing the config's.
std::unique_ptr<Scheduler> make_scheduler(const std::string& name, const JsonConfig& config,
                                          const std::string& timestep_spacing);
// The class named by the config's "_class_name" (PNDMScheduler, DDIMScheduler,
// EulerDiscreteScheduler, EulerAncestralDiscreteScheduler, DPMSolverMultistepScheduler,
// LMSDiscreteScheduler, LCMScheduler). Throws pictor::Error for a missing or unknown class.
std::unique_ptr<Scheduler> make_scheduler(const JsonConfig& config);
// From a parsed config struct.
std::unique_ptr<Scheduler> make_scheduler(const SchedulerConfig& config);


}  // namespace pictor
