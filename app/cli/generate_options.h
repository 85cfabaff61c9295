// The options of a Stable Diffusion request, shared by `generate`, `img2img` and `grid`.
#pragma once

#include <string>

#include "app/cli/args.h"
#include "core/jobs/generate_job.h"

namespace pictor::cli {

// Reads every generate option given (--model, --prompt, --steps, ..., --lora, --out) into `r`,
// leaving the others as they are (a --from-png request keeps its values). With `img2img`, also
// --init and --strength.
void read_generate_options(Args& args, jobs::GenerateRequest& r, bool img2img);

// FILE or FILE:SCALE (the scale after the last ':', when it reads as a number).
jobs::LoraRequest parse_lora_option(const std::string& value);

}  // namespace pictor::cli
