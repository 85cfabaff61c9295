// pictor-cli bench unet | vae | text | txt2img: Stable Diffusion component timings at SD 1.5 size
// with random weights (same kernels and shapes as the real checkpoints).
#include <filesystem>
#include <fstream>

#include <time.h>
#include <unistd.h>
#include <iostream>

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include "app/cli/bench.h"
#include "app/cli/command.h"
#include "core/io/json_config.h"
#include "core/models/clip/clip.h"
#include "core/models/sd/sd_layers.h"
#include "core/models/sd/taesd.h"
#include "core/models/sd/unet_2d_condition.h"
#include "core/models/sd/vae.h"
#include "core/pipelines/txt2img.h"
#include "core/schedulers/scheduler.h"
#include "core/util/error.h"

namespace pictor::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kOptions =
    "  --config PRESET|FILE  sd15 (default) or sd21, or a config.json (or the folder holding it)\n"
    "  --size PX             image side in pixels, a multiple of 8 (default 512; 256 and 512 are the reference\n"
    "                        sizes); latents are PX/8\n"
    "  --repeats N           timed runs after one warm-up (default 3); the median is reported\n"
    "  --json                JSON output\n";

// A preset name, or a config.json / a folder with one.
JsonConfig config_file(const std::string& ref) {
    const fs::path p = fs::is_directory(ref) ? fs::path(ref) / "config.json" : fs::path(ref);
    return JsonConfig::load(p);
}
bool is_preset(const std::string& ref) { return ref == "sd15" || ref == "sd21"; }

struct Common {
    std::string config;
    int size;
    int repeats;
};

Common read_common(Args& args) {
    Common c{args.value_or("config", "sd15"), args.int_or("size", 512), args.int_or("repeats", 3)};
    if (c.size < 8 || c.size % 8 != 0) throw UsageError("--size must be a positive multiple of 8");
    if (c.repeats < 1) throw UsageError("--repeats must be at least 1");
    return c;
}

nlohmann::json timings(const std::vector<double>& s) {
    return {{"median_s", median(s)}, {"min_s", s.front()}, {"max_s", s.back()}, {"runs", s.size()}};
}

double process_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// time_runs plus the CPU seconds of each timed run (all threads): on a shared, loaded machine the
// wall time says little, the CPU time of the work says more. The warm-up run is dropped.
std::vector<double> time_runs_cpu(const std::function<void()>& fn, int repeats, std::vector<double>& cpu) {
    std::vector<double> all_cpu;
    auto s = time_runs(
        [&] {
            const double c0 = process_cpu_seconds();
            fn();
            all_cpu.push_back(process_cpu_seconds() - c0);
        },
        repeats, 1);
    cpu.assign(all_cpu.begin() + 1, all_cpu.end());
    return s;
}

// --dtype f32|bf16 (CPU benches): the precision the networks run in.
c10::ScalarType read_dtype(Args& args) {
    const std::string d = args.value_or("dtype", "f32");
    if (d == "f32") return at::kFloat;
    if (d == "bf16") return at::kBFloat16;
    throw UsageError("--dtype must be f32 or bf16 (f16 runs on CUDA only), got '" + d + "'");
}
const char* dtype_name(c10::ScalarType t) { return t == at::kBFloat16 ? "bf16" : "f32"; }
constexpr const char* kDtypeOption = "  --dtype f32|bf16      precision of the weights and activations (default f32)\n";

// A random TAESD with madebyollin/taesd's architecture (AutoencoderTiny's defaults).
AutoencoderTiny random_taesd(c10::ScalarType dtype) {
    AutoencoderTiny taesd(AutoencoderTinyConfig{}, at::TensorOptions().dtype(dtype));
    sd::randomize_parameters(*taesd, 2);
    taesd->eval();
    return taesd;
}

// The 1-minute load average (the machine is shared: numbers are noisy when it is high).
double load_average() {
    double l = 0;
    std::ifstream("/proc/loadavg") >> l;
    return l;
}

nlohmann::json bench_unet(Args& args) {
    if (args.wants_help()) {
        std::cout << "usage: pictor-cli bench unet [options]\n\nSeconds per denoising step: one UNet call at batch "
                     "2 (classifier-free guidance).\n\n"
                  << kOptions << "  --batch N             UNet batch (default 2)\n" << kDtypeOption
                  << "  --baseline            with --dtype bf16: also time float32 in the same run (ratio)\n";
        return nullptr;
    }
    const Common c = read_common(args);
    const int batch = args.int_or("batch", 2);
    const c10::ScalarType dtype = read_dtype(args);
    const bool baseline = args.flag("baseline");
    args.finish();
    const auto config =
        is_preset(c.config) ? UNet2DConditionConfig::preset(c.config) : UNet2DConditionConfig::from_json(config_file(c.config));
    UNet2DConditionModel unet(config);
    sd::randomize_parameters(*unet, 0);
    unet->eval();
    c10::InferenceMode inference;
    const int64_t h = c.size / 8;
    const at::Tensor x = at::randn({batch, config.in_channels, h, h});
    const at::Tensor ctx = at::randn({batch, 77, config.cross_attention_dim[0]});
    const at::Tensor t = at::scalar_tensor(500, at::kLong);
    const auto measure = [&](c10::ScalarType type, std::vector<double>& cpu) {
        unet->to(type);
        const at::Tensor xt = x.to(type), ct = ctx.to(type);
        return time_runs_cpu([&] { unet->forward(xt, t, ct); }, c.repeats, cpu);
    };
    nlohmann::json out{{"component", "unet"}, {"config", c.config}, {"size", c.size}, {"batch", batch},
                       {"dtype", dtype_name(dtype)}};
    if (baseline && dtype != at::kFloat) {
        std::vector<double> cpu32;
        const auto s32 = measure(at::kFloat, cpu32);
        out["f32_seconds_per_step"] = median(s32);
        out["f32_timings"] = timings(s32);
    }
    std::vector<double> cpu;
    const auto s = measure(dtype, cpu);
    out["seconds_per_step"] = median(s);
    out["cpu_seconds_per_step"] = median(cpu);
    out["timings"] = timings(s);
    if (out.contains("f32_seconds_per_step")) out["ratio_to_f32"] = median(s) / out["f32_seconds_per_step"].get<double>();
    out["peak_rss_mib"] = peak_rss_mib();
    out["load_average"] = load_average();
    return out;
}

nlohmann::json bench_vae(Args& args) {
    if (args.wants_help()) {
        std::cout << "usage: pictor-cli bench vae [options]\n\nVAE decode (and encode) of one image.\n\n"
                  << kOptions << "  --encode              also time encode\n" << kDtypeOption
                  << "  --decoder taesd       the tiny autoencoder (madebyollin/taesd's architecture) instead\n";
        return nullptr;
    }
    const Common c = read_common(args);
    const bool encode = args.flag("encode");
    const c10::ScalarType dtype = read_dtype(args);
    const std::string decoder = args.value_or("decoder", "vae");
    args.finish();
    if (decoder != "vae" && decoder != "taesd") throw UsageError("--decoder must be vae or taesd, got '" + decoder + "'");
    c10::InferenceMode inference;
    if (decoder == "taesd") {
        AutoencoderTiny taesd = random_taesd(dtype);
        const int64_t f = taesd->config().downsampling_factor();
        const at::Tensor z = at::randn({1, 4, c.size / f, c.size / f}).to(dtype);
        std::vector<double> cpu;
        const auto s = time_runs_cpu([&] { taesd->decode(z); }, c.repeats, cpu);
        nlohmann::json out{{"component", "taesd"}, {"size", c.size}, {"dtype", dtype_name(dtype)}, {"decode_s", median(s)},
                           {"decode_cpu_s", median(cpu)}, {"decode", timings(s)}};
        if (encode) {
            const at::Tensor img = (at::rand({1, 3, c.size, c.size}) * 2 - 1).to(dtype);
            const auto e = time_runs([&] { taesd->encode(img); }, c.repeats, 1);
            out["encode_s"] = median(e);
            out["encode"] = timings(e);
        }
        out["peak_rss_mib"] = peak_rss_mib();
        out["load_average"] = load_average();
        return out;
    }
    const auto config =
        is_preset(c.config) ? AutoencoderKLConfig::preset(c.config) : AutoencoderKLConfig::from_json(config_file(c.config));
    AutoencoderKL vae(config);
    sd::randomize_parameters(*vae, 0);
    vae->to(dtype);
    vae->eval();
    const int64_t f = vae->downsampling_factor();
    const at::Tensor z = at::randn({1, config.latent_channels, c.size / f, c.size / f}).to(dtype);
    std::vector<double> cpu;
    const auto s = time_runs_cpu([&] { vae->decode(z); }, c.repeats, cpu);
    nlohmann::json out{{"component", "vae"}, {"config", c.config}, {"size", c.size}, {"dtype", dtype_name(dtype)},
                       {"decode_s", median(s)}, {"decode_cpu_s", median(cpu)}, {"decode", timings(s)},
                       {"load_average", load_average()}};
    if (encode) {
        const at::Tensor img = (at::rand({1, config.in_channels, c.size, c.size}) * 2 - 1).to(dtype);
        const auto e = time_runs([&] { vae->encode(img); }, c.repeats, 1);
        out["encode_s"] = median(e);
        out["encode"] = timings(e);
    }
    return out;
}

CLIPTextConfig text_config(const std::string& ref) {
    return is_preset(ref) ? CLIPTextConfig::sd15() : CLIPTextConfig::from_json(config_file(ref));
}

nlohmann::json bench_text(Args& args) {
    if (args.wants_help()) {
        std::cout << "usage: pictor-cli bench text [--config sd15|FILE] [--batch 2] [--repeats N] [--json]\n\n"
                     "CLIP text encoder: one batch of 77-token prompts (prompt + negative), float32.\n";
        return nullptr;
    }
    const std::string config = args.value_or("config", "sd15");
    const int batch = args.int_or("batch", 2);
    const int repeats = args.int_or("repeats", 5);
    args.finish();
    if (config == "sd21") throw UsageError("the sd21 text encoder (OpenCLIP ViT-H) has no preset; pass its config.json");
    CLIPTextModel text(text_config(config));
    text->eval();
    const at::Tensor ids = at::randint(0, 49406, {batch, 77}, at::kLong);
    std::vector<double> cpu;
    const auto s = time_runs_cpu([&] { text->forward(ids); }, repeats, cpu);
    return {{"component", "text"}, {"config", config}, {"batch", batch}, {"encode_s", median(s)},
            {"encode_cpu_s", median(cpu)}, {"timings", timings(s)}, {"load_average", load_average()}};
}

// A byte-level CLIP vocabulary with a single merge: real tokenizer code, SD-shaped [N, 77] ids.
fs::path write_byte_tokenizer(const fs::path& dir) {
    fs::create_directories(dir);
    std::vector<std::string> alphabet;
    auto utf8 = [](int cp) {
        std::string s;
        if (cp < 0x80) s += static_cast<char>(cp);
        else {
            s += static_cast<char>(0xC0 | (cp >> 6));
            s += static_cast<char>(0x80 | (cp & 0x3F));
        }
        return s;
    };
    // GPT-2 byte → unicode table: printable bytes map to themselves, the rest to 256 + n.
    int extra = 0;
    for (int b = 0; b < 256; ++b) {
        const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
        alphabet.push_back(utf8(printable ? b : 256 + extra++));
    }
    nlohmann::json vocab = nlohmann::json::object();
    int64_t id = 0;
    for (const auto& a : alphabet) vocab[a] = id++;
    for (const auto& a : alphabet) vocab[a + "</w>"] = id++;
    vocab["th"] = id++;  // the one merge below (the tokenizer wants at least one)
    vocab["<|startoftext|>"] = id++;
    vocab["<|endoftext|>"] = id++;
    std::ofstream(dir / "vocab.json") << vocab.dump();
    std::ofstream(dir / "merges.txt") << "#version: 0.2\nt h\n";
    return dir;
}

constexpr const char* kSd15Scheduler = R"({"_class_name": "PNDMScheduler", "beta_end": 0.012,
    "beta_schedule": "scaled_linear", "beta_start": 0.00085, "num_train_timesteps": 1000, "set_alpha_to_one": false,
    "skip_prk_steps": true, "steps_offset": 1, "trained_betas": null, "clip_sample": false})";

nlohmann::json bench_txt2img(Args& args) {
    if (args.wants_help()) {
        std::cout << "usage: pictor-cli bench txt2img [--size 512] [--steps 10] [--scheduler pndm] [--guidance 7.5]\n"
                     "                             [--decoder vae|taesd] [--dtype f32|bf16] [--timestep-spacing S] [--json]\n\n"
                     "The whole pipeline (prompt encoding, denoising — batch 2 with CFG, batch 1 at guidance <= 1 —\n"
                     "and decoding) for one image with random SD 1.5 weights (and a random TAESD with\n"
                     "--decoder taesd) and a byte-level tokenizer. Reports total, text, per-UNet-call and decode\n"
                     "seconds and the peak RSS. Few-step CPU generation: --steps 4 --scheduler lcm --guidance 1\n"
                     "--decoder taesd; SD-Turbo style: --steps 1 --scheduler euler_a --timestep-spacing trailing --guidance 0.\n"
                     "--baseline (with --dtype bf16): the same weights, seed and settings in float32 first; reports\n"
                     "the image difference in 8-bit levels (mean, max) instead of the timings.\n";
        return nullptr;
    }
    const int size = args.int_or("size", 512);
    const int steps = args.int_or("steps", 10);
    const std::string scheduler = args.value_or("scheduler", "pndm");
    const double guidance = args.double_or("guidance", 7.5);
    const std::string decoder = args.value_or("decoder", "vae");
    const std::string spacing = args.value_or("timestep-spacing", "");
    const c10::ScalarType dtype = read_dtype(args);
    const bool baseline = args.flag("baseline");
    args.finish();
    if (baseline && dtype == at::kFloat) throw UsageError("--baseline compares a --dtype bf16 run with float32");
    if (decoder != "vae" && decoder != "taesd") throw UsageError("--decoder must be vae or taesd, got '" + decoder + "'");
    if (size < 8 || size % 8 != 0) throw UsageError("--size must be a positive multiple of 8");
    if (steps < 1) throw UsageError("--steps must be at least 1");
    const fs::path tok_dir = fs::temp_directory_path() / ("pictor-bench-tokenizer-" + std::to_string(::getpid()));
    StableDiffusion sd;
    sd.tokenizer = ClipTokenizer::load(write_byte_tokenizer(tok_dir));
    fs::remove_all(tok_dir);
    sd.text_encoder = CLIPTextModel(CLIPTextConfig::sd15());
    sd.text_encoder->to(baseline ? at::kFloat : dtype);
    sd.text_encoder->eval();
    // Allocated in the run's dtype, as loading a checkpoint does (the peak RSS is the dtype's);
    // with --baseline in float32 first, run, then converted: the same weights in both runs.
    const auto options = at::TensorOptions().dtype(baseline ? at::kFloat : dtype);
    sd.unet = UNet2DConditionModel(UNet2DConditionConfig::sd15(), options);
    sd::randomize_parameters(*sd.unet, 0);
    sd.vae = AutoencoderKL(AutoencoderKLConfig::sd15(), options);
    sd::randomize_parameters(*sd.vae, 1);
    sd.placement.dtype = baseline ? at::kFloat : dtype;
    sd.scheduler_config = JsonConfig::parse(kSd15Scheduler, "sd15 scheduler_config.json");
    sd.name = "random-sd15";
    Txt2ImgParams p;
    p.prompts = {"a watercolor painting of a fox in the snow"};
    p.negative_prompts = {"blurry"};
    p.width = p.height = size;
    p.num_inference_steps = steps;
    p.scheduler = scheduler;
    p.guidance_scale = guidance;
    p.timestep_spacing = spacing;
    if (decoder == "taesd") p.decoder = random_taesd(baseline ? at::kFloat : dtype);
    p.seed = 0;
    p.preview_every = 0;
    struct Timing : Txt2ImgSink {
        std::vector<double> step_times;
        double last = 0;
        void on_timing(const Txt2ImgTiming& t) override {
            step_times.push_back(t.elapsed_s - last);
            last = t.elapsed_s;
        }
    } sink;
    if (baseline) {
        Timing f32_sink;
        const Txt2ImgResult f32 = txt2img(sd, p, f32_sink);
        for (torch::nn::Module* m : std::initializer_list<torch::nn::Module*>{sd.text_encoder.get(), sd.unet.get(), sd.vae.get()})
            m->to(dtype);
        if (p.decoder) p.decoder->to(dtype);
        sd.placement.dtype = dtype;
        const Txt2ImgResult low = txt2img(sd, p, sink);
        const at::Tensor d = ((low.images * 255).round() - (f32.images * 255).round()).abs();
        return {{"component", "txt2img"}, {"size", size}, {"steps", steps}, {"scheduler", scheduler},
                {"guidance", guidance}, {"decoder", decoder}, {"dtype", dtype_name(dtype)},
                {"f32_total_s", f32.seconds}, {"total_s", low.seconds},
                {"image_difference_levels", {{"mean", d.mean().item<double>()}, {"max", d.max().item<double>()}}},
                {"load_average", load_average()}};
    }
    const Txt2ImgResult r = txt2img(sd, p, sink);
    return {{"component", "txt2img"},
            {"size", size},
            {"steps", steps},
            {"unet_calls", sink.step_times.size()},
            {"unet_batch", r.used_cfg ? 2 : 1},
            {"scheduler", scheduler},
            {"guidance", guidance},
            {"decoder", decoder},
            {"dtype", dtype_name(dtype)},
            {"total_s", r.seconds},
            {"text_s", r.text_seconds},
            {"seconds_per_step", median(sink.step_times)},
            {"denoise_s", r.denoise_seconds},
            {"decode_s", r.decode_seconds},
            {"peak_rss_mib", peak_rss_mib()},
            {"load_average", load_average()}};
}

const BenchRegistration unet_reg{"unet", "SD UNet: seconds per step (batch 2 = CFG), random SD 1.5 weights",
                                 bench_unet};
const BenchRegistration vae_reg{"vae", "SD VAE decode (and encode) of one image, random SD 1.5 weights", bench_vae};
const BenchRegistration text_reg{"text", "SD text encoder (CLIP ViT-L/14 text), random weights", bench_text};
const BenchRegistration txt2img_reg{"txt2img", "whole txt2img run with random SD 1.5 weights", bench_txt2img};

}  // namespace
}  // namespace pictor::cli
