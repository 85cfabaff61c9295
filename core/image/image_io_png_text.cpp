#include "core/image/image_io_png_text.h"

#include "core/util/utf8.h"

namespace pictor::image_detail {

std::string latin1_to_utf8(const char* s, size_t n) {
    std::string out;
    out.reserve(n);
    for (size_t i = 0; i < n; ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back(static_cast<char>(0xC0 | (c >> 6)));
            out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
        }
    }
    return out;
}

std::optional<std::string> utf8_to_latin1(const std::string& s) {
    std::vector<uint32_t> cps;
    if (!decode_utf8(s, cps)) return std::nullopt;
    std::string out;
    out.reserve(cps.size());
    for (uint32_t cp : cps) {
        if (cp > 0xFF) return std::nullopt;
        out.push_back(static_cast<char>(cp));
    }
    return out;
}

}  // namespace pictor::image_detail
