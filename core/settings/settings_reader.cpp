#include "core/settings/settings_reader.h"

#include <cstdint>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/settings/settings_validation.h"
#include "core/settings/yaml_reader.h"
#include "core/util/error.h"

namespace pictor {

namespace fs = std::filesystem;

namespace settings_detail {

namespace {

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
        {"lora_folders", list(s.lora_folders)},
        {"model_folders", list(s.model_folders)},
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
                                    {"seed", i64(g.seed)},
                                    {"timestep_spacing", str(g.timestep_spacing)},
                                    {"decoder", str(g.decoder)},
                                    {"dtype", str(g.dtype)},
                                    {"prompt_syntax", str(g.prompt_syntax)},
                                    {"clip_skip", i32(g.clip_skip)},
                                    {"strength", num(g.strength)},
                                    {"loras", [&](const YAML::Node& ln, const std::string& lp) {
                                         g.loras = r.objects<LoraSetting>(ln, lp, [&](const YAML::Node& item, const std::string& ip) {
                                             LoraSetting l;
                                             r.mapping(item, ip, Fields{{"file", str(l.file)}, {"strength", num(l.strength)}});
                                             return l;
                                         });
                                     }}});
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
        {"scoring_labels", list(s.scoring_labels)},
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
                 {"seed", i64(t.seed)},
                 {"dataset_folder", str(t.dataset_folder)}});
         }},
    });
}

}  // namespace

SettingsLoadResult parse_over(const Settings& base, std::string_view yaml, const std::string& source) {
    SettingsLoadResult result;
    result.settings = base;
    result.file_found = true;
    const YAML::Node root = load_yaml(yaml, source);
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

}  // namespace settings_detail

SettingsLoadResult parse_settings(std::string_view yaml, const std::string& source) {
    return settings_detail::parse_over(defaults(), yaml, source);
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

}  // namespace pictor
