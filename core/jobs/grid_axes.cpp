#include "core/jobs/grid_axes.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <regex>

#include "core/hub/hash.h"
#include "core/image/a1111_parameters.h"
#include "core/jobs/job_error.h"
#include "core/jobs/sd_model.h"

namespace pictor::jobs {

namespace {

struct AxisType {
    AxisKind kind;
    const char* name;
    const char* title;  // A1111's
    std::vector<std::string> aliases;
};

const std::vector<AxisType>& axis_types() {
    static const std::vector<AxisType> types = {
        {AxisKind::seed, "seed", "Seed", {"seed"}},
        {AxisKind::steps, "steps", "Steps", {"steps"}},
        {AxisKind::guidance, "guidance", "CFG Scale", {"guidance", "cfg", "cfg_scale", "cfg scale"}},
        {AxisKind::sampler, "sampler", "Sampler", {"sampler", "scheduler"}},
        {AxisKind::size, "size", "Size", {"size"}},
        {AxisKind::width, "width", "Width", {"width"}},
        {AxisKind::height, "height", "Height", {"height"}},
        {AxisKind::prompt_sr, "prompt_sr", "Prompt S/R", {"prompt_sr", "prompt s/r", "prompt-sr", "sr"}},
        {AxisKind::lora, "lora", "LoRA strength", {"lora", "lora_strength", "lora strength"}},
        {AxisKind::checkpoint, "checkpoint", "Checkpoint name", {"checkpoint", "model", "checkpoint name"}},
        {AxisKind::strength, "strength", "Denoising", {"strength", "denoising", "denoising_strength"}},
        {AxisKind::clip_skip, "clip_skip", "Clip skip", {"clip_skip", "clip skip", "clip-skip"}},
        {AxisKind::spacing, "spacing", "Timestep spacing", {"spacing", "timestep_spacing", "timestep-spacing"}},
    };
    return types;
}

const AxisType& type_of(AxisKind kind) {
    for (const AxisType& t : axis_types())
        if (t.kind == kind) return t;
    throw InvalidRequest("unknown grid axis kind");
}

std::string lower(std::string s) {
    for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return "";
    return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// Ref: modules/scripts/xyz_grid.py (A1111 1.6) csv_string_to_list_strip: comma-separated, a value in
// double quotes may hold commas ("" is a quote), every value stripped.
std::vector<std::string> split_values(const std::string& text, const std::string& axis) {
    std::vector<std::string> values;
    std::string current;
    bool quoted = false, was_quoted = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                current += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                current += c;
            }
        } else if (c == '"' && trim(current).empty()) {
            quoted = was_quoted = true;
            current.clear();
        } else if (c == ',') {
            values.push_back(was_quoted ? current : trim(current));
            current.clear();
            was_quoted = false;
        } else {
            current += c;
        }
    }
    if (quoted) throw InvalidRequest("grid axis " + axis + ": a double quote is not closed in '" + text + "'");
    values.push_back(was_quoted ? current : trim(current));
    if (values.size() == 1 && values[0].empty()) values.clear();
    return values;
}

bool parse_number(const std::string& s, double& out) {
    if (s.empty()) return false;
    char* end = nullptr;
    out = std::strtod(s.c_str(), &end);
    return end && *end == '\0' && std::isfinite(out);
}

std::string number_text(double v, bool integer) {
    if (integer) return std::to_string(int64_t(std::llround(v)));
    return python_float(v);
}

// Ref: xyz_grid.py's re_range / re_range_count (and their float forms): "a-b", "a-b (+s)", "a-b [n]".
std::vector<std::string> expand_ranges(const std::vector<std::string>& values, bool integer, const std::string& axis) {
    static const std::regex step_range(R"(^\s*([+-]?[0-9.]+)\s*-\s*([+-]?[0-9.]+)(?:\s*\(([+-][0-9.]+)\s*\))?\s*$)");
    static const std::regex count_range(R"(^\s*([+-]?[0-9.]+)\s*-\s*([+-]?[0-9.]+)\s*\[\s*([0-9]+)\s*\]\s*$)");
    std::vector<std::string> out;
    for (const std::string& v : values) {
        std::smatch m;
        double a = 0, b = 0, s = 0;
        if (std::regex_match(v, m, count_range) && parse_number(m[1], a) && parse_number(m[2], b)) {
            const int n = std::atoi(m[3].str().c_str());
            if (n < 1 || n > 1000) throw InvalidRequest("grid axis " + axis + ": count " + m[3].str() + " must be 1..1000");
            for (int i = 0; i < n; ++i) {
                const double x = n == 1 ? a : a + (b - a) * i / (n - 1);
                const std::string text = number_text(integer ? std::floor(x) : x, integer);  // A1111 truncates
                if (!integer || out.empty() || out.back() != text) out.push_back(text);
            }
        } else if (std::regex_match(v, m, step_range) && parse_number(m[1], a) && parse_number(m[2], b) &&
                   (integer || m[3].matched)) {
            s = m[3].matched ? 0 : 1;
            if (m[3].matched && !parse_number(m[3], s)) throw InvalidRequest("grid axis " + axis + ": bad step in '" + v + "'");
            if (s == 0 || (b - a) / s < 0) throw InvalidRequest("grid axis " + axis + ": the range '" + v + "' has no values");
            if ((b - a) / s > 1000) throw InvalidRequest("grid axis " + axis + ": the range '" + v + "' has over 1000 values");
            // Inclusive of the end, as A1111's `range(a, b + 1, s)`; a small epsilon for decimal steps.
            for (double x = a; s > 0 ? x <= b + 1e-9 : x >= b - 1e-9; x += s) out.push_back(number_text(x, integer));
        } else {
            out.push_back(v);
        }
    }
    return out;
}

void check_number(const GridAxis& axis, const std::string& value, bool integer) {
    double v = 0;
    if (!parse_number(value, v) || (integer && v != std::floor(v)))
        throw InvalidRequest("grid axis " + axis.name + ": '" + value + "' is not " + (integer ? "an integer" : "a number"));
}

bool contains(const std::vector<std::string>& texts, const std::string& needle) {
    return std::any_of(texts.begin(), texts.end(), [&](const std::string& t) { return t.find(needle) != std::string::npos; });
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
    for (size_t pos = 0; (pos = text.find(from, pos)) != std::string::npos; pos += to.size()) text.replace(pos, from.size(), to);
}

void parse_size(const GridAxis& axis, const std::string& value, int& width, int& height) {
    static const std::regex pattern(R"(^\s*([0-9]+)\s*(?:[xX×]\s*([0-9]+))?\s*$)");
    std::smatch m;
    if (!std::regex_match(value, m, pattern))
        throw InvalidRequest("grid axis " + axis.name + ": '" + value + "' is not a size (WxH or one number)");
    width = std::atoi(m[1].str().c_str());
    height = m[2].matched ? std::atoi(m[2].str().c_str()) : width;
}

}  // namespace

GridAxis parse_axis(const std::string& text) {
    const auto eq = text.find('=');
    if (eq == std::string::npos)
        throw InvalidRequest("grid axis '" + text + "': write NAME=VALUE,VALUE,... (names: " + known_axis_names() + ")");
    const std::string name = lower(trim(text.substr(0, eq)));
    GridAxis axis;
    axis.source = text;
    const AxisType* type = nullptr;
    for (const AxisType& t : axis_types())
        if (std::find(t.aliases.begin(), t.aliases.end(), name) != t.aliases.end()) type = &t;
    if (!type) throw InvalidRequest("grid axis '" + name + "' is unknown; the axes are " + known_axis_names());
    axis.kind = type->kind;
    axis.name = type->name;
    std::vector<std::string> values = split_values(text.substr(eq + 1), axis.name);
    const bool integer = axis.kind == AxisKind::seed || axis.kind == AxisKind::steps || axis.kind == AxisKind::clip_skip ||
                         axis.kind == AxisKind::width || axis.kind == AxisKind::height;
    const bool number = integer || axis.kind == AxisKind::guidance || axis.kind == AxisKind::strength || axis.kind == AxisKind::lora;
    if (number) values = expand_ranges(values, integer, axis.name);
    if (values.empty()) throw InvalidRequest("grid axis " + axis.name + " has no values");
    if (values.size() > 1000) throw InvalidRequest("grid axis " + axis.name + " has over 1000 values");
    for (const std::string& v : values) {
        if (v.empty() && axis.kind != AxisKind::prompt_sr) throw InvalidRequest("grid axis " + axis.name + " has an empty value");
        if (number) check_number(axis, v, integer);
        if (axis.kind == AxisKind::seed && v.front() == '-')
            throw InvalidRequest("grid axis seed: '" + v + "' is negative (seeds are 0 or more)");
        if (axis.kind == AxisKind::sampler && !detail::known_scheduler(v))
            throw InvalidRequest("grid axis sampler: '" + v + "' is unknown; Pictor has " + detail::known_schedulers());
        if (axis.kind == AxisKind::size) {
            int w = 0, h = 0;
            parse_size(axis, v, w, h);
        }
    }
    if (axis.kind == AxisKind::prompt_sr && values[0].empty())
        throw InvalidRequest("grid axis prompt_sr: the first value is the text to search for and cannot be empty");
    axis.values = std::move(values);
    return axis;
}

void apply_axis(GenerateRequest& r, const GridAxis& axis, size_t index) {
    const std::string& v = axis.values.at(index);
    switch (axis.kind) {
    case AxisKind::seed: r.seed = std::strtoull(v.c_str(), nullptr, 10); break;
    case AxisKind::steps: r.steps = std::atoi(v.c_str()); break;
    case AxisKind::guidance: r.guidance = std::strtod(v.c_str(), nullptr); break;
    case AxisKind::sampler: r.scheduler = v; break;
    case AxisKind::size: parse_size(axis, v, r.width, r.height); break;
    case AxisKind::width: r.width = std::atoi(v.c_str()); break;
    case AxisKind::height: r.height = std::atoi(v.c_str()); break;
    case AxisKind::prompt_sr: {
        // Ref: xyz_grid.py apply_prompt: the first value must be in the prompt or the negative prompt.
        const std::string& search = axis.values.front();
        if (!contains(r.prompts, search) && !contains(r.negative_prompts, search))
            throw InvalidRequest("grid axis prompt_sr: '" + search + "' is in neither the prompt nor the negative prompt");
        for (std::string& p : r.prompts) replace_all(p, search, v);
        for (std::string& p : r.negative_prompts) replace_all(p, search, v);
        break;
    }
    case AxisKind::lora: {
        if (r.loras.empty())
            throw InvalidRequest("grid axis lora sets the strength of the --lora LoRAs, and none is given (or use prompt_sr on a <lora:NAME:S> tag)");
        const double s = std::strtod(v.c_str(), nullptr);
        for (LoraRequest& l : r.loras) l.unet_scale = l.text_encoder_scale = s;
        break;
    }
    case AxisKind::checkpoint: r.model = v; break;
    case AxisKind::strength:
        if (r.init_image.empty()) throw InvalidRequest("grid axis strength varies img2img's denoising strength: give an init image");
        r.strength = std::strtod(v.c_str(), nullptr);
        break;
    case AxisKind::clip_skip: r.clip_skip = std::atoi(v.c_str()); break;
    case AxisKind::spacing: r.timestep_spacing = v; break;
    }
}

std::string axis_title(const GridAxis& axis) { return type_of(axis.kind).title; }

std::string axis_value_label(const GridAxis& axis, size_t index) {
    const std::string& v = axis.values.at(index);
    if (axis.kind == AxisKind::prompt_sr) return v;
    if (axis.kind == AxisKind::checkpoint) {
        std::string name = std::filesystem::path(v).filename().string();
        return "Checkpoint: " + (name.empty() ? v : name);
    }
    return axis_title(axis) + ": " + v;
}

std::string known_axis_names() {
    std::string names;
    for (const AxisType& t : axis_types()) names += (names.empty() ? "" : ", ") + std::string(t.name);
    return names;
}

std::string generation_key(const GenerateRequest& r) {
    // One field per line, in a fixed order; the text is hashed, never parsed.
    std::string text = "pictor-generation-key 1\n";
    const auto add = [&text](const char* name, const std::string& value) {
        text += name;
        text += '=';
        text += std::to_string(value.size());  // length-prefixed: no field can fake another
        text += ':';
        text += value;
        text += '\n';
    };
    add("model", r.model);
    add("config", r.config);
    add("ema", r.ema ? "1" : "0");
    for (const std::string& p : r.prompts) add("prompt", p);
    for (const std::string& p : r.negative_prompts) add("negative", p);
    add("steps", std::to_string(r.steps));
    add("guidance", python_float(r.guidance));
    add("images", std::to_string(r.images_per_prompt));
    add("size", std::to_string(r.width) + "x" + std::to_string(r.height));
    add("scheduler", r.scheduler);
    add("spacing", r.timestep_spacing);
    add("seed", r.seed ? std::to_string(*r.seed) : "none");
    add("latents", r.latents_file.string());
    add("decoder", r.decoder);
    add("init", r.init_image.string());
    if (!r.init_image.empty()) add("strength", python_float(r.strength));
    add("device", r.device);
    add("dtype", r.dtype);
    add("syntax", r.prompt_syntax);
    add("clip_skip", std::to_string(r.clip_skip));
    for (const LoraRequest& l : r.loras)
        add("lora", l.file + "@" + python_float(l.unet_scale) + "/" + python_float(l.text_encoder_scale));
    for (const auto& f : r.lora_folders) add("lora_folder", f.string());
    return hub::sha256_hex(text).substr(0, 16);
}

}  // namespace pictor::jobs
