// The user's folders as the environment names them: the home folder, `~` in a path, and the XDG
// Base Directory homes. The engine reads HOME and XDG_* only through here, so that the settings,
// the model resolver (core/io/model_ref.h) and the hub agree on where things are.
//
// Failure contract: never throws (beyond std::bad_alloc). What cannot be found is nullopt and the
// caller words the error, since it knows what the folder was for.
// Thread-safety: reads the environment with std::getenv (not safe against a concurrent setenv, as
// everywhere) and the passwd database with getpwuid_r (reentrant); no state of its own.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace pictor {

// $name when it is set and not empty.
std::optional<std::string> env_value(const char* name);

// $name as a path when it is set to an absolute path; nullopt when unset, empty or relative.
std::optional<std::filesystem::path> absolute_env_path(const char* name);

// $HOME when set and not empty, else the home folder of the user's passwd entry.
std::optional<std::filesystem::path> home_dir();

// "~" → home_dir(), "~/rest" → home_dir() / rest; any other text as it is ("~user" included).
// nullopt only when the path starts with such a "~" and there is no home folder.
std::optional<std::filesystem::path> expand_user(const std::string& path);

// XDG Base Directory homes: $XDG_CONFIG_HOME / $XDG_CACHE_HOME when absolute (a relative value is
// ignored, as the spec says), else ~/.config / ~/.cache; nullopt when that needs the home folder
// and there is none.
std::optional<std::filesystem::path> xdg_config_home();
std::optional<std::filesystem::path> xdg_cache_home();

}  // namespace pictor
