// The settings values themselves: the built-in defaults and what a label preset expands to. The
// other concerns of settings.h live beside this file: settings_reader (the schema, over
// yaml_reader), settings_validation, settings_writer and settings_paths.
#include "core/settings/settings.h"

#include "core/settings/settings_reader.h"
#include "core/util/error.h"
#include "core/util/resources.h"

namespace pictor {

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
        SettingsLoadResult r = settings_detail::parse_over(Settings{}, resources::default_settings_yaml(), "default_settings.yaml");
        if (!r.warnings.empty()) fail("built-in default_settings.yaml: " + r.warnings.front());
        return r.settings;
    }();
    return built_in;
}

}  // namespace pictor
