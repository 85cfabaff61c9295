#include "core/image/a1111_parameters.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <system_error>
#include <tuple>

namespace pictor {

namespace {

constexpr std::string_view negative_prefix = "Negative prompt:";

// Python's \s for the characters that can appear in these texts (ASCII whitespace and the
// \x1c-\x1f separators str.isspace also counts). Non-ASCII whitespace is left to the text.
bool is_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f); }

// Python's \w, with every non-ASCII byte counted as part of a word character: the keys and prompts
// that matter are ASCII, and most non-ASCII text in prompts is letters.
bool is_word(unsigned char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           c >= 0x80;
}

bool is_key_char(unsigned char c) { return is_word(c) || c == ' ' || c == '-' || c == '/'; }

bool is_utf8_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && is_space(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

std::string_view without_cr(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

// ---- writing ----------------------------------------------------------------------------------

// Ref: A1111 modules/infotext_utils.py quote() — quotes when the value holds ',', '\n' or ':'.
// '"', other control characters and surrounding spaces are quoted too, because the reader would
// otherwise unquote, cut or strip them and the value would not read back as written.
bool needs_quoting(std::string_view value) {
    if (!value.empty() && (value.front() == ' ' || value.back() == ' ')) return true;
    for (char ch : value) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == ',' || c == ':' || c == '"' || c < 0x20) return true;
    }
    return false;
}

// Ref: CPython json.dumps(text, ensure_ascii=False) (py_encode_basestring): escapes '"', '\\' and
// control characters; everything else, non-ASCII included, is copied.
void append_json_string(std::string& out, std::string_view value) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (char ch : value) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            default:
                if (c < 0x20) {
                    out += "\\u00";
                    out += hex[c >> 4];
                    out += hex[c & 15];
                } else {
                    out += ch;
                }
        }
    }
    out += '"';
}

// Builds the "Key: value, Key: value" line.
class PairWriter {
public:
    explicit PairWriter(std::string& out) : out_(out) {}

    void add(std::string_view key, std::string_view value) {
        if (!empty_) out_ += ", ";
        empty_ = false;
        out_ += key;
        out_ += ": ";
        if (needs_quoting(value)) {
            append_json_string(out_, value);
        } else {
            out_ += value;
        }
    }

    bool empty() const { return empty_; }

private:
    std::string& out_;
    bool empty_ = true;
};

// ---- reading values ---------------------------------------------------------------------------

std::optional<int> parse_int(std::string_view s) {
    s = trim(s);
    // from_chars takes '-' but not '+'; Python's int() takes both.
    if (!s.empty() && s.front() == '+') {
        s.remove_prefix(1);
        if (s.empty() || s.front() < '0' || s.front() > '9') return std::nullopt;
    }
    int value = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
    return value;
}

std::optional<std::uint64_t> parse_u64(std::string_view s) {
    s = trim(s);
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    if (s.empty() || s.front() < '0' || s.front() > '9') return std::nullopt;
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return value;
}

// Reads what python_float writes (and Python's float() for the usual spellings: "7", "7.5",
// "1e-05", "inf", "nan").
std::optional<double> parse_double(std::string_view s) {
    s = trim(s);
    if (!s.empty() && s.front() == '+') {
        s.remove_prefix(1);
        if (!s.empty() && (s.front() == '+' || s.front() == '-')) return std::nullopt;
    }
    if (s.empty()) return std::nullopt;
    double value = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return value;
}

// "512x768" -> {512, 768}.
std::optional<std::pair<int, int>> parse_size(std::string_view s) {
    s = trim(s);
    const std::size_t x = s.find('x');
    if (x == std::string_view::npos) return std::nullopt;
    const auto w = parse_int(s.substr(0, x));
    const auto h = parse_int(s.substr(x + 1));
    if (!w || !h) return std::nullopt;
    return std::pair{*w, *h};
}

std::optional<unsigned> hex4(std::string_view s, std::size_t at) {
    if (at + 4 > s.size()) return std::nullopt;
    unsigned value = 0;
    for (std::size_t i = at; i < at + 4; ++i) {
        const char c = s[i];
        unsigned digit = 0;
        if (c >= '0' && c <= '9') {
            digit = static_cast<unsigned>(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            digit = static_cast<unsigned>(c - 'a' + 10);
        } else if (c >= 'A' && c <= 'F') {
            digit = static_cast<unsigned>(c - 'A' + 10);
        } else {
            return std::nullopt;
        }
        value = value * 16 + digit;
    }
    return value;
}

void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// Ref: CPython json.loads (py_scanstring, strict) on a whole value that starts and ends with '"'.
// nullopt where json.loads would fail, and for lone surrogates, which have no UTF-8 spelling.
std::optional<std::string> json_unquote(std::string_view quoted) {
    if (quoted.size() < 2 || quoted.front() != '"' || quoted.back() != '"') return std::nullopt;
    const std::string_view body = quoted.substr(1, quoted.size() - 2);
    std::string out;
    out.reserve(body.size());
    std::size_t i = 0;
    while (i < body.size()) {
        const auto c = static_cast<unsigned char>(body[i]);
        // An unescaped quote ends the string early: json.loads reports "Extra data".
        if (c == '"' || c < 0x20) return std::nullopt;
        if (c != '\\') {
            out += body[i++];
            continue;
        }
        // A backslash as the body's last character escapes the closing quote: unterminated.
        if (i + 1 >= body.size()) return std::nullopt;
        const char escape = body[i + 1];
        i += 2;
        switch (escape) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': {
                auto cp = hex4(body, i);
                if (!cp) return std::nullopt;
                i += 4;
                if (*cp >= 0xDC00 && *cp <= 0xDFFF) return std::nullopt;
                if (*cp >= 0xD800 && *cp <= 0xDBFF) {
                    if (i + 2 > body.size() || body[i] != '\\' || body[i + 1] != 'u') return std::nullopt;
                    const auto low = hex4(body, i + 2);
                    if (!low || *low < 0xDC00 || *low > 0xDFFF) return std::nullopt;
                    i += 6;
                    cp = 0x10000 + ((*cp - 0xD800) << 10) + (*low - 0xDC00);
                }
                append_utf8(out, *cp);
                break;
            }
            default: return std::nullopt;
        }
    }
    return out;
}

// Ref: A1111 modules/infotext_utils.py unquote() — JSON-decodes a value in double quotes and keeps
// the text as it is when that fails.
std::string unquote(std::string_view value) {
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        if (auto decoded = json_unquote(value)) return std::move(*decoded);
    }
    return std::string(value);
}

// ---- finding pairs ----------------------------------------------------------------------------

struct RawPair {
    std::string_view key;
    std::string_view value;  // as written, still quoted
};

// Answers "first position >= from" queries for one line, with `from` never decreasing between
// calls, so the whole line is scanned at most once per kind and finding pairs stays linear even
// for lines full of unterminated quotes.
class LineCursor {
public:
    explicit LineCursor(std::string_view line) : line_(line) {}

    // First ',' at or after `from` (the line's size when none).
    std::size_t next_comma(std::size_t from) {
        if (comma_ >= from && comma_from_ <= from) return comma_;
        comma_from_ = from;
        comma_ = from;
        while (comma_ < line_.size() && line_[comma_] != ',') ++comma_;
        return comma_;
    }

    // First '"' at or after `from` that is not escaped, i.e. preceded by an even run of
    // backslashes. `from` must follow an opening '"', so the run never reaches past it, and
    // whether a quote is escaped does not depend on where the string started.
    std::size_t closing_quote(std::size_t from) {
        if (quote_ >= from && quote_from_ <= from) return quote_;
        quote_from_ = from;
        std::size_t backslashes = 0;
        std::size_t i = from;
        for (; i < line_.size(); ++i) {
            if (line_[i] == '"' && backslashes % 2 == 0) break;
            backslashes = line_[i] == '\\' ? backslashes + 1 : 0;
        }
        quote_ = i;
        return quote_;
    }

private:
    std::string_view line_;
    std::size_t comma_ = 0, comma_from_ = 1;  // empty cache: comma_from_ > comma_
    std::size_t quote_ = 0, quote_from_ = 1;
};

// Ref: A1111 modules/infotext_utils.py re_param
//   \s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)
// applied with re.findall. Without backtracking: a failed key start fails for every start inside
// the same run of key characters (they all reach the same non-':' end), so the scan jumps past it.
std::vector<RawPair> find_pairs(std::string_view line) {
    std::vector<RawPair> pairs;
    LineCursor cursor(line);
    const std::size_t n = line.size();
    std::size_t pos = 0;
    while (pos < n) {
        std::size_t key_start = pos;
        while (key_start < n && is_space(static_cast<unsigned char>(line[key_start]))) ++key_start;
        if (key_start >= n) break;
        if (!is_word(static_cast<unsigned char>(line[key_start]))) {
            pos = key_start + 1;
            continue;
        }
        // The first character, whole (a UTF-8 sequence counts once), then at least one more.
        std::size_t first_end = key_start + 1;
        while (first_end < n && is_utf8_continuation(static_cast<unsigned char>(line[first_end]))) {
            ++first_end;
        }
        std::size_t key_end = key_start + 1;
        while (key_end < n && is_key_char(static_cast<unsigned char>(line[key_end]))) ++key_end;
        if (key_end >= n || line[key_end] != ':' || key_end <= first_end) {
            pos = key_end;
            continue;
        }
        std::size_t value_start = key_end + 1;
        while (value_start < n && is_space(static_cast<unsigned char>(line[value_start]))) ++value_start;
        std::size_t value_end = 0;
        bool quoted = false;
        if (value_start < n && line[value_start] == '"') {
            // The quoted form needs at least one character inside and ',' or the end right after.
            const std::size_t close = cursor.closing_quote(value_start + 1);
            if (close < n && close > value_start + 1 && (close + 1 == n || line[close + 1] == ',')) {
                value_end = close + 1;
                quoted = true;
            }
        }
        if (!quoted) value_end = cursor.next_comma(value_start);
        pairs.push_back({line.substr(key_start, key_end - key_start),
                         line.substr(value_start, value_end - value_start)});
        pos = value_end < n ? value_end + 1 : n;  // past the ',' that ends the pair
    }
    return pairs;
}

// ---- known keys -------------------------------------------------------------------------------

enum class Known {
    steps, sampler, schedule_type, cfg_scale, seed, size, model_hash, model, denoising_strength, clip_skip,
    batch_size, batch_pos, count
};

constexpr std::pair<std::string_view, Known> known_keys[] = {
    {"Steps", Known::steps},
    {"Sampler", Known::sampler},
    {"Schedule type", Known::schedule_type},
    {"CFG scale", Known::cfg_scale},
    {"Seed", Known::seed},
    {"Size", Known::size},
    {"Model hash", Known::model_hash},
    {"Model", Known::model},
    {"Denoising strength", Known::denoising_strength},
    {"Clip skip", Known::clip_skip},
    {"Batch size", Known::batch_size},
    {"Batch pos", Known::batch_pos},
};

std::optional<Known> known_key(std::string_view key) {
    for (const auto& [name, known] : known_keys) {
        if (name == key) return known;
    }
    return std::nullopt;
}

bool set_int(int& field, const std::string& value) {
    const auto parsed = parse_int(value);
    if (parsed) field = *parsed;
    return parsed.has_value();
}

bool set_double(std::optional<double>& field, const std::string& value) {
    const auto parsed = parse_double(value);
    if (parsed) field = *parsed;
    return parsed.has_value();
}

bool set_string(std::string& field, const std::string& value) {
    // "" means "not given" in the struct; an empty value kept in `extra` reads back as written.
    if (value.empty()) return false;
    field = value;
    return true;
}

constexpr const char* kLoraHashes = "Lora hashes";

// "name: hash, name2: hash2" (A1111's Lora extension writes it so; names hold no ':' or ',').
bool parse_lora_hashes(std::vector<std::pair<std::string, std::string>>& field, const std::string& value) {
    std::vector<std::pair<std::string, std::string>> out;
    std::size_t start = 0;
    while (start <= value.size()) {
        const std::size_t comma = value.find(',', start);
        const std::string_view item =
            std::string_view(value).substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        const std::size_t colon = item.find(':');
        if (colon == std::string_view::npos) return false;
        const std::string_view name = trim(item.substr(0, colon)), hash = trim(item.substr(colon + 1));
        if (name.empty() || hash.empty()) return false;
        out.emplace_back(std::string(name), std::string(hash));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    field = std::move(out);
    return true;
}

// Fills the field for a known key; false when the value does not parse as the field's type.
bool set_known(GenerationParameters& p, Known known, const std::string& value) {
    switch (known) {
        case Known::steps: return set_int(p.steps, value);
        case Known::sampler: return set_string(p.sampler, value);
        case Known::schedule_type: return set_string(p.schedule_type, value);
        case Known::cfg_scale: return set_double(p.cfg_scale, value);
        case Known::seed: {
            const auto parsed = parse_u64(value);
            if (parsed) p.seed = *parsed;
            return parsed.has_value();
        }
        case Known::size: {
            const auto parsed = parse_size(value);
            if (parsed) std::tie(p.width, p.height) = *parsed;
            return parsed.has_value();
        }
        case Known::model_hash: return set_string(p.model_hash, value);
        case Known::model: return set_string(p.model, value);
        case Known::denoising_strength: return set_double(p.denoising_strength, value);
        case Known::clip_skip: return set_int(p.clip_skip, value);
        case Known::batch_size: return set_int(p.batch_size, value);
        case Known::batch_pos: return set_int(p.batch_pos, value);
        case Known::count: break;
    }
    return false;
}

}  // namespace

// Ref: A1111 modules/processing.py create_infotext — prompt, "\nNegative prompt: ...", then the
// generation_params joined as "k: quote(v)" with ", ".
std::string format_parameters(const GenerationParameters& p) {
    std::string out;
    if (!p.prompt.empty()) {
        out += p.prompt;
        out += '\n';
    }
    if (!p.negative_prompt.empty()) {
        out += negative_prefix;
        out += ' ';
        out += p.negative_prompt;
        out += '\n';
    }
    PairWriter pairs(out);
    if (p.steps != 0) pairs.add("Steps", std::to_string(p.steps));
    if (!p.sampler.empty()) pairs.add("Sampler", p.sampler);
    if (!p.schedule_type.empty()) pairs.add("Schedule type", p.schedule_type);
    if (p.cfg_scale) pairs.add("CFG scale", python_float(*p.cfg_scale));
    if (p.seed) pairs.add("Seed", std::to_string(*p.seed));
    if (p.width != 0 || p.height != 0) {
        pairs.add("Size", std::to_string(p.width) + "x" + std::to_string(p.height));
    }
    if (!p.model_hash.empty()) pairs.add("Model hash", p.model_hash);
    if (!p.model.empty()) pairs.add("Model", p.model);
    if (p.denoising_strength) pairs.add("Denoising strength", python_float(*p.denoising_strength));
    if (p.clip_skip != 0) pairs.add("Clip skip", std::to_string(p.clip_skip));
    if (p.batch_size != 0) pairs.add("Batch size", std::to_string(p.batch_size));
    if (p.batch_pos != -1) pairs.add("Batch pos", std::to_string(p.batch_pos));
    for (const auto& [key, value] : p.extra) pairs.add(key, value);
    // Nothing to put on the last line: end with the prompt as A1111's final strip() does.
    if (pairs.empty() && !out.empty()) out.pop_back();
    return out;
}

// Ref: A1111 modules/infotext_utils.py parse_generation_parameters.
std::optional<GenerationParameters> parse_parameters(std::string_view text) {
    // A1111 strips the whole text; only the end is stripped here, so a prompt's leading
    // whitespace reads back as written.
    while (!text.empty() && is_space(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    const std::size_t last_newline = text.rfind('\n');
    const bool has_body = last_newline != std::string_view::npos;
    const std::string_view last_line = without_cr(has_body ? text.substr(last_newline + 1) : text);

    const std::vector<RawPair> pairs = find_pairs(last_line);
    if (pairs.size() < 3) return std::nullopt;

    GenerationParameters p;
    if (has_body) {
        const std::string_view body = text.substr(0, last_newline);
        bool negative = false, first_prompt_line = true, first_negative_line = true;
        std::size_t start = 0;
        while (true) {
            const std::size_t end = body.find('\n', start);
            const std::size_t length = end == std::string_view::npos ? body.size() - start : end - start;
            std::string_view line = without_cr(body.substr(start, length));
            if (!negative && line.substr(0, negative_prefix.size()) == negative_prefix) {
                negative = true;
                line = trim(line.substr(negative_prefix.size()));
            }
            std::string& part = negative ? p.negative_prompt : p.prompt;
            bool& first = negative ? first_negative_line : first_prompt_line;
            if (!first) part += '\n';
            first = false;
            part += line;
            if (end == std::string_view::npos) break;
            start = end + 1;
        }
    }

    bool seen[static_cast<std::size_t>(Known::count)] = {};
    for (const RawPair& raw : pairs) {
        std::string value = unquote(raw.value);
        const auto known = known_key(raw.key);
        if (known) {
            // The first readable value fills the field; a repeat stays visible in `extra`.
            bool& was_seen = seen[static_cast<std::size_t>(*known)];
            if (!was_seen && set_known(p, *known, value)) {
                was_seen = true;
                continue;
            }
        }
        p.extra.emplace_back(std::string(raw.key), std::move(value));
    }
    return p;
}

std::vector<std::pair<std::string, std::string>> lora_hashes(const GenerationParameters& p) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [key, value] : p.extra)
        if (key == kLoraHashes) {
            parse_lora_hashes(out, value);
            break;
        }
    return out;
}

void set_lora_hashes(GenerationParameters& p, const std::vector<std::pair<std::string, std::string>>& hashes) {
    // Ref: A1111 extensions-builtin/Lora/extra_networks_lora.py activate — the names lose ':' and
    // ',' (remove_symbols), joined as "name: hash" with ", ".
    std::string v;
    for (const auto& [name, hash] : hashes) {
        if (!v.empty()) v += ", ";
        for (const char c : name)
            if (c != ':' && c != ',') v += c;
        v += ": ";
        v += hash;
    }
    auto it = std::find_if(p.extra.begin(), p.extra.end(), [](const auto& e) { return e.first == kLoraHashes; });
    if (hashes.empty()) {
        if (it != p.extra.end()) p.extra.erase(it);
    } else if (it != p.extra.end()) {
        it->second = v;
    } else {
        p.extra.emplace_back(kLoraHashes, v);
    }
}

// Ref: CPython float_repr (format code 'r'): shortest round-trip digits, fixed notation when the
// decimal point position is in (-4, 16], else d.ddde+XX with at least two exponent digits.
std::string python_float(double v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, v, std::chars_format::scientific);
    std::string_view s(buffer, static_cast<std::size_t>(result.ptr - buffer));
    std::string out;
    if (!s.empty() && s.front() == '-') {
        out += '-';
        s.remove_prefix(1);
    }
    const std::size_t e = s.find('e');
    std::string digits;
    for (char c : s.substr(0, e)) {
        if (c != '.') digits += c;
    }
    int exponent = 0;
    std::string_view exp_text = e == std::string_view::npos ? std::string_view{} : s.substr(e + 1);
    const bool negative_exponent = !exp_text.empty() && exp_text.front() == '-';
    if (!exp_text.empty() && (exp_text.front() == '-' || exp_text.front() == '+')) exp_text.remove_prefix(1);
    std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);
    if (negative_exponent) exponent = -exponent;

    const int point = exponent + 1;  // digits d1 d2 ... stand for 0.d1d2... * 10^point
    const int count = static_cast<int>(digits.size());
    if (point > -4 && point <= 16) {
        if (point <= 0) {
            out += "0.";
            out.append(static_cast<std::size_t>(-point), '0');
            out += digits;
        } else if (point >= count) {
            out += digits;
            out.append(static_cast<std::size_t>(point - count), '0');
            out += ".0";
        } else {
            out += digits.substr(0, static_cast<std::size_t>(point));
            out += '.';
            out += digits.substr(static_cast<std::size_t>(point));
        }
    } else {
        out += digits.substr(0, 1);
        if (count > 1) {
            out += '.';
            out += digits.substr(1);
        }
        out += 'e';
        out += exponent < 0 ? '-' : '+';
        const int magnitude = exponent < 0 ? -exponent : exponent;
        if (magnitude < 10) out += '0';
        out += std::to_string(magnitude);
    }
    return out;
}

std::string combined_sampler_name(const GenerationParameters& p) {
    if (p.schedule_type == "Karras" && p.sampler.find("Karras") == std::string::npos) return p.sampler + " Karras";
    return p.sampler;
}

}  // namespace pictor
