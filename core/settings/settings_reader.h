// settings.yaml's schema: which keys there are and what type each has, read over a base Settings
// value (the defaults, or nothing while the built-in defaults themselves are read).
// Internal to core/settings (parse_settings and load_settings in settings.h are the front doors).
//
// Failure contract: as settings.h — syntax errors, wrong types and invalid values throw
// pictor::Error "<source>:<line>:<column>: <key>: <what was expected>"; unknown keys are warnings.
// Thread-safety: reentrant.
#pragma once

#include <string>
#include <string_view>

#include "core/settings/settings.h"

namespace pictor::settings_detail {

// `yaml` laid over `base` (mappings key by key, lists as a whole), then validated.
SettingsLoadResult parse_over(const Settings& base, std::string_view yaml, const std::string& source);

}  // namespace pictor::settings_detail
