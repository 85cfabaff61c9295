// Wording shared by the settings' reader and validation messages. Internal to core/settings.
// Failure contract: never throws (beyond std::bad_alloc). Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

namespace pictor::settings_detail {

inline std::string quoted(const std::string& s) { return "'" + s + "'"; }

inline std::string join(const std::vector<std::string>& items, const std::string& sep) {
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
    return out;
}

}  // namespace pictor::settings_detail
