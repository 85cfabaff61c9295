#include "core/settings/yaml_reader.h"

#include <algorithm>
#include <cmath>

#include "core/util/utf8.h"

namespace pictor::settings_detail {

std::string position(const std::string& source, const YAML::Mark& mark) {
    if (mark.is_null()) return source;
    return source + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

YAML::Node load_yaml(std::string_view yaml, const std::string& source) {
    // YAML text is Unicode. yaml-cpp's reader passes invalid UTF-8 bytes through, its emitter
    // writes U+FFFD for them, so such a value would change on save + load (found by
    // fuzz/fuzz_settings): refused here, naming the line ('\n' never occurs inside a sequence).
    std::vector<uint32_t> code_points;
    size_t line_start = 0;
    for (size_t i = 0, line = 1; i <= yaml.size(); ++i) {
        if (i < yaml.size() && yaml[i] != '\n') continue;
        if (!decode_utf8(yaml.substr(line_start, i - line_start), code_points))
            fail(source + ":" + std::to_string(line) + ": the line is not valid UTF-8 text");
        line_start = i + 1;
        ++line;
    }
    try {
        return YAML::Load(std::string(yaml));
    } catch (const YAML::ParserException& e) {
        fail(position(source, e.mark) + ": invalid YAML: " + e.msg);
    }
}

void Reader::error(const YAML::Node& node, const std::string& path, const std::string& what) const {
    fail(where(node.Mark()) + ": " + path + ": " + what);
}

void Reader::mapping(const YAML::Node& node, const std::string& path,
                     const std::vector<std::pair<std::string, Handler>>& fields) {
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

std::string Reader::string(const YAML::Node& node, const std::string& path) const {
    if (node.IsNull()) return "";
    if (!node.IsScalar()) error(node, path, "expected a string, got " + describe(node));
    return node.Scalar();
}

double Reader::number(const YAML::Node& node, const std::string& path) const {
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

std::vector<std::string> Reader::strings(const YAML::Node& node, const std::string& path) const {
    if (node.IsNull()) return {};
    if (!node.IsSequence()) error(node, path, "expected a list of strings, got " + describe(node));
    std::vector<std::string> out;
    for (size_t i = 0; i < node.size(); ++i) out.push_back(string(node[i], path + "[" + std::to_string(i) + "]"));
    return out;
}

YAML::Mark Reader::mark_of(std::string path) const {
    while (!path.empty()) {
        if (const auto it = marks_.find(path); it != marks_.end()) return it->second;
        const size_t cut = path.find_last_of(".[");
        path = cut == std::string::npos ? "" : path.substr(0, cut);
    }
    return YAML::Mark::null_mark();
}

std::string Reader::describe(const YAML::Node& node) {
    if (node.IsMap()) return "a mapping";
    if (node.IsSequence()) return "a list";
    if (node.IsNull()) return "nothing";
    return quoted(node.Scalar());
}

std::string Reader::scalar(const YAML::Node& node, const std::string& path, const std::string& expected) const {
    if (!node.IsScalar()) error(node, path, "expected " + expected + ", got " + describe(node));
    return node.Scalar();
}

}  // namespace pictor::settings_detail
