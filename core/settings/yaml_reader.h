// Reading YAML into typed values with positions: every error and warning names
// "<source>:<line>:<column>" (1-based) and the key path ("generation.steps"), and the position of
// each key read is remembered so that a later check (validation) can point at it too.
// Internal to core/settings.
//
// Failure contract: load_yaml and the Reader's value functions throw pictor::Error
// "<source>:<line>:<column>: <key path>: <what was expected>"; an unknown key is not an error but a
// warning in the same format, appended to the caller's list.
// Thread-safety: a Reader is used by one thread; independent Readers share nothing.
#pragma once

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/settings/settings_messages.h"
#include "core/util/error.h"

namespace pictor::settings_detail {

// "<source>:<line>:<column>" (1-based), or `source` alone when the mark is null.
std::string position(const std::string& source, const YAML::Mark& mark);

// Parses `yaml`; a syntax error throws "<source>:<line>:<column>: invalid YAML: <reason>".
YAML::Node load_yaml(std::string_view yaml, const std::string& source);

class Reader {
public:
    Reader(std::string source, std::vector<std::string>& warnings) : source_(std::move(source)), warnings_(warnings) {}

    std::string where(const YAML::Mark& mark) const { return position(source_, mark); }

    [[noreturn]] void error(const YAML::Node& node, const std::string& path, const std::string& what) const;

    // Calls the handler of each key of the mapping `node`; unknown keys become warnings.
    using Handler = std::function<void(const YAML::Node& value, const std::string& path)>;
    void mapping(const YAML::Node& node, const std::string& path, const std::vector<std::pair<std::string, Handler>>& fields);

    std::string string(const YAML::Node& node, const std::string& path) const;

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

    double number(const YAML::Node& node, const std::string& path) const;

    std::vector<std::string> strings(const YAML::Node& node, const std::string& path) const;

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
    YAML::Mark mark_of(std::string path) const;

private:
    static std::string describe(const YAML::Node& node);
    std::string scalar(const YAML::Node& node, const std::string& path, const std::string& expected) const;

    std::string source_;
    std::vector<std::string>& warnings_;
    std::map<std::string, YAML::Mark> marks_;
};

}  // namespace pictor::settings_detail
