// pictor-cli generate: text-to-image with Stable Diffusion (PNG files with A1111 parameters).
#include <filesystem>
#include <iostream>
#include <regex>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include "app/cli/args.h"
#include "app/cli/command.h"
#include "app/cli/terminal_progress.h"
#include "core/io/model_ref.h"
#include "core/io/safetensors.h"
#include "core/pipelines/txt2img.h"
#include "core/schedulers/scheduler.h"
#include "core/util/error.h"

namespace pictor::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kUsage =
    "usage: pictor-cli generate --model REF --prompt TEXT [--prompt TEXT ...] [options]\n\n"
    "Text-to-image with a Stable Diffusion 1.x/2.x model in diffusers format (the same images as\n"
    "diffusers' StableDiffusionPipeline for the same seed). Images are written as PNG with the\n"
    "generation parameters in a `parameters` text chunk (AUTOMATIC1111 format).\n\n"
    "  --model REF             diffusers folder (model_index.json, unet/, vae/, text_encoder/, ...) or\n"
    "                          a Hugging Face repo id in the local cache (stable-diffusion-v1-5/stable-diffusion-v1-5)\n"
    "  --prompt TEXT           a prompt; repeat for several\n"
    "  --negative TEXT         negative prompt: one for all prompts, or one per prompt (repeat)\n"
    "  --steps N               denoising steps (default 50)\n"
    "  --guidance G            classifier-free guidance scale (default 7.5; <= 1 turns it off)\n"
    "  --images N              images per prompt (default 2, as the studio)\n"
    "  --seed N                seed of the torch.Generator(\"cpu\") draw (default: random, printed)\n"
    "  --width W --height H    multiples of 8 (default: the model's size, 512 for SD 1.5)\n"
    "  --scheduler NAME        pndm|ddim|euler|euler_a|dpmpp_2m|dpmpp_2m_karras|lms (default: the model's)\n"
    "  --latents FILE          initial latents: safetensors with tensor `latents`\n"
    "                          [prompts x images, 4, H/8, W/8] (replaces --seed)\n"
    "  --out DIR               output folder (default .); files NNNNN-SEED.png\n"
    "  --save-tensors OUT      also write `images` (NHWC float in [0,1]) and `initial_latents`\n"
    "  --device cpu|cuda       (default cpu)\n"
    "  --dtype f32|f16         (default f32 on cpu, f16 on cuda)\n"
    "  --preview-every N       (ignored on the terminal; for API parity) steps between previews\n"
    "  --json                  print a JSON summary\n\n"
    "Ctrl-C stops after the current step; no partial image is written.\n";

class GenerateProgress : public Txt2ImgSink {
public:
    GenerateProgress() : bar_("loading") {}
    void on_stage(std::string_view stage) override {
        bar_.set_label(std::string(stage));
        unit_ = stage == "decoding" ? " img" : " steps";
    }
    void on_step(int step, int total) override { bar_.update(step, total, unit_); }
    bool cancelled() const override { return interrupt_requested(); }
    void clear() { bar_.clear(); }

private:
    TerminalProgress bar_;
    std::string unit_ = " steps";
};

// The next free 5-digit counter in `dir` (A1111's naming: 00012-1234.png).
int next_counter(const fs::path& dir) {
    int next = 0;
    const std::regex pattern(R"((\d{5})-.*\.png)");
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        std::smatch m;
        const std::string name = entry.path().filename().string();
        if (std::regex_match(name, m, pattern)) next = std::max(next, std::stoi(m[1].str()) + 1);
    }
    return next;
}

std::string counter_name(int counter, const std::string& tag) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%05d", counter);
    return std::string(buf) + "-" + tag + ".png";
}

int run_generate(Args& args) {
    if (args.wants_help()) {
        std::cout << kUsage;
        return 0;
    }
    const std::string model_dir = args.required("model");
    Txt2ImgParams p;
    p.prompts = args.values("prompt");
    p.negative_prompts = args.values("negative");
    p.num_inference_steps = args.int_or("steps", 50);
    p.guidance_scale = args.double_or("guidance", 7.5);
    p.num_images_per_prompt = args.int_or("images", 2);
    const std::optional<int64_t> seed = args.optional_int64("seed");
    p.width = args.int_or("width", 0);
    p.height = args.int_or("height", 0);
    p.scheduler = args.value_or("scheduler", "");
    const std::optional<std::string> latents_file = args.value("latents");
    const fs::path out_dir = args.value_or("out", ".");
    const std::optional<std::string> save_tensors = args.value("save-tensors");
    const std::string device = args.value_or("device", "cpu");
    const std::optional<std::string> dtype = args.value("dtype");
    p.preview_every = 0;  // no previews on a terminal
    const bool json = args.flag("json");
    args.finish();

    if (p.prompts.empty()) throw UsageError("--prompt is required");
    if (!p.negative_prompts.empty() && p.negative_prompts.size() != 1 && p.negative_prompts.size() != p.prompts.size())
        throw UsageError("give one --negative for all prompts or one per --prompt");
    if (p.num_inference_steps < 1 || p.num_images_per_prompt < 1) throw UsageError("--steps and --images must be >= 1");
    if (p.width % 8 != 0 || p.height % 8 != 0 || p.width < 0 || p.height < 0)
        throw UsageError("--width and --height must be multiples of 8");
    if (seed && *seed < 0) throw UsageError("--seed must be >= 0");
    if (seed && latents_file) throw UsageError("--seed and --latents exclude each other");
    if (!p.scheduler.empty()) {
        const auto& names = scheduler_names();
        if (std::find(names.begin(), names.end(), p.scheduler) == names.end())
            throw UsageError("unknown --scheduler '" + p.scheduler + "'");
    }
    SdPlacement placement;
    if (device == "cuda") {
        placement.device = c10::Device(c10::kCUDA);
        placement.dtype = at::kHalf;
    } else if (device != "cpu") {
        throw UsageError("--device must be cpu or cuda");
    }
    if (dtype) {
        if (*dtype == "f32") placement.dtype = at::kFloat;
        else if (*dtype == "f16") placement.dtype = at::kHalf;
        else throw UsageError("--dtype must be f32 or f16");
    }
    if (seed) p.seed = static_cast<uint64_t>(*seed);
    if (latents_file) {
        const SafetensorsFile file(*latents_file);
        if (!file.contains("latents")) fail("'" + *latents_file + "' has no tensor named 'latents'");
        p.latents = file.load("latents", at::kFloat);
    }
    fs::create_directories(out_dir);

    install_interrupt_handler();
    GenerateProgress progress;
    const ResolvedModel model = resolve_model_ref(model_dir);
    if (!model.is_diffusers_pipeline())
        fail("'" + model_dir + "' is not a diffusers Stable Diffusion folder (no model_index.json in '" +
             model.path.string() + "')");
    StableDiffusion sd = load_stable_diffusion(model.path, placement);
    if (p.latents.defined() && (p.width == 0 || p.height == 0) && p.latents.dim() == 4) {
        // The image size follows from explicit latents when not given.
        if (p.width == 0) p.width = static_cast<int>(p.latents.size(3) * sd.vae->downsampling_factor());
        if (p.height == 0) p.height = static_cast<int>(p.latents.size(2) * sd.vae->downsampling_factor());
    }
    const Txt2ImgResult r = txt2img(sd, p, progress);
    progress.clear();
    if (r.cancelled) {
        std::cerr << "cancelled after " << r.steps_done << " steps; no image written\n";
        return 130;
    }

    nlohmann::json files = nlohmann::json::array();
    int counter = next_counter(out_dir);
    const std::string tag = r.seed ? std::to_string(*r.seed) : "latents";
    for (int64_t i = 0; i < r.images.size(0); ++i) {
        if (interrupt_requested()) {
            std::cerr << "cancelled; " << i << " of " << r.images.size(0) << " images written\n";
            return 130;
        }
        const fs::path file = out_dir / counter_name(counter++, tag);
        save_txt2img_png(r, static_cast<size_t>(i), file);
        files.push_back({{"file", file.string()},
                         {"prompt", r.prompt_of_image[static_cast<size_t>(i)]},
                         {"negative", r.negative_of_image[static_cast<size_t>(i)]},
                         {"parameters", r.parameters[static_cast<size_t>(i)]}});
        if (!json) std::cout << file.string() << "\n";
    }
    if (save_tensors) write_safetensors(*save_tensors, {{"images", r.images}, {"initial_latents", r.initial_latents}});
    if (json) {
        nlohmann::json out{{"model", sd.name},
                           {"images", files},
                           {"steps", p.num_inference_steps},
                           {"unet_calls", r.timesteps.size(0)},
                           {"guidance", p.guidance_scale},
                           {"width", r.images.size(2)},
                           {"height", r.images.size(1)},
                           {"seconds", r.seconds}};
        if (r.seed) out["seed"] = *r.seed;
        std::cout << out.dump(2) << "\n";
    } else if (r.seed && !seed) {
        std::cout << "seed " << *r.seed << "\n";
    }
    return 0;
}

const Registration registration{"generate", "text-to-image with Stable Diffusion (PNG + parameters)", run_generate};

}  // namespace
}  // namespace pictor::cli
