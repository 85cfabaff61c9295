// Validation of a complete Settings value: the first invalid field as a key path and a message.
// Internal to core/settings (validate_settings in settings.h is the public front door); the reader
// uses it to point at the offending key's line and column.
//
// Failure contract: never throws; the problem is the result.
// Thread-safety: pure function of its argument.
#pragma once

#include <optional>
#include <string>

#include "core/settings/settings.h"

namespace pictor::settings_detail {

struct Problem {
    std::string path;     // "generation.steps", "label_presets[1].name"
    std::string message;  // "must be in 1..1000, got 0"
};

std::optional<Problem> first_problem(const Settings& settings);

}  // namespace pictor::settings_detail
