#include "app/cli/generate_options.h"

#include <cmath>
#include <cstdlib>

#include "app/cli/command.h"

namespace pictor::cli {

// FILE or FILE:SCALE (the scale after the last ':', when it reads as a number).
jobs::LoraRequest parse_lora_option(const std::string& value) {
    jobs::LoraRequest l;
    l.file = value;
    const auto colon = value.rfind(':');
    if (colon != std::string::npos && colon > 0) {
        const std::string scale = value.substr(colon + 1);
        char* end = nullptr;
        const double s = std::strtod(scale.c_str(), &end);
        if (!scale.empty() && end && *end == '\0') {
            if (!std::isfinite(s)) throw UsageError("--lora " + value + ": the scale must be a finite number");
            l.file = value.substr(0, colon);
            l.unet_scale = l.text_encoder_scale = s;
        }
    }
    return l;
}

void read_generate_options(Args& args, jobs::GenerateRequest& r, bool img2img) {
    if (auto v = args.value("model")) r.model = *v;
    if (auto v = args.value("config")) r.config = *v;
    if (args.flag("ema")) r.ema = true;
    if (auto v = args.values("prompt"); !v.empty()) r.prompts = v;
    if (auto v = args.values("negative"); !v.empty()) r.negative_prompts = v;
    r.steps = args.int_or("steps", r.steps);
    r.guidance = args.double_or("guidance", r.guidance);
    r.images_per_prompt = args.int_or("images", r.images_per_prompt);
    if (auto seed = args.optional_int64("seed")) {
        if (*seed < 0) throw UsageError("--seed must be >= 0");
        r.seed = uint64_t(*seed);
    }
    r.width = args.int_or("width", r.width);
    r.height = args.int_or("height", r.height);
    r.scheduler = args.value_or("scheduler", r.scheduler);
    r.timestep_spacing = args.value_or("timestep-spacing", r.timestep_spacing);
    r.decoder = args.value_or("decoder", r.decoder);
    if (auto v = args.value("latents")) {
        r.latents_file = *v;
        if (!args.optional_int64("seed")) r.seed.reset();  // explicit latents replace a --from-png seed
    }
    for (const std::string& v : args.values("lora")) r.loras.push_back(parse_lora_option(v));
    for (const std::string& v : args.values("lora-dir")) r.lora_folders.emplace_back(v);
    r.out_dir = args.value_or("out", r.out_dir.string());
    r.save_tensors = args.value_or("save-tensors", "");
    r.device = args.value_or("device", r.device);
    r.dtype = args.value_or("dtype", r.dtype);
    r.prompt_syntax = args.value_or("prompt-syntax", r.prompt_syntax);
    r.clip_skip = args.int_or("clip-skip", r.clip_skip);
    if (img2img) {
        if (auto v = args.value("init")) r.init_image = *v;
        r.strength = args.double_or("strength", r.strength);
    }
}

}  // namespace pictor::cli
