// The axes of a parameter grid (A1111's X/Y/Z plot): what each axis varies, its values as the
// user writes them, and how one value changes a generate request.
//
//     GridAxis steps = parse_axis("steps=10,20,30");       // or "steps=10-30 (+10)", "steps=10-30 [3]"
//     GridAxis cfg = parse_axis("guidance=3,7.5,12");
//     apply_axis(request, steps, 1);                       // request.steps = 20
//
// Axis names (case-insensitive; A1111's names in brackets): seed, steps, guidance|cfg [CFG Scale],
// sampler|scheduler, size (WxH or one number for both), width, height, prompt_sr [Prompt S/R: the
// first value is searched for in the prompts and replaced by each value in turn], lora [the
// strength of every --lora LoRA], checkpoint|model, strength|denoising [img2img], clip_skip,
// spacing [timestep spacing]. Values are comma-separated; a value with a comma is written in
// double quotes (A1111's CSV rule). Integer and number axes take A1111's ranges: "1-5", "1-9 (+2)"
// (step), "1-10 [4]" (count, evenly spaced).
//
// Failure contract: parse_axis and apply_axis throw InvalidRequest naming the axis and the value.
#pragma once

#include <string>
#include <vector>

#include "core/jobs/generate_job.h"

namespace pictor::jobs {

enum class AxisKind { seed, steps, guidance, sampler, size, width, height, prompt_sr, lora, checkpoint, strength, clip_skip, spacing };

struct GridAxis {
    AxisKind kind = AxisKind::steps;
    std::string name;                 // canonical name ("steps", "guidance", ...)
    std::vector<std::string> values;  // expanded (ranges resolved), at least one
    std::string source;               // the text as given ("steps=10-30 (+10)"), for the grid's metadata
};

GridAxis parse_axis(const std::string& text);
// Sets `request`'s field of `axis` to its value number `index`.
void apply_axis(GenerateRequest& request, const GridAxis& axis, size_t index);
// The title of one value in the grid ("Steps: 20", "CFG Scale: 7.5"; Prompt S/R shows the value alone).
std::string axis_value_label(const GridAxis& axis, size_t index);
// A1111's name of the axis type ("Steps", "CFG Scale", "Prompt S/R", ...).
std::string axis_title(const GridAxis& axis);
// Every axis name parse_axis knows, for messages and --help.
std::string known_axis_names();

// A stable key of everything that decides a generation's pixels (model, prompts, sampler, steps,
// guidance, size, seed, LoRAs, decoder, precision, init image, ...): equal keys, equal images.
// Hex, 16 characters of a SHA-256. The grid names its cell files by it, so a rerun finds them.
std::string generation_key(const GenerateRequest& request);

}  // namespace pictor::jobs
