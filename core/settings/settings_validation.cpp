#include "core/settings/settings_validation.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>
#include <vector>

#include "core/settings/settings_messages.h"
#include "core/util/error.h"

namespace pictor {

namespace settings_detail {

namespace {

// The scheduler names accepted in generation.scheduler: the names and display names of
// core/schedulers (scheduler_names(), scheduler_display_name()); kept here so that settings do not
// depend on the scheduler library.
const std::vector<std::string>& known_schedulers() {
    static const std::vector<std::string> names{
        "pndm", "ddim", "euler", "euler_a", "dpmpp_2m", "dpmpp_2m_karras", "lms", "lcm",
        "PNDM", "DDIM", "Euler", "Euler a", "DPM++ 2M", "DPM++ 2M Karras", "LMS", "LCM"};
    return names;
}

}  // namespace

std::optional<Problem> first_problem(const Settings& s) {
    const auto fmt = [](double v) {
        std::ostringstream os;
        os << v;
        return os.str();
    };
    if (s.models.stable_diffusion.empty()) return Problem{"models.stable_diffusion", "must not be empty"};
    if (s.models.clip.empty()) return Problem{"models.clip", "must not be empty"};
    if (s.models.resnet50.empty()) return Problem{"models.resnet50", "must not be empty"};
    if (s.models.resnet18.empty()) return Problem{"models.resnet18", "must not be empty"};

    const std::string& d = s.device;
    bool device_ok = d == "cpu" || d == "cuda";
    if (!device_ok && d.rfind("cuda:", 0) == 0 && d.size() > 5) {
        device_ok = d.find_first_not_of("0123456789", 5) == std::string::npos && d.size() <= 8;
    }
    if (!device_ok) return Problem{"device", "expected cpu, cuda or cuda:N, got " + quoted(d)};
    if (s.threads < 0 || s.threads > 1024) return Problem{"threads", "must be in 0..1024 (0 = auto), got " + std::to_string(s.threads)};

    const GenerationSettings& g = s.generation;
    if (!std::isfinite(g.guidance_scale) || g.guidance_scale < 0 || g.guidance_scale > 100) {
        return Problem{"generation.guidance_scale", "must be in [0, 100], got " + fmt(g.guidance_scale)};
    }
    if (g.steps < 1 || g.steps > 1000) return Problem{"generation.steps", "must be in 1..1000, got " + std::to_string(g.steps)};
    if (g.images_per_prompt < 1 || g.images_per_prompt > 64) {
        return Problem{"generation.images_per_prompt", "must be in 1..64, got " + std::to_string(g.images_per_prompt)};
    }
    for (const auto& [key, v] : {std::pair<const char*, int>{"generation.width", g.width}, {"generation.height", g.height}}) {
        if (v < 8 || v > 4096 || v % 8 != 0) {
            return Problem{key, "must be a multiple of 8 in 8..4096, got " + std::to_string(v)};
        }
    }
    const auto& schedulers = known_schedulers();
    if (std::find(schedulers.begin(), schedulers.end(), g.scheduler) == schedulers.end()) {
        return Problem{"generation.scheduler",
                       "unknown scheduler " + quoted(g.scheduler) + " (expected one of " +
                           join(std::vector<std::string>(schedulers.begin(), schedulers.begin() + 8), ", ") + ")"};
    }
    if (g.seed < -1) return Problem{"generation.seed", "must be -1 (random) or >= 0, got " + std::to_string(g.seed)};
    const auto one_of = [](const std::string& v, std::initializer_list<const char*> allowed) {
        return std::any_of(allowed.begin(), allowed.end(), [&](const char* a) { return v == a; });
    };
    if (!one_of(g.timestep_spacing, {"", "leading", "linspace", "trailing"}))
        return Problem{"generation.timestep_spacing", "expected \"\", leading, linspace or trailing, got " + quoted(g.timestep_spacing)};
    if (!one_of(g.dtype, {"", "f32", "bf16", "f16"}))
        return Problem{"generation.dtype", "expected \"\", f32, bf16 or f16, got " + quoted(g.dtype)};
    if (!one_of(g.prompt_syntax, {"a1111", "plain"}))
        return Problem{"generation.prompt_syntax", "expected a1111 or plain, got " + quoted(g.prompt_syntax)};
    if (g.clip_skip < 1 || g.clip_skip > 12)
        return Problem{"generation.clip_skip", "must be in 1..12, got " + std::to_string(g.clip_skip)};
    if (!(g.strength > 0 && g.strength <= 1))  // also rejects NaN
        return Problem{"generation.strength", "must be in (0, 1], got " + fmt(g.strength)};
    for (size_t i = 0; i < g.loras.size(); ++i) {
        const std::string at = "generation.loras[" + std::to_string(i) + "]";
        if (g.loras[i].file.empty()) return Problem{at + ".file", "must not be empty"};
        if (!std::isfinite(g.loras[i].strength) || std::fabs(g.loras[i].strength) > 100)
            return Problem{at + ".strength", "must be a finite number in -100..100, got " + fmt(g.loras[i].strength)};
    }

    if (s.label_presets.empty()) return Problem{"label_presets", "needs at least one preset"};
    std::set<std::string> preset_names;
    for (size_t i = 0; i < s.label_presets.size(); ++i) {
        const LabelPreset& p = s.label_presets[i];
        const std::string at = "label_presets[" + std::to_string(i) + "]";
        if (p.name.empty()) return Problem{at + ".name", "must not be empty"};
        if (!preset_names.insert(p.name).second) return Problem{at + ".name", "duplicate preset name " + quoted(p.name)};
        if (p.styles.empty() != p.objects.empty()) {
            return Problem{at + (p.styles.empty() ? ".styles" : ".objects"),
                           "styles and objects must both be given (or both be empty)"};
        }
        if (!p.styles.empty() && (p.label_template.find("{style}") == std::string::npos ||
                                  p.label_template.find("{object}") == std::string::npos)) {
            return Problem{at + ".template", "must contain {style} and {object}, got " + quoted(p.label_template)};
        }
        const auto labels = p.expanded_labels();
        if (labels.empty()) return Problem{at, "gives no labels (add styles and objects, or labels)"};
        for (const auto& label : labels) {
            if (label.empty()) return Problem{at, "contains an empty label"};
        }
    }

    const TrainingPreset& t = s.training;
    if (t.classes.size() < 2) return Problem{"training.classes", "needs at least 2 classes, got " + std::to_string(t.classes.size())};
    std::set<std::string> class_names;
    for (size_t i = 0; i < t.classes.size(); ++i) {
        const std::string at = "training.classes[" + std::to_string(i) + "]";
        const TrainingClass& c = t.classes[i];
        if (c.name.empty()) return Problem{at + ".name", "must not be empty"};
        if (c.name.find_first_of("/\\") != std::string::npos || c.name == "." || c.name == "..") {
            return Problem{at + ".name", "is a folder name and cannot contain '/' or be '.' or '..', got " + quoted(c.name)};
        }
        if (!class_names.insert(c.name).second) return Problem{at + ".name", "duplicate class name " + quoted(c.name)};
        if (c.prompt.empty()) return Problem{at + ".prompt", "must not be empty"};
    }
    if (t.images_per_class < 2) return Problem{"training.images_per_class", "must be >= 2, got " + std::to_string(t.images_per_class)};
    if (t.epochs < 1) return Problem{"training.epochs", "must be >= 1, got " + std::to_string(t.epochs)};
    if (!std::isfinite(t.learning_rate) || t.learning_rate <= 0 || t.learning_rate > 10) {
        return Problem{"training.learning_rate", "must be in (0, 10], got " + fmt(t.learning_rate)};
    }
    if (t.batch_size < 1 || t.batch_size > 4096) return Problem{"training.batch_size", "must be in 1..4096, got " + std::to_string(t.batch_size)};
    if (!(t.split > 0.0 && t.split < 1.0)) return Problem{"training.split", "must be in (0, 1) (the training fraction), got " + fmt(t.split)};
    if (t.optimizer != "sgd" && t.optimizer != "adam") return Problem{"training.optimizer", "expected sgd or adam, got " + quoted(t.optimizer)};
    if (t.seed < 0) return Problem{"training.seed", "must be >= 0, got " + std::to_string(t.seed)};
    return std::nullopt;
}

}  // namespace settings_detail

void validate_settings(const Settings& settings) {
    if (const auto problem = settings_detail::first_problem(settings)) fail(problem->path + ": " + problem->message);
}

}  // namespace pictor
