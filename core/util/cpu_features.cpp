#include "core/util/cpu_features.h"

#include <fstream>
#include <sstream>
#include <string>

namespace pictor {

namespace {

bool has_word(std::string_view text, std::string_view word) {
    for (size_t at = text.find(word); at != std::string_view::npos; at = text.find(word, at + 1)) {
        const bool starts = at == 0 || text[at - 1] == ' ' || text[at - 1] == '\t' || text[at - 1] == ':';
        const size_t end = at + word.size();
        const bool ends = end == text.size() || text[end] == ' ' || text[end] == '\t' || text[end] == '\r';
        if (starts && ends) return true;
    }
    return false;
}

}  // namespace

bool cpuinfo_has_fast_bf16(std::string_view cpuinfo) {
    size_t start = 0;
    while (start < cpuinfo.size()) {
        size_t end = cpuinfo.find('\n', start);
        if (end == std::string_view::npos) end = cpuinfo.size();
        const std::string_view line = cpuinfo.substr(start, end - start);
        start = end + 1;
        // x86 kernels write "flags\t\t: fpu vme ..." (one line per logical CPU).
        if (line.substr(0, 5) != "flags") continue;
        const size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        const std::string_view flags = line.substr(colon + 1);
        if (has_word(flags, "avx512_bf16") || has_word(flags, "amx_bf16")) return true;
    }
    return false;
}

bool cpu_has_fast_bf16() {
    static const bool has = [] {
        std::ifstream in("/proc/cpuinfo");
        if (!in) return false;
        std::ostringstream text;
        text << in.rdbuf();
        return cpuinfo_has_fast_bf16(text.str());
    }();
    return has;
}

}  // namespace pictor
