#include "core/settings/settings.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include <pwd.h>
#include <unistd.h>

#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/resources.h"

namespace pictor {

namespace fs = std::filesystem;

namespace {

// The scheduler names accepted in generation.scheduler: the names and display names of
// core/schedulers (scheduler_names(), scheduler_display_name()); kept here so that settings do not
// depend on the scheduler library.
const std::vector<std::string>& known_schedulers() {
    static const std::vector<std::string> names{
        "pndm", "ddim", "euler", "euler_a", "dpmpp_2m", "dpmpp_2m_karras", "lms",
        "PNDM", "DDIM", "Euler", "Euler a", "DPM++ 2M", "DPM++ 2M Karras", "LMS"};
    return names;
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

std::string join(const std::vector<std::string>& items, const std::string& sep) {
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
    return out;
}

// ---------------------------------------------------------------------------------------------
// Validation: the first problem as (key path, message).

struct Problem {
    std::string path;
    std::string message;
};

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
                           join(std::vector<std::string>(schedulers.begin(), schedulers.begin() + 7), ", ") + ")"};
    }
    if (g.seed < -1) return Problem{"generation.seed", "must be -1 (random) or >= 0, got " + std::to_string(g.seed)};

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

// ---------------------------------------------------------------------------------------------
// Reading: typed values with positions, unknown keys as warnings.

class Reader {
public:
    Reader(std::string source, std::vector<std::string>& warnings) : source_(std::move(source)), warnings_(warnings) {}

    std::string where(const YAML::Mark& mark) const {
        if (mark.is_null()) return source_;
        return source_ + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
    }

    [[noreturn]] void error(const YAML::Node& node, const std::string& path, const std::string& what) const {
        fail(where(node.Mark()) + ": " + path + ": " + what);
    }

    // Calls the handler of each key of the mapping `node`; unknown keys become warnings.
    using Handler = std::function<void(const YAML::Node& value, const std::string& path)>;
    void mapping(const YAML::Node& node, const std::string& path, const std::vector<std::pair<std::string, Handler>>& fields) {
        if (!node.IsMap()) error(node, path.empty() ? "settings" : path, "expected a mapping of keys, got " + describe(node));
        for (auto it = node.begin(); it != node.end(); ++it) {
            const YAML::Node key = it->first;
            const std::string name = key.IsScalar() ? key.Scalar() : std::string("?");
            const std::string sub = path.empty() ? name : path + "." + name;
            const auto field = std::find_if(fields.begin(), fields.end(), [&](const auto& f) { return f.first == name; });
            if (field == fields.end()) {
                std::vector<std::string> known;
                for (const auto& f : fields) known.push_back(f.first);
                warnings_.push_back(where(key.Mark()) + ": unknown key " + quoted(sub) + " (ignored; known keys here: " +
                                    join(known, ", ") + ")");
                continue;
            }
            marks_[sub] = it->second.Mark().is_null() ? key.Mark() : it->second.Mark();
            field->second(it->second, sub);
        }
    }

    std::string string(const YAML::Node& node, const std::string& path) const {
        if (node.IsNull()) return "";
        if (!node.IsScalar()) error(node, path, "expected a string, got " + describe(node));
        return node.Scalar();
    }

    template <typename Int>
    Int integer(const YAML::Node& node, const std::string& path) const {
        const std::string text = scalar(node, path, "an integer");
        Int value{};
        const char* end = text.data() + text.size();
        const auto [ptr, ec] = std::from_chars(text.data(), end, value);
        if (ec == std::errc::result_out_of_range) error(node, path, "integer " + text + " is out of range");
        if (ec != std::errc() || ptr != end) error(node, path, "expected an integer, got " + quoted(text));
        return value;
    }

    double number(const YAML::Node& node, const std::string& path) const {
        const std::string text = scalar(node, path, "a number");
        double value = 0;
        const char* end = text.data() + text.size();
        const char* begin = text.data() + (text.size() > 1 && text[0] == '+' ? 1 : 0);
        const auto [ptr, ec] = std::from_chars(begin, end, value);
        if (ec != std::errc() || ptr != end || !std::isfinite(value)) {
            error(node, path, "expected a number, got " + quoted(text));
        }
        return value;
    }

    std::vector<std::string> strings(const YAML::Node& node, const std::string& path) const {
        if (node.IsNull()) return {};
        if (!node.IsSequence()) error(node, path, "expected a list of strings, got " + describe(node));
        std::vector<std::string> out;
        for (size_t i = 0; i < node.size(); ++i) out.push_back(string(node[i], path + "[" + std::to_string(i) + "]"));
        return out;
    }

    template <typename T>
    std::vector<T> objects(const YAML::Node& node, const std::string& path,
                           const std::function<T(const YAML::Node&, const std::string&)>& read) {
        if (node.IsNull()) return {};
        if (!node.IsSequence()) error(node, path, "expected a list, got " + describe(node));
        std::vector<T> out;
        for (size_t i = 0; i < node.size(); ++i) {
            const std::string sub = path + "[" + std::to_string(i) + "]";
            marks_[sub] = node[i].Mark();
            out.push_back(read(node[i], sub));
        }
        return out;
    }

    // The position of `path`, or of its closest recorded parent.
    YAML::Mark mark_of(std::string path) const {
        while (!path.empty()) {
            if (const auto it = marks_.find(path); it != marks_.end()) return it->second;
            const size_t cut = path.find_last_of(".[");
            path = cut == std::string::npos ? "" : path.substr(0, cut);
        }
        return YAML::Mark::null_mark();
    }

private:
    static std::string describe(const YAML::Node& node) {
        if (node.IsMap()) return "a mapping";
        if (node.IsSequence()) return "a list";
        if (node.IsNull()) return "nothing";
        return quoted(node.Scalar());
    }

    std::string scalar(const YAML::Node& node, const std::string& path, const std::string& expected) const {
        if (!node.IsScalar()) error(node, path, "expected " + expected + ", got " + describe(node));
        return node.Scalar();
    }

    std::string source_;
    std::vector<std::string>& warnings_;
    std::map<std::string, YAML::Mark> marks_;
};

void read_settings(Reader& r, const YAML::Node& root, Settings& s) {
    using Fields = std::vector<std::pair<std::string, Reader::Handler>>;
    const auto str = [&r](std::string& out) { return [&r, &out](const YAML::Node& n, const std::string& p) { out = r.string(n, p); }; };
    const auto i32 = [&r](int& out) { return [&r, &out](const YAML::Node& n, const std::string& p) { out = r.integer<int>(n, p); }; };
    const auto i64 = [&r](int64_t& out) { return [&r, &out](const YAML::Node& n, const std::string& p) { out = r.integer<int64_t>(n, p); }; };
    const auto num = [&r](double& out) { return [&r, &out](const YAML::Node& n, const std::string& p) { out = r.number(n, p); }; };
    const auto list = [&r](std::vector<std::string>& out) {
        return [&r, &out](const YAML::Node& n, const std::string& p) { out = r.strings(n, p); };
    };

    r.mapping(root, "", Fields{
        {"models", [&](const YAML::Node& n, const std::string& p) {
             r.mapping(n, p, Fields{{"stable_diffusion", str(s.models.stable_diffusion)},
                                    {"clip", str(s.models.clip)},
                                    {"resnet50", str(s.models.resnet50)},
                                    {"resnet18", str(s.models.resnet18)}});
         }},
        {"device", str(s.device)},
        {"threads", i32(s.threads)},
        {"output_folder", str(s.output_folder)},
        {"generation", [&](const YAML::Node& n, const std::string& p) {
             GenerationSettings& g = s.generation;
             r.mapping(n, p, Fields{{"prompt", str(g.prompt)},
                                    {"negative_prompt", str(g.negative_prompt)},
                                    {"guidance_scale", num(g.guidance_scale)},
                                    {"steps", i32(g.steps)},
                                    {"images_per_prompt", i32(g.images_per_prompt)},
                                    {"width", i32(g.width)},
                                    {"height", i32(g.height)},
                                    {"scheduler", str(g.scheduler)},
                                    {"seed", i64(g.seed)}});
         }},
        {"label_presets", [&](const YAML::Node& n, const std::string& p) {
             s.label_presets = r.objects<LabelPreset>(n, p, [&](const YAML::Node& item, const std::string& ip) {
                 LabelPreset preset;
                 r.mapping(item, ip, Fields{{"name", str(preset.name)},
                                            {"template", str(preset.label_template)},
                                            {"styles", list(preset.styles)},
                                            {"objects", list(preset.objects)},
                                            {"labels", list(preset.labels)}});
                 return preset;
             });
         }},
        {"training", [&](const YAML::Node& n, const std::string& p) {
             TrainingPreset& t = s.training;
             r.mapping(n, p, Fields{
                 {"name", str(t.name)},
                 {"classes", [&](const YAML::Node& cn, const std::string& cp) {
                      t.classes = r.objects<TrainingClass>(cn, cp, [&](const YAML::Node& item, const std::string& ip) {
                          TrainingClass c;
                          r.mapping(item, ip, Fields{{"name", str(c.name)}, {"prompt", str(c.prompt)}});
                          return c;
                      });
                  }},
                 {"images_per_class", i32(t.images_per_class)},
                 {"epochs", i32(t.epochs)},
                 {"learning_rate", num(t.learning_rate)},
                 {"batch_size", i32(t.batch_size)},
                 {"split", num(t.split)},
                 {"optimizer", str(t.optimizer)},
                 {"seed", i64(t.seed)}});
         }},
    });
}

// Parses `yaml` over `base`; throws for syntax errors, wrong types and invalid values.
SettingsLoadResult parse_over(const Settings& base, std::string_view yaml, const std::string& source) {
    SettingsLoadResult result;
    result.settings = base;
    result.file_found = true;
    YAML::Node root;
    try {
        root = YAML::Load(std::string(yaml));
    } catch (const YAML::ParserException& e) {
        const std::string where = e.mark.is_null() ? source
                                                   : source + ":" + std::to_string(e.mark.line + 1) + ":" +
                                                         std::to_string(e.mark.column + 1);
        fail(where + ": invalid YAML: " + e.msg);
    }
    Reader reader(source, result.warnings);
    if (!root.IsNull()) {
        try {
            read_settings(reader, root, result.settings);
        } catch (const YAML::Exception& e) {  // e.g. an alias or tag yaml-cpp cannot represent
            fail(source + ": invalid settings: " + e.what());
        }
    }
    if (const auto problem = first_problem(result.settings)) {
        fail(reader.where(reader.mark_of(problem->path)) + ": " + problem->path + ": " + problem->message);
    }
    return result;
}

// ---------------------------------------------------------------------------------------------
// Writing

std::string number_text(double v) {
    char buf[64];
    const auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip form
    std::string s(buf, ec == std::errc() ? ptr : buf);
    if (s.find_first_of(".eE") == std::string::npos) s += ".0";
    return s;
}

void emit_strings(YAML::Emitter& e, const std::vector<std::string>& items) {
    e << YAML::Flow << YAML::BeginSeq;
    for (const auto& item : items) e << YAML::DoubleQuoted << item;
    e << YAML::EndSeq;
}

std::optional<fs::path> home_dir() {
    if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home);
    if (const passwd* pw = ::getpwuid(::getuid()); pw && pw->pw_dir && *pw->pw_dir) return fs::path(pw->pw_dir);
    return std::nullopt;
}

fs::path config_home() {
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg && fs::path(xdg).is_absolute()) return xdg;
    const auto home = home_dir();
    if (!home) fail("cannot find the settings folder: neither XDG_CONFIG_HOME nor HOME is set");
    return *home / ".config";
}

// "$HOME/Pictures" → /home/me/Pictures (the form xdg-user-dirs writes).
std::optional<fs::path> expand_user_dir(std::string value) {
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    const auto home = home_dir();
    if (value.rfind("$HOME", 0) == 0) {
        if (!home) return std::nullopt;
        value = home->string() + value.substr(5);
    }
    if (value.empty() || value[0] != '/') return std::nullopt;
    return fs::path(value);
}

}  // namespace

std::vector<std::string> LabelPreset::expanded_labels() const {
    std::vector<std::string> out;
    for (const auto& style : styles) {
        for (const auto& object : objects) {
            std::string label = label_template;
            for (const auto& [key, value] : {std::pair<std::string, const std::string&>{"{style}", style}, {"{object}", object}}) {
                for (size_t pos = label.find(key); pos != std::string::npos; pos = label.find(key, pos + value.size())) {
                    label.replace(pos, key.size(), value);
                }
            }
            out.push_back(label);
        }
    }
    out.insert(out.end(), labels.begin(), labels.end());
    return out;
}

Settings defaults() {
    static const Settings built_in = [] {
        SettingsLoadResult r = parse_over(Settings{}, resources::default_settings_yaml(), "default_settings.yaml");
        if (!r.warnings.empty()) fail("built-in default_settings.yaml: " + r.warnings.front());
        return r.settings;
    }();
    return built_in;
}

SettingsLoadResult parse_settings(std::string_view yaml, const std::string& source) {
    return parse_over(defaults(), yaml, source);
}

SettingsLoadResult load_settings(const fs::path& path) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
        SettingsLoadResult result;
        result.settings = defaults();
        result.file_found = false;
        return result;
    }
    if (fs::is_directory(path, ec)) fail("cannot read settings '" + path.string() + "': it is a folder");
    std::ifstream in(path, std::ios::binary);
    if (!in) fail("cannot open settings '" + path.string() + "'");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) fail("cannot read settings '" + path.string() + "'");
    return parse_settings(text.str(), path.string());
}

void validate_settings(const Settings& settings) {
    if (const auto problem = first_problem(settings)) fail(problem->path + ": " + problem->message);
}

std::string settings_to_yaml(const Settings& s) {
    YAML::Emitter e;
    e.SetIndent(2);
    e << YAML::Comment("Pictor settings (every key; see resources/default_settings.yaml for what each means)");
    e << YAML::BeginMap;
    e << YAML::Key << "models" << YAML::Value << YAML::BeginMap;
    e << YAML::Key << "stable_diffusion" << YAML::Value << YAML::DoubleQuoted << s.models.stable_diffusion;
    e << YAML::Key << "clip" << YAML::Value << YAML::DoubleQuoted << s.models.clip;
    e << YAML::Key << "resnet50" << YAML::Value << YAML::DoubleQuoted << s.models.resnet50;
    e << YAML::Key << "resnet18" << YAML::Value << YAML::DoubleQuoted << s.models.resnet18;
    e << YAML::EndMap;
    e << YAML::Key << "device" << YAML::Value << YAML::DoubleQuoted << s.device;
    e << YAML::Key << "threads" << YAML::Value << s.threads;
    e << YAML::Key << "output_folder" << YAML::Value << YAML::DoubleQuoted << s.output_folder;

    const GenerationSettings& g = s.generation;
    e << YAML::Key << "generation" << YAML::Value << YAML::BeginMap;
    e << YAML::Key << "prompt" << YAML::Value << YAML::DoubleQuoted << g.prompt;
    e << YAML::Key << "negative_prompt" << YAML::Value << YAML::DoubleQuoted << g.negative_prompt;
    e << YAML::Key << "guidance_scale" << YAML::Value << number_text(g.guidance_scale);
    e << YAML::Key << "steps" << YAML::Value << g.steps;
    e << YAML::Key << "images_per_prompt" << YAML::Value << g.images_per_prompt;
    e << YAML::Key << "width" << YAML::Value << g.width;
    e << YAML::Key << "height" << YAML::Value << g.height;
    e << YAML::Key << "scheduler" << YAML::Value << YAML::DoubleQuoted << g.scheduler;
    e << YAML::Key << "seed" << YAML::Value << g.seed;
    e << YAML::EndMap;

    e << YAML::Key << "label_presets" << YAML::Value << YAML::BeginSeq;
    for (const LabelPreset& p : s.label_presets) {
        e << YAML::BeginMap;
        e << YAML::Key << "name" << YAML::Value << YAML::DoubleQuoted << p.name;
        e << YAML::Key << "template" << YAML::Value << YAML::DoubleQuoted << p.label_template;
        e << YAML::Key << "styles" << YAML::Value;
        emit_strings(e, p.styles);
        e << YAML::Key << "objects" << YAML::Value;
        emit_strings(e, p.objects);
        e << YAML::Key << "labels" << YAML::Value;
        emit_strings(e, p.labels);
        e << YAML::EndMap;
    }
    e << YAML::EndSeq;

    const TrainingPreset& t = s.training;
    e << YAML::Key << "training" << YAML::Value << YAML::BeginMap;
    e << YAML::Key << "name" << YAML::Value << YAML::DoubleQuoted << t.name;
    e << YAML::Key << "classes" << YAML::Value << YAML::BeginSeq;
    for (const TrainingClass& c : t.classes) {
        e << YAML::BeginMap;
        e << YAML::Key << "name" << YAML::Value << YAML::DoubleQuoted << c.name;
        e << YAML::Key << "prompt" << YAML::Value << YAML::DoubleQuoted << c.prompt;
        e << YAML::EndMap;
    }
    e << YAML::EndSeq;
    e << YAML::Key << "images_per_class" << YAML::Value << t.images_per_class;
    e << YAML::Key << "epochs" << YAML::Value << t.epochs;
    e << YAML::Key << "learning_rate" << YAML::Value << number_text(t.learning_rate);
    e << YAML::Key << "batch_size" << YAML::Value << t.batch_size;
    e << YAML::Key << "split" << YAML::Value << number_text(t.split);
    e << YAML::Key << "optimizer" << YAML::Value << YAML::DoubleQuoted << t.optimizer;
    e << YAML::Key << "seed" << YAML::Value << t.seed;
    e << YAML::EndMap;
    e << YAML::EndMap;
    if (!e.good()) fail("cannot write settings as YAML: " + e.GetLastError());
    return std::string(e.c_str()) + "\n";
}

void save_settings(const fs::path& path, const Settings& settings) {
    try {
        validate_settings(settings);
    } catch (const Error& e) {
        throw e.with_context("not saving invalid settings to '" + path.string() + "'");
    }
    write_bytes_atomically(path, settings_to_yaml(settings));
}

fs::path settings_path() { return config_home() / "pictor" / "settings.yaml"; }

fs::path default_output_folder() {
    if (const char* env = std::getenv("XDG_PICTURES_DIR"); env && *env) {
        if (const auto dir = expand_user_dir(env)) return *dir / "Pictor";
    }
    // xdg-user-dirs: lines like XDG_PICTURES_DIR="$HOME/Pictures".
    std::error_code ec;
    const char* xdg = std::getenv("XDG_CONFIG_HOME");
    const auto home = home_dir();
    const fs::path config = (xdg && *xdg && fs::path(xdg).is_absolute()) ? fs::path(xdg)
                            : home                                       ? *home / ".config"
                                                                         : fs::path();
    if (!config.empty()) {
        std::ifstream in(config / "user-dirs.dirs");
        std::string line;
        while (in && std::getline(in, line)) {
            const std::string key = "XDG_PICTURES_DIR=";
            if (line.rfind(key, 0) != 0) continue;
            if (const auto dir = expand_user_dir(line.substr(key.size()))) return *dir / "Pictor";
        }
    }
    if (!home) fail("cannot find an output folder: HOME is not set (set output_folder in the settings)");
    return *home / "Pictures" / "Pictor";
}

fs::path output_folder(const Settings& settings) {
    const std::string& f = settings.output_folder;
    if (f.empty()) return default_output_folder();
    if (f == "~" || f.rfind("~/", 0) == 0) {
        const auto home = home_dir();
        if (!home) fail("output_folder '" + f + "': HOME is not set");
        return f.size() <= 2 ? *home : *home / f.substr(2);
    }
    return fs::path(f);
}

}  // namespace pictor
