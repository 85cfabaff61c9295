// The user's folders from the environment (core/util/user_dirs.h): HOME, "~" and the XDG homes.
#include "tests/support/catch.h"

#include <cstdlib>
#include <map>
#include <optional>
#include <string>

#include <pwd.h>
#include <unistd.h>

#include "core/util/user_dirs.h"

namespace fs = std::filesystem;

namespace {

// Environment variables changed by a test case (nullopt = unset); all of them are put back as they
// were when the object goes away.
class TestEnvironment {
public:
    void set(const std::string& name, const std::optional<std::string>& value) {
        if (!saved_.count(name)) {
            const char* before = std::getenv(name.c_str());
            saved_[name] = before ? std::optional<std::string>(before) : std::nullopt;
        }
        value ? ::setenv(name.c_str(), value->c_str(), 1) : ::unsetenv(name.c_str());
    }
    ~TestEnvironment() {
        for (const auto& [name, before] : saved_) before ? ::setenv(name.c_str(), before->c_str(), 1) : ::unsetenv(name.c_str());
    }

private:
    std::map<std::string, std::optional<std::string>> saved_;
};

}  // namespace

TEST_CASE("env_value and absolute_env_path skip unset and empty values") {
    TestEnvironment env;
    env.set("PICTOR_TEST_DIR", std::nullopt);
    CHECK_FALSE(pictor::env_value("PICTOR_TEST_DIR"));
    CHECK_FALSE(pictor::absolute_env_path("PICTOR_TEST_DIR"));
    env.set("PICTOR_TEST_DIR", "");
    CHECK_FALSE(pictor::env_value("PICTOR_TEST_DIR"));
    CHECK_FALSE(pictor::absolute_env_path("PICTOR_TEST_DIR"));
    env.set("PICTOR_TEST_DIR", "relative/dir");
    CHECK(pictor::env_value("PICTOR_TEST_DIR") == "relative/dir");
    CHECK_FALSE(pictor::absolute_env_path("PICTOR_TEST_DIR"));
    env.set("PICTOR_TEST_DIR", "~/dir");  // not expanded: the shell does that, and the spec wants absolute
    CHECK_FALSE(pictor::absolute_env_path("PICTOR_TEST_DIR"));
    env.set("PICTOR_TEST_DIR", "/abs/dir");
    CHECK(pictor::absolute_env_path("PICTOR_TEST_DIR") == fs::path("/abs/dir"));
}

TEST_CASE("home_dir is HOME else the passwd entry") {
    TestEnvironment env;
    env.set("HOME", "/home/someone");
    CHECK(pictor::home_dir() == fs::path("/home/someone"));
    const passwd* entry = ::getpwuid(::getuid());
    const bool has_entry = entry && entry->pw_dir && *entry->pw_dir;
    const std::optional<fs::path> from_passwd = has_entry ? std::optional<fs::path>(entry->pw_dir) : std::nullopt;
    env.set("HOME", "");
    CHECK(pictor::home_dir() == from_passwd);
    env.set("HOME", std::nullopt);
    CHECK(pictor::home_dir() == from_passwd);
}

TEST_CASE("expand_user expands a leading tilde only") {
    TestEnvironment env;
    env.set("HOME", "/home/someone");
    CHECK(pictor::expand_user("~") == fs::path("/home/someone"));
    CHECK(pictor::expand_user("~/") == fs::path("/home/someone"));
    CHECK(pictor::expand_user("~/models/x.pth") == fs::path("/home/someone/models/x.pth"));
    CHECK(pictor::expand_user("~//models") == fs::path("/home/someone/models"));
    CHECK(pictor::expand_user("~other/models") == fs::path("~other/models"));
    CHECK(pictor::expand_user("models/~/x") == fs::path("models/~/x"));
    CHECK(pictor::expand_user("/abs/~") == fs::path("/abs/~"));
    CHECK(pictor::expand_user("relative") == fs::path("relative"));
    CHECK(pictor::expand_user("") == fs::path());
}

TEST_CASE("XDG config and cache homes take absolute values only") {
    TestEnvironment env;
    env.set("HOME", "/home/someone");
    env.set("XDG_CONFIG_HOME", std::nullopt);
    env.set("XDG_CACHE_HOME", std::nullopt);
    CHECK(pictor::xdg_config_home() == fs::path("/home/someone/.config"));
    CHECK(pictor::xdg_cache_home() == fs::path("/home/someone/.cache"));
    env.set("XDG_CONFIG_HOME", "/xdg/config");
    env.set("XDG_CACHE_HOME", "/xdg/cache");
    CHECK(pictor::xdg_config_home() == fs::path("/xdg/config"));
    CHECK(pictor::xdg_cache_home() == fs::path("/xdg/cache"));
    // Ref: XDG Base Directory Specification — "If an implementation encounters a relative path in
    // any of these variables it should consider the path invalid and ignore it."
    for (const char* ignored : {"relative/dir", "~/dir", ""}) {
        INFO("XDG_*_HOME='" << ignored << "'");
        env.set("XDG_CONFIG_HOME", ignored);
        env.set("XDG_CACHE_HOME", ignored);
        CHECK(pictor::xdg_config_home() == fs::path("/home/someone/.config"));
        CHECK(pictor::xdg_cache_home() == fs::path("/home/someone/.cache"));
    }
}
