// Writing settings: settings_to_yaml (every key, readable by parse_settings) and save_settings.
#include "core/settings/settings.h"

#include <yaml-cpp/yaml.h>

#include <charconv>

#include "core/util/atomic_file.h"
#include "core/util/error.h"

namespace pictor {

namespace fs = std::filesystem;

namespace {

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

}  // namespace

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
    e << YAML::Key << "lora_folders" << YAML::Value;
    emit_strings(e, s.lora_folders);
    e << YAML::Key << "model_folders" << YAML::Value;
    emit_strings(e, s.model_folders);

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
    e << YAML::Key << "timestep_spacing" << YAML::Value << YAML::DoubleQuoted << g.timestep_spacing;
    e << YAML::Key << "decoder" << YAML::Value << YAML::DoubleQuoted << g.decoder;
    e << YAML::Key << "dtype" << YAML::Value << YAML::DoubleQuoted << g.dtype;
    e << YAML::Key << "prompt_syntax" << YAML::Value << YAML::DoubleQuoted << g.prompt_syntax;
    e << YAML::Key << "clip_skip" << YAML::Value << g.clip_skip;
    e << YAML::Key << "strength" << YAML::Value << number_text(g.strength);
    e << YAML::Key << "loras" << YAML::Value << YAML::BeginSeq;
    for (const LoraSetting& l : g.loras) {
        e << YAML::Flow << YAML::BeginMap;
        e << YAML::Key << "file" << YAML::Value << YAML::DoubleQuoted << l.file;
        e << YAML::Key << "strength" << YAML::Value << number_text(l.strength);
        e << YAML::EndMap;
    }
    e << YAML::EndSeq;
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
    e << YAML::Key << "scoring_labels" << YAML::Value;
    emit_strings(e, s.scoring_labels);

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
    e << YAML::Key << "dataset_folder" << YAML::Value << YAML::DoubleQuoted << t.dataset_folder;
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

}  // namespace pictor
