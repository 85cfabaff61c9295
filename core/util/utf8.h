// UTF-8 decoding, for the engine's text that must be read character by character (PNG text
// chunks, glob patterns).
//
// Failure contract: never throws (beyond std::bad_alloc); invalid input is the `false` result.
// Strict: overlong forms, surrogates, code points above U+10FFFF and cut sequences are invalid.
// Thread-safety: pure function.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace pictor {

// Decodes `s` into `code_points` (cleared first); false when `s` is not valid UTF-8.
bool decode_utf8(std::string_view s, std::vector<uint32_t>& code_points);

}  // namespace pictor
