// config.json files (models, schedulers, preprocessors) with typed accessors and defaults.
//
// A missing key returns the default the caller passes (the reference class's default); a key
// present with the wrong type throws pictor::Error naming the file and the key.
// Python's json module writes the non-standard bare tokens Infinity, -Infinity and NaN (diffusers'
// DPMSolverMultistepScheduler has lambda_min_clipped: -Infinity); they are read as those numbers.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pictor {

class JsonConfig {
public:
    JsonConfig();  // empty object
    // Parses a file; errors name the file (and line/column for syntax errors).
    static JsonConfig load(const std::filesystem::path& path);
    // Parses text; `source` names it in messages.
    static JsonConfig parse(const std::string& text, const std::string& source);

    const std::string& source() const { return source_; }
    bool has(const std::string& key) const;          // present and not null
    JsonConfig child(const std::string& key) const;  // sub-object, empty when absent
    const nlohmann::json& json() const { return *json_; }

    int64_t get_int(const std::string& key, int64_t fallback) const;
    double get_double(const std::string& key, double fallback) const;  // ints accepted
    bool get_bool(const std::string& key, bool fallback) const;
    std::string get_string(const std::string& key, const std::string& fallback) const;
    std::vector<int64_t> get_int_list(const std::string& key, const std::vector<int64_t>& fallback) const;
    std::vector<double> get_double_list(const std::string& key, const std::vector<double>& fallback) const;
    std::vector<std::string> get_string_list(const std::string& key,
                                             const std::vector<std::string>& fallback) const;
    // Required variants: absent is an error too.
    int64_t require_int(const std::string& key) const;
    std::string require_string(const std::string& key) const;

private:
    std::shared_ptr<const nlohmann::json> json_;
    std::string source_;
};

}  // namespace pictor
