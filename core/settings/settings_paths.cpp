// Where settings and pictures go: settings_path, default_output_folder and output_folder.
#include "core/settings/settings.h"

#include <fstream>
#include <optional>
#include <string>

#include "core/util/error.h"
#include "core/util/user_dirs.h"

namespace pictor {

namespace fs = std::filesystem;

namespace {

fs::path config_home() {
    if (auto config = xdg_config_home()) return *config;
    fail("cannot find the settings folder: neither XDG_CONFIG_HOME nor HOME is set");
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

fs::path settings_path() { return config_home() / "pictor" / "settings.yaml"; }

fs::path default_output_folder() {
    if (const auto env = env_value("XDG_PICTURES_DIR")) {
        if (const auto dir = expand_user_dir(*env)) return *dir / "Pictor";
    }
    // xdg-user-dirs: lines like XDG_PICTURES_DIR="$HOME/Pictures".
    if (const auto config = xdg_config_home()) {
        std::ifstream in(*config / "user-dirs.dirs");
        std::string line;
        while (in && std::getline(in, line)) {
            const std::string key = "XDG_PICTURES_DIR=";
            if (line.rfind(key, 0) != 0) continue;
            if (const auto dir = expand_user_dir(line.substr(key.size()))) return *dir / "Pictor";
        }
    }
    const auto home = home_dir();
    if (!home) fail("cannot find an output folder: HOME is not set (set output_folder in the settings)");
    return *home / "Pictures" / "Pictor";
}

std::vector<fs::path> lora_folders(const Settings& settings) {
    std::vector<fs::path> out;
    for (const std::string& f : settings.lora_folders)
        if (auto expanded = expand_user(f)) out.push_back(*expanded);
    return out;
}

std::vector<fs::path> model_folders(const Settings& settings) {
    std::vector<fs::path> out;
    for (const std::string& f : settings.model_folders)
        if (auto expanded = expand_user(f)) out.push_back(*expanded);
    return out;
}

fs::path output_folder(const Settings& settings) {
    const std::string& f = settings.output_folder;
    if (f.empty()) return default_output_folder();
    if (auto expanded = expand_user(f)) return *expanded;
    fail("output_folder '" + f + "': HOME is not set");
}

}  // namespace pictor
