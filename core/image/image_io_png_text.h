// The text encodings of PNG text chunks: tEXt / zTXt keys and values are Latin-1, iTXt values
// UTF-8; the engine's strings are UTF-8. Internal to core/image.
//
// Failure contract: never throws (beyond std::bad_alloc); invalid input is reported in the result.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace pictor::image_detail {

// Every byte of `s` (n bytes) as the Latin-1 character it is, in UTF-8.
std::string latin1_to_utf8(const char* s, size_t n);

// UTF-8 → Latin-1 if every character is in Latin-1 (what Pillow's PngInfo.add_text checks to pick
// tEXt over iTXt); nullopt otherwise or for invalid UTF-8 (core/util/utf8.h decodes).
std::optional<std::string> utf8_to_latin1(const std::string& s);

}  // namespace pictor::image_detail
