// settings.yaml: yaml-cpp parsing, the typed reader (integers, numbers, lists, presets), the
// validation, and the writer's round trip.
// Contract (core/settings/settings.h): a syntax error, a wrong type or an invalid value throws
// pictor::Error; YAML::Exception must not escape. The harness catches pictor::Error only. Extra
// oracle: settings that parse are valid, and settings_to_yaml of them parses back to the same
// settings (what save + load does in the studio).
#include "core/settings/settings.h"
#include "core/util/error.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    pictor::SettingsLoadResult loaded;
    try {
        loaded = pictor::parse_settings(pictor::fuzz::as_text(data, size), "settings.yaml");
    } catch (const pictor::Error&) {
        return 0;
    }
    try {
        pictor::validate_settings(loaded.settings);
    } catch (const pictor::Error& e) {
        std::fprintf(stderr, "%s\n", e.what());
        pictor::fuzz::finding("parse_settings accepted settings that validate_settings refuses");
    }
    const std::string yaml = pictor::settings_to_yaml(loaded.settings);
    try {
        const pictor::SettingsLoadResult again = pictor::parse_settings(yaml, "settings.yaml (written)");
        if (!(again.settings == loaded.settings)) {
            std::fprintf(stderr, "written:\n%s\n", yaml.c_str());
            pictor::fuzz::finding("settings_to_yaml does not read back to the same settings");
        }
    } catch (const pictor::Error& e) {
        std::fprintf(stderr, "written:\n%s\n%s\n", yaml.c_str(), e.what());
        pictor::fuzz::finding("settings_to_yaml wrote a file parse_settings refuses");
    }
    return 0;
}
