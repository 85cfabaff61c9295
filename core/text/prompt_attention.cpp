#include "core/text/prompt_attention.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <charconv>
#include <cstdint>

#include "core/util/error.h"
#include "core/util/utf8.h"

namespace pictor {

namespace {

constexpr double kRoundMultiplier = 1.1;
constexpr double kSquareMultiplier = 1.0 / 1.1;

// Python's str.isspace(), which the `re` module's \s uses for str patterns.
bool is_python_space(UChar32 c) {
    const UCharDirection d = u_charDirection(c);
    return d == U_WHITE_SPACE_NEUTRAL || d == U_BLOCK_SEPARATOR || d == U_SEGMENT_SEPARATOR ||
           u_charType(c) == U_SPACE_SEPARATOR;
}

// Python's \w for str patterns: str.isalnum() or '_'.
bool is_python_word(UChar32 c) {
    if (c == '_') return true;
    if ((U_GET_GC_MASK(c) & (U_GC_L_MASK | U_GC_N_MASK)) != 0) return true;
    return u_getNumericValue(c) != U_NO_NUMERIC_VALUE;
}

// The code point starting at byte i (the text is valid UTF-8) and its length in bytes.
UChar32 code_point_at(std::string_view s, size_t i, size_t& length) {
    int32_t at = static_cast<int32_t>(i);
    UChar32 c = 0;
    U8_NEXT(reinterpret_cast<const uint8_t*>(s.data()), at, static_cast<int32_t>(s.size()), c);
    length = static_cast<size_t>(at) - i;
    return c;
}

// The code point ending at byte i (exclusive) and its length in bytes.
UChar32 code_point_before(std::string_view s, size_t i, size_t& length) {
    int32_t at = static_cast<int32_t>(i);
    UChar32 c = 0;
    U8_PREV(reinterpret_cast<const uint8_t*>(s.data()), 0, at, c);
    length = i - static_cast<size_t>(at);
    return c;
}

size_t skip_space(std::string_view s, size_t i) {
    while (i < s.size()) {
        size_t length = 0;
        if (!is_python_space(code_point_at(s, i, length))) break;
        i += length;
    }
    return i;
}

// Ref: re.split(re_break, text) with re_break = `\s*\bBREAK\b\s*` (upper case, whole word).
// The parts and, between them, where each BREAK word is (offsets into `t`).
struct BreakSplit {
    std::vector<std::pair<size_t, size_t>> parts;    // [begin, end) of each part
    std::vector<size_t> breaks;                      // offset of the word between parts k and k+1
};
BreakSplit split_break(std::string_view t) {
    BreakSplit out;
    size_t pos = 0, search = 0;
    while (true) {
        const size_t i = t.find("BREAK", search);
        if (i == std::string_view::npos) break;
        size_t length = 0;
        // 'B' and 'K' are word characters, so \b needs a non-word character (or the end) outside.
        const bool before = i == 0 || !is_python_word(code_point_before(t, i, length));
        const bool after = i + 5 == t.size() || !is_python_word(code_point_at(t, i + 5, length));
        if (!before || !after) {
            search = i + 1;
            continue;
        }
        // The match starts at the whitespace run before BREAK, never before the previous match.
        size_t start = i;
        while (start > pos) {
            if (!is_python_space(code_point_before(t, start, length))) break;
            start -= length;
        }
        const size_t end = skip_space(t, i + 5);
        out.parts.emplace_back(pos, start);
        out.breaks.push_back(i);
        pos = search = end;
    }
    out.parts.emplace_back(pos, t.size());
    return out;
}

// Python's float() of `[+-]?[.\d]+`: at most one '.', at least one digit.
double python_float_of(std::string_view w) {
    std::string_view digits = w;
    bool negative = false;
    if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
        negative = digits[0] == '-';
        digits.remove_prefix(1);
    }
    size_t dots = 0, numerals = 0;
    for (char c : digits) (c == '.' ? dots : numerals)++;
    double value = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, std::chars_format::fixed);
    if (dots > 1 || numerals == 0 || ec != std::errc() || end != digits.data() + digits.size())
        fail("prompt: the weight '" + std::string(w) + "' is not a number (write it like (text:1.2))");
    return negative ? -value : value;
}

// A piece of the parse before merging: its text, weight and where it came from.
struct Piece {
    std::string text;
    double weight = 1.0;
    size_t begin = 0, end = 0;  // bytes of the prompt
};

// Ref: modules/prompt_parser.py parse_prompt_attention, up to (not including) the merge. The
// scanner tries re_attention's alternatives in their order:
// \( \) \[ \] \\ \ ( [ :\s*([+-]?[.\d]+)\s*\) ) ] [^\\()\[\]:]+ :
std::vector<Piece> scan_prompt(std::string_view s) {
    std::vector<uint32_t> code_points;
    if (!decode_utf8(s, code_points)) fail("prompt: the text is not valid UTF-8");

    std::vector<Piece> res;
    std::vector<size_t> round_brackets, square_brackets;
    const auto multiply_range = [&res](size_t start, double multiplier) {
        for (size_t p = start; p < res.size(); ++p) res[p].weight *= multiplier;
    };
    const auto add_text = [&res, s](size_t begin, size_t end) {
        const std::string_view text = s.substr(begin, end - begin);
        const BreakSplit split = split_break(text);
        for (size_t k = 0; k < split.parts.size(); ++k) {
            if (k > 0) {
                const size_t word = begin + split.breaks[k - 1];
                res.push_back({"BREAK", -1.0, word, word + 5});
            }
            const auto [b, e] = split.parts[k];
            res.push_back({std::string(text.substr(b, e - b)), 1.0, begin + b, begin + e});
        }
    };

    size_t i = 0;
    while (i < s.size()) {
        const char c = s[i];
        if (c == '\\') {
            const bool escape = i + 1 < s.size() && std::string_view("()[]\\").find(s[i + 1]) != std::string_view::npos;
            // a lone '\' adds ""
            res.push_back({escape ? std::string(1, s[i + 1]) : std::string(), 1.0, i, i + (escape ? 2 : 1)});
            i += escape ? 2 : 1;
        } else if (c == '(') {
            round_brackets.push_back(res.size());
            ++i;
        } else if (c == '[') {
            square_brackets.push_back(res.size());
            ++i;
        } else if (c == ':') {
            size_t j = skip_space(s, i + 1);
            const size_t weight_start = j;
            if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
            const size_t digits_start = j;
            while (j < s.size() && (s[j] == '.' || (s[j] >= '0' && s[j] <= '9'))) ++j;
            const size_t weight_end = j;
            j = skip_space(s, j);
            if (weight_end > digits_start && j < s.size() && s[j] == ')') {
                if (!round_brackets.empty()) {
                    const double w = python_float_of(s.substr(weight_start, weight_end - weight_start));
                    multiply_range(round_brackets.back(), w);
                    round_brackets.pop_back();
                } else {
                    add_text(i, j + 1);  // ":1.5)" with no '(' open is text
                }
                i = j + 1;
            } else {
                add_text(i, i + 1);  // ':'
                ++i;
            }
        } else if (c == ')' || c == ']') {
            auto& open = c == ')' ? round_brackets : square_brackets;
            if (!open.empty()) {
                multiply_range(open.back(), c == ')' ? kRoundMultiplier : kSquareMultiplier);
                open.pop_back();
            } else {
                add_text(i, i + 1);  // nothing open: text
            }
            ++i;
        } else {
            size_t j = i;
            while (j < s.size() && std::string_view("\\()[]:").find(s[j]) == std::string_view::npos) ++j;
            add_text(i, j);
            i = j;
        }
    }

    for (size_t pos : round_brackets) multiply_range(pos, kRoundMultiplier);
    for (size_t pos : square_brackets) multiply_range(pos, kSquareMultiplier);
    return res;
}

}  // namespace

bool is_break_marker(const WeightedText& segment) { return segment.weight == -1.0 && segment.text == "BREAK"; }

std::string strip_trailing_space(std::string_view text) {
    size_t end = text.size();
    while (end > 0) {
        size_t length = 0;
        if (!is_python_space(code_point_before(text, end, length))) break;
        end -= length;
    }
    return std::string(text.substr(0, end));
}

std::vector<WeightedText> parse_prompt_attention(std::string_view s) {
    std::vector<WeightedText> res;
    for (Piece& p : scan_prompt(s)) res.push_back({std::move(p.text), p.weight});
    if (res.empty()) res.push_back({"", 1.0});

    // Ref: parse_prompt_attention's last loop — merge runs of identical weights (exact comparison).
    size_t k = 0;
    while (k + 1 < res.size()) {
        if (res[k].weight == res[k + 1].weight) {
            res[k].text += res[k + 1].text;
            res.erase(res.begin() + static_cast<std::ptrdiff_t>(k + 1));
        } else {
            ++k;
        }
    }
    return res;
}

std::vector<WeightedSpan> prompt_attention_spans(std::string_view text) {
    std::vector<WeightedSpan> spans;
    for (const Piece& p : scan_prompt(text)) {
        if (p.begin == p.end) continue;
        spans.push_back({p.begin, p.end, p.weight, p.weight == -1.0 && p.text == "BREAK"});
    }
    return spans;
}

}  // namespace pictor
