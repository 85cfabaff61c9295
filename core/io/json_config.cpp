#include "core/io/json_config.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "core/util/error.h"

namespace pictor {

namespace {

const char* kind(const nlohmann::json& j) { return j.type_name(); }

// Python's bare Infinity/-Infinity/NaN are not JSON. Outside string literals they become marker
// strings (starting with U+0001, which no config string holds), and after parsing every marker
// becomes the double it stands for.
constexpr const char* kPythonNumberMarker = "\\u0001py:";  // as written into the JSON text
constexpr const char* kPythonNumberPrefix = "\x01py:";      // as the parsed string holds it

std::string quote_python_numbers(const std::string& text) {
    std::string out;
    out.reserve(text.size() + 16);
    bool in_string = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            out += c;
            if (c == '\\' && i + 1 < text.size()) out += text[++i];
            else if (c == '"') in_string = false;
            continue;
        }
        if (c == '"') {
            in_string = true;
            out += c;
            continue;
        }
        bool replaced = false;
        for (const char* token : {"-Infinity", "Infinity", "NaN"}) {
            const size_t len = std::char_traits<char>::length(token);
            if (text.compare(i, len, token) == 0) {
                out += '"';
                out += kPythonNumberMarker;
                out += token;
                out += '"';
                i += len - 1;
                replaced = true;
                break;
            }
        }
        if (!replaced) out += c;
    }
    return out;
}

void unquote_python_numbers(nlohmann::json& j) {
    if (j.is_structured()) {
        for (auto& item : j) unquote_python_numbers(item);
    } else if (j.is_string()) {
        const std::string& s = j.get_ref<const std::string&>();
        const std::string prefix = kPythonNumberPrefix;
        if (s.rfind(prefix, 0) != 0) return;
        const std::string token = s.substr(prefix.size());
        if (token == "Infinity") j = std::numeric_limits<double>::infinity();
        else if (token == "-Infinity") j = -std::numeric_limits<double>::infinity();
        else if (token == "NaN") j = std::numeric_limits<double>::quiet_NaN();
    }
}

}  // namespace

JsonConfig::JsonConfig() : json_(std::make_shared<const nlohmann::json>(nlohmann::json::object())) {}

JsonConfig JsonConfig::load(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail("cannot open config file '" + path.string() + "'");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) fail("cannot read config file '" + path.string() + "'");
    return parse(text.str(), path.string());
}

JsonConfig JsonConfig::parse(const std::string& text, const std::string& source) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(quote_python_numbers(text));
    } catch (const nlohmann::json::exception& e) {
        // nlohmann's message carries "at line L, column C". Not only parse_error: a number such
        // as 1e400 throws out_of_range (406), which escaped before (found by fuzz/fuzz_model_config).
        fail("'" + source + "' is not valid JSON: " + e.what());
    }
    if (!j.is_object()) fail("'" + source + "' must hold a JSON object, got " + std::string(kind(j)));
    unquote_python_numbers(j);
    JsonConfig c;
    c.json_ = std::make_shared<const nlohmann::json>(std::move(j));
    c.source_ = source;
    return c;
}

bool JsonConfig::has(const std::string& key) const {
    const auto it = json_->find(key);
    return it != json_->end() && !it->is_null();
}

JsonConfig JsonConfig::child(const std::string& key) const {
    JsonConfig c;
    c.source_ = source_.empty() ? key : source_ + ":" + key;
    if (!has(key)) return c;
    const auto& v = json_->at(key);
    if (!v.is_object())
        fail("'" + source_ + "': key \"" + key + "\" must be an object, got " + std::string(kind(v)));
    c.json_ = std::make_shared<const nlohmann::json>(v);
    return c;
}

namespace {

[[noreturn]] void wrong_type(const std::string& source, const std::string& key, const char* expected,
                             const nlohmann::json& v) {
    fail("'" + source + "': key \"" + key + "\" must be " + expected + ", got " + std::string(kind(v)) + " " +
         v.dump());
}

int64_t as_int(const std::string& source, const std::string& key, const nlohmann::json& v) {
    // An unsigned above INT64_MAX (18446744073709551615) would wrap to a negative value.
    if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
        wrong_type(source, key, "an integer in the 64-bit range", v);
    if (v.is_number_integer()) return v.get<int64_t>();
    // 2.0 written by Python for an int field is accepted; 2.5 is not. The range test comes first:
    // casting Infinity, NaN or 1e300 to int64_t is undefined (found by fuzz/fuzz_model_config).
    if (v.is_number_float()) {
        const double d = v.get<double>();
        if (d >= -9223372036854775808.0 && d < 9223372036854775808.0 && d == std::trunc(d))
            return static_cast<int64_t>(d);
    }
    wrong_type(source, key, "an integer", v);
}

double as_double(const std::string& source, const std::string& key, const nlohmann::json& v) {
    if (v.is_number()) return v.get<double>();
    wrong_type(source, key, "a number", v);
}

}  // namespace

int64_t JsonConfig::get_int(const std::string& key, int64_t fallback) const {
    return has(key) ? as_int(source_, key, json_->at(key)) : fallback;
}

double JsonConfig::get_double(const std::string& key, double fallback) const {
    return has(key) ? as_double(source_, key, json_->at(key)) : fallback;
}

bool JsonConfig::get_bool(const std::string& key, bool fallback) const {
    if (!has(key)) return fallback;
    const auto& v = json_->at(key);
    if (!v.is_boolean()) wrong_type(source_, key, "true or false", v);
    return v.get<bool>();
}

std::string JsonConfig::get_string(const std::string& key, const std::string& fallback) const {
    if (!has(key)) return fallback;
    const auto& v = json_->at(key);
    if (!v.is_string()) wrong_type(source_, key, "a string", v);
    return v.get<std::string>();
}

std::vector<int64_t> JsonConfig::get_int_list(const std::string& key, const std::vector<int64_t>& fallback) const {
    if (!has(key)) return fallback;
    const auto& v = json_->at(key);
    if (!v.is_array()) wrong_type(source_, key, "a list of integers", v);
    std::vector<int64_t> out;
    for (size_t i = 0; i < v.size(); ++i) out.push_back(as_int(source_, key + "[" + std::to_string(i) + "]", v[i]));
    return out;
}

std::vector<double> JsonConfig::get_double_list(const std::string& key, const std::vector<double>& fallback) const {
    if (!has(key)) return fallback;
    const auto& v = json_->at(key);
    if (!v.is_array()) wrong_type(source_, key, "a list of numbers", v);
    std::vector<double> out;
    for (size_t i = 0; i < v.size(); ++i)
        out.push_back(as_double(source_, key + "[" + std::to_string(i) + "]", v[i]));
    return out;
}

std::vector<std::string> JsonConfig::get_string_list(const std::string& key,
                                                     const std::vector<std::string>& fallback) const {
    if (!has(key)) return fallback;
    const auto& v = json_->at(key);
    if (!v.is_array()) wrong_type(source_, key, "a list of strings", v);
    std::vector<std::string> out;
    for (size_t i = 0; i < v.size(); ++i) {
        if (!v[i].is_string()) wrong_type(source_, key + "[" + std::to_string(i) + "]", "a string", v[i]);
        out.push_back(v[i].get<std::string>());
    }
    return out;
}

int64_t JsonConfig::require_int(const std::string& key) const {
    if (!has(key)) fail("'" + source_ + "': required key \"" + key + "\" is missing");
    return get_int(key, 0);
}

std::string JsonConfig::require_string(const std::string& key) const {
    if (!has(key)) fail("'" + source_ + "': required key \"" + key + "\" is missing");
    return get_string(key, {});
}

}  // namespace pictor
