#include "core/util/user_dirs.h"

#include <cerrno>
#include <cstdlib>
#include <vector>

#include <pwd.h>
#include <unistd.h>

namespace pictor {

namespace fs = std::filesystem;

namespace {

// getpwuid_r rather than getpwuid: the latter's static result would make home_dir() unsafe to
// call from two threads.
std::optional<fs::path> passwd_home() {
    const long hint = ::sysconf(_SC_GETPW_R_SIZE_MAX);
    std::vector<char> buffer(hint > 0 ? static_cast<std::size_t>(hint) : 16384);
    passwd entry{};
    passwd* found = nullptr;
    int err = 0;
    while ((err = ::getpwuid_r(::getuid(), &entry, buffer.data(), buffer.size(), &found)) == ERANGE &&
           buffer.size() < (1u << 20)) {
        buffer.resize(buffer.size() * 2);
    }
    if (err != 0 || !found || !found->pw_dir || !*found->pw_dir) return std::nullopt;
    return fs::path(found->pw_dir);
}

std::optional<fs::path> xdg_home(const char* variable, const char* fallback_below_home) {
    if (auto dir = absolute_env_path(variable)) return dir;
    if (auto home = home_dir()) return *home / fallback_below_home;
    return std::nullopt;
}

}  // namespace

std::optional<std::string> env_value(const char* name) {
    const char* value = std::getenv(name);
    if (!value || !*value) return std::nullopt;
    return std::string(value);
}

std::optional<fs::path> absolute_env_path(const char* name) {
    auto value = env_value(name);
    if (!value || !fs::path(*value).is_absolute()) return std::nullopt;
    return fs::path(*value);
}

std::optional<fs::path> home_dir() {
    if (auto home = env_value("HOME")) return fs::path(*home);
    return passwd_home();
}

std::optional<fs::path> expand_user(const std::string& path) {
    if (path != "~" && path.rfind("~/", 0) != 0) return fs::path(path);
    auto home = home_dir();
    if (!home) return std::nullopt;
    // "~/" is the home folder itself and "~//x" is below it (joining "/x" would replace it).
    const auto rest = path.find_first_not_of('/', 1);
    return rest == std::string::npos ? *home : *home / path.substr(rest);
}

std::optional<fs::path> xdg_config_home() { return xdg_home("XDG_CONFIG_HOME", ".config"); }

std::optional<fs::path> xdg_cache_home() { return xdg_home("XDG_CACHE_HOME", ".cache"); }

}  // namespace pictor
