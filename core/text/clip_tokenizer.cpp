#include "core/text/clip_tokenizer.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <mutex>
#include <sstream>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "core/util/error.h"

namespace pictor {
namespace {

namespace fs = std::filesystem;

// Merges CLIPTokenizer reads: lines [1, 49152 - 256 - 2 + 1) of merges.txt (line 0 is the header).
constexpr size_t kMaxMerges = 49152 - 256 - 2;
// The BPE cache is cleared when it grows past this many words (HF's is unbounded).
constexpr size_t kMaxCacheEntries = 200000;

std::string read_file(const fs::path& path, const char* what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(std::string("cannot read ") + what + " " + path.string());
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void append_utf8(std::string& out, UChar32 c) {
    char buf[4];
    int32_t n = 0;
    UBool error = false;
    U8_APPEND(buf, n, 4, c, error);
    if (!error) out.append(buf, static_cast<size_t>(n));
}

// UTF-8 → code points; throws on malformed input.
std::u32string decode_utf8(std::string_view text) {
    std::u32string out;
    out.reserve(text.size());
    const auto* s = reinterpret_cast<const uint8_t*>(text.data());
    const int32_t length = static_cast<int32_t>(text.size());
    int32_t i = 0;
    while (i < length) {
        UChar32 c;
        const int32_t at = i;
        U8_NEXT(s, i, length, c);
        if (c < 0) fail("text is not valid UTF-8 (bad byte at offset " + std::to_string(at) + ")");
        out.push_back(static_cast<char32_t>(c));
    }
    return out;
}

std::string encode_utf8(const std::u32string& cps) {
    std::string out;
    out.reserve(cps.size());
    for (char32_t c : cps) append_utf8(out, static_cast<UChar32>(c));
    return out;
}

// Ref: transformers BasicTokenizer._is_control (category starts with "C", except \t \n \r).
bool is_control(UChar32 c) {
    if (c == '\t' || c == '\n' || c == '\r') return false;
    return (U_GET_GC_MASK(c) & U_GC_C_MASK) != 0;
}

// Ref: transformers BasicTokenizer._is_whitespace (space, \t, \n, \r or category Zs).
bool is_bert_whitespace(UChar32 c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || u_charType(c) == U_SPACE_SEPARATOR;
}

// Python's str.isspace(): bidirectional class WS, B or S, or category Zs.
bool is_python_space(UChar32 c) {
    const UCharDirection d = u_charDirection(c);
    return d == U_WHITE_SPACE_NEUTRAL || d == U_BLOCK_SEPARATOR || d == U_SEGMENT_SEPARATOR ||
           u_charType(c) == U_SPACE_SEPARATOR;
}

// Ref: transformers BasicTokenizer._is_chinese_char.
bool is_cjk_ideograph(UChar32 c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
           (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

bool is_letter(UChar32 c) { return (U_GET_GC_MASK(c) & U_GC_L_MASK) != 0; }
bool is_number(UChar32 c) { return (U_GET_GC_MASK(c) & U_GC_N_MASK) != 0; }
// The regex module's \s (Unicode White_Space); Python's isspace set for the few code points
// outside it (U+001C..U+001F), which cleaning removes anyway.
bool is_regex_space(UChar32 c) { return u_isUWhiteSpace(c) || is_python_space(c); }

// Ref: openai/CLIP simple_tokenizer.bytes_to_unicode (and transformers' copy).
std::vector<std::string> bytes_to_unicode() {
    std::vector<int> code(256, -1);
    for (int b = '!'; b <= '~'; ++b) code[b] = b;
    for (int b = 0xA1; b <= 0xAC; ++b) code[b] = b;
    for (int b = 0xAE; b <= 0xFF; ++b) code[b] = b;
    int n = 0;
    for (int b = 0; b < 256; ++b) {
        if (code[b] < 0) code[b] = 256 + n++;
    }
    std::vector<std::string> out(256);
    for (int b = 0; b < 256; ++b) append_utf8(out[b], code[b]);
    return out;
}

// The special-token setting in tokenizer_config.json / special_tokens_map.json: a plain string or
// an AddedToken object {"content": ...}.
std::optional<std::string> special_token_content(const nlohmann::json& j, const char* key) {
    if (!j.is_object() || !j.contains(key) || j[key].is_null()) return std::nullopt;
    const auto& v = j[key];
    if (v.is_string()) return v.get<std::string>();
    if (v.is_object() && v.contains("content") && v["content"].is_string()) return v["content"].get<std::string>();
    fail(std::string("'") + key + "' must be a string or an object with \"content\"");
}

}  // namespace

struct ClipTokenizer::Impl {
    // Symbols: every vocabulary string plus any merge part/result missing from it.
    std::vector<std::string> symbols;
    std::vector<int64_t> symbol_id;  // vocabulary id, or -1 when not in the vocabulary
    std::unordered_map<std::string, int32_t> symbol_index;
    std::unordered_map<std::string, int64_t> vocab;
    // (left symbol << 32 | right symbol) → (rank, merged symbol).
    std::unordered_map<uint64_t, std::pair<int32_t, int32_t>> merges;
    std::vector<std::string> byte_unicode;   // byte → its printable stand-in (UTF-8)
    std::vector<int32_t> byte_symbol;        // byte → symbol of that stand-in
    std::vector<int32_t> byte_end_symbol;    // byte → symbol of stand-in + "</w>"

    std::string bos = "<|startoftext|>", eos = "<|endoftext|>", pad = "<|endoftext|>", unk = "<|endoftext|>";
    int64_t bos_id = -1, eos_id = -1, pad_id = -1, unk_id = -1;
    int model_max_length = 77;
    std::vector<std::string> specials;  // split out before cleaning, longest first

    mutable std::mutex cache_mutex;
    mutable std::unordered_map<std::string, std::vector<int32_t>> cache;

    int32_t intern(const std::string& s) {
        auto it = symbol_index.find(s);
        if (it != symbol_index.end()) return it->second;
        const auto index = static_cast<int32_t>(symbols.size());
        symbols.push_back(s);
        auto v = vocab.find(s);
        symbol_id.push_back(v == vocab.end() ? -1 : v->second);
        symbol_index.emplace(s, index);
        return index;
    }

    void load_vocab(const fs::path& path) { load_vocab_text(read_file(path, "tokenizer vocabulary"), path); }

    // `path` names the text in messages (it may be an embedded resource).
    void load_vocab_text(const std::string& text, const fs::path& path) {
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(text);
        } catch (const nlohmann::json::exception& e) {
            fail("invalid JSON in " + path.string() + ": " + e.what());
        }
        if (!j.is_object() || j.empty()) fail(path.string() + ": expected a JSON object {token: id}");
        for (const auto& [token, id] : j.items()) {
            if (!id.is_number_integer() || id.get<int64_t>() < 0)
                fail(path.string() + ": id of token '" + token + "' must be a non-negative integer");
            vocab.emplace(token, id.get<int64_t>());
        }
        symbols.reserve(vocab.size() + 64);
        for (const auto& [token, id] : vocab) intern(token);
    }

    void load_merges(const fs::path& path) { load_merges_text(read_file(path, "tokenizer merges"), path); }

    void load_merges_text(std::string text, const fs::path& path) {
        // Ref: CLIPTokenizer.__init__: read().strip().split("\n")[1 : 49152 - 256 - 2 + 1].
        const auto first = text.find_first_not_of(" \t\r\n\f\v");
        const auto last = text.find_last_not_of(" \t\r\n\f\v");
        text = first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
        std::istringstream lines(text);
        std::string line;
        size_t line_no = 0;
        int32_t rank = 0;
        while (std::getline(lines, line)) {
            ++line_no;
            if (line_no == 1) continue;
            if (static_cast<size_t>(rank) >= kMaxMerges) break;
            std::istringstream words(line);
            std::string a, b, extra;
            if (!(words >> a >> b) || (words >> extra))
                fail(path.string() + ": line " + std::to_string(line_no) + " is not a merge of two tokens");
            const int32_t left = intern(a), right = intern(b);
            const int32_t merged = intern(a + b);
            // dict(zip(merges, range)) keeps the last rank of a duplicated pair.
            merges[(static_cast<uint64_t>(left) << 32) | static_cast<uint32_t>(right)] = {rank, merged};
            ++rank;
        }
        if (rank == 0) fail(path.string() + ": no merges found");
    }

    void finish(const fs::path& where) {
        byte_unicode = bytes_to_unicode();
        byte_symbol.resize(256);
        byte_end_symbol.resize(256);
        for (int b = 0; b < 256; ++b) {
            byte_symbol[b] = intern(byte_unicode[b]);
            byte_end_symbol[b] = intern(byte_unicode[b] + "</w>");
        }
        intern("<|startoftext|>");
        intern("<|endoftext|>");
        for (const std::string* s : {&bos, &eos, &pad, &unk}) intern(*s);
        auto id_of = [&](const std::string& token, const char* role) {
            auto it = vocab.find(token);
            if (it == vocab.end())
                fail(where.string() + ": the " + std::string(role) + " token '" + token + "' is not in vocab.json");
            return it->second;
        };
        bos_id = id_of(bos, "bos");
        eos_id = id_of(eos, "eos");
        pad_id = id_of(pad, "pad");
        unk_id = id_of(unk, "unk");
        for (const std::string* s : {&bos, &eos, &pad, &unk}) {
            if (!s->empty() && std::find(specials.begin(), specials.end(), *s) == specials.end()) specials.push_back(*s);
        }
        std::sort(specials.begin(), specials.end(),
                  [](const std::string& x, const std::string& y) { return x.size() > y.size(); });
    }

    // Ref: BasicTokenizer.tokenize (+ _clean_text, _tokenize_chinese_chars) and CLIPTokenizer._tokenize's
    // " ".join(self.nlp.tokenize(text)).
    std::string clean(std::string_view text) const {
        const std::u32string cps = decode_utf8(text);
        std::u32string cleaned;
        cleaned.reserve(cps.size() + 8);
        for (char32_t ch : cps) {
            const auto c = static_cast<UChar32>(ch);
            if (c == 0 || c == 0xFFFD || is_control(c)) continue;
            if (is_bert_whitespace(c)) {
                cleaned.push_back(U' ');
            } else if (is_cjk_ideograph(c)) {
                cleaned.push_back(U' ');
                cleaned.push_back(ch);
                cleaned.push_back(U' ');
            } else {
                cleaned.push_back(ch);
            }
        }
        UErrorCode status = U_ZERO_ERROR;
        const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
        if (U_FAILURE(status)) fail(std::string("ICU NFC normalizer unavailable: ") + u_errorName(status));
        const icu::UnicodeString source =
            icu::UnicodeString::fromUTF32(reinterpret_cast<const UChar32*>(cleaned.data()),
                                          static_cast<int32_t>(cleaned.size()));
        const icu::UnicodeString normalized = nfc->normalize(source, status);
        if (U_FAILURE(status)) fail(std::string("NFC normalisation failed: ") + u_errorName(status));

        // Split on Python whitespace, lowercase each word, re-join with single spaces.
        std::string out;
        const int32_t n = normalized.length();
        int32_t i = 0;
        std::vector<UChar> lowered;
        while (i < n) {
            while (i < n && is_python_space(normalized.char32At(i))) i = normalized.moveIndex32(i, 1);
            if (i >= n) break;
            const int32_t start = i;
            while (i < n && !is_python_space(normalized.char32At(i))) i = normalized.moveIndex32(i, 1);
            const UChar* word = normalized.getBuffer() + start;
            const int32_t word_length = i - start;
            lowered.resize(static_cast<size_t>(word_length) * 3 + 8);
            UErrorCode lower_status = U_ZERO_ERROR;
            // Root locale: full case mappings + Final_Sigma, no language rules (= Python's str.lower).
            int32_t got = u_strToLower(lowered.data(), static_cast<int32_t>(lowered.size()), word, word_length, "",
                                       &lower_status);
            if (lower_status == U_BUFFER_OVERFLOW_ERROR) {
                lowered.resize(static_cast<size_t>(got));
                lower_status = U_ZERO_ERROR;
                got = u_strToLower(lowered.data(), got, word, word_length, "", &lower_status);
            }
            if (U_FAILURE(lower_status)) fail(std::string("lowercasing failed: ") + u_errorName(lower_status));
            if (!out.empty()) out.push_back(' ');
            icu::UnicodeString(lowered.data(), got).toUTF8String(out);
        }
        return out;
    }

    // Case-insensitive literal match of ASCII `lit` at cps[i...].
    static bool match_literal(const std::u32string& cps, size_t i, std::string_view lit) {
        if (cps.size() - i < lit.size()) return false;
        for (size_t k = 0; k < lit.size(); ++k) {
            const auto c = static_cast<UChar32>(cps[i + k]);
            if (c != static_cast<UChar32>(lit[k]) && u_foldCase(c, U_FOLD_CASE_DEFAULT) != static_cast<UChar32>(lit[k]))
                return false;
        }
        return true;
    }

    // Ref: CLIPTokenizer.pat — re.findall over the cleaned text, alternatives tried in order.
    static std::vector<std::string> pre_tokenize(const std::string& cleaned) {
        static constexpr std::string_view literals[] = {"<|startoftext|>", "<|endoftext|>", "'s", "'t", "'re",
                                                        "'ve", "'m", "'ll", "'d"};
        const std::u32string cps = decode_utf8(cleaned);
        std::vector<std::string> words;
        size_t i = 0;
        while (i < cps.size()) {
            size_t end = i;
            for (std::string_view lit : literals) {
                if (match_literal(cps, i, lit)) {
                    end = i + lit.size();
                    break;
                }
            }
            const auto c = static_cast<UChar32>(cps[i]);
            if (end == i) {
                if (is_letter(c)) {
                    end = i + 1;
                    while (end < cps.size() && is_letter(static_cast<UChar32>(cps[end]))) ++end;
                } else if (is_number(c)) {
                    end = i + 1;
                } else if (!is_regex_space(c)) {
                    auto other = [](UChar32 x) { return !is_regex_space(x) && !is_letter(x) && !is_number(x); };
                    end = i + 1;
                    while (end < cps.size() && other(static_cast<UChar32>(cps[end]))) ++end;
                }
            }
            if (end == i) {
                ++i;  // whitespace between matches
                continue;
            }
            words.push_back(encode_utf8(cps.substr(i, end - i)));
            i = end;
        }
        return words;
    }

    // Ref: CLIPTokenizer.bpe — the word's bytes as stand-ins, the last one with "</w>", then merge
    // the lowest-ranked adjacent pair (all its occurrences, left to right) until none applies.
    // `word` is raw UTF-8; its bytes are mapped to their stand-ins here.
    std::vector<int32_t> bpe(const std::string& word) const {
        {
            std::lock_guard<std::mutex> lock(cache_mutex);
            auto it = cache.find(word);
            if (it != cache.end()) return it->second;
        }
        std::vector<int32_t> result;
        if (word == "<|startoftext|>" || word == "<|endoftext|>") {
            // CLIPTokenizer pre-fills its cache with these two: no "</w>", no merging.
            result.push_back(symbol_index.at(word));
        } else {
            std::vector<int32_t> parts;
            parts.reserve(word.size());
            for (size_t k = 0; k < word.size(); ++k) {
                const auto b = static_cast<uint8_t>(word[k]);
                parts.push_back(k + 1 == word.size() ? byte_end_symbol[b] : byte_symbol[b]);
            }
            std::vector<int32_t> next;
            while (parts.size() > 1) {
                int32_t best_rank = std::numeric_limits<int32_t>::max();
                int32_t left = -1, right = -1, merged = -1;
                for (size_t k = 0; k + 1 < parts.size(); ++k) {
                    auto it = merges.find((static_cast<uint64_t>(parts[k]) << 32) | static_cast<uint32_t>(parts[k + 1]));
                    if (it != merges.end() && it->second.first < best_rank) {
                        best_rank = it->second.first;
                        left = parts[k];
                        right = parts[k + 1];
                        merged = it->second.second;
                    }
                }
                if (merged < 0) break;
                next.clear();
                for (size_t k = 0; k < parts.size();) {
                    if (k + 1 < parts.size() && parts[k] == left && parts[k + 1] == right) {
                        next.push_back(merged);
                        k += 2;
                    } else {
                        next.push_back(parts[k]);
                        ++k;
                    }
                }
                parts.swap(next);
            }
            result = std::move(parts);
        }
        std::lock_guard<std::mutex> lock(cache_mutex);
        if (cache.size() >= kMaxCacheEntries) cache.clear();
        cache.emplace(word, result);
        return result;
    }

    // Ref: PreTrainedTokenizer.tokenize: split out special tokens (Trie), then _tokenize the rest.
    // Calls `emit(symbol index or -1, special id)` per token.
    template <typename Emit>
    void run(std::string_view text, Emit&& emit) const {
        size_t start = 0;
        auto flush = [&](size_t end) {
            if (end <= start) return;
            const std::string cleaned = clean(text.substr(start, end - start));
            for (const std::string& word : pre_tokenize(cleaned)) {
                for (int32_t s : bpe(word)) emit(s);
            }
        };
        size_t i = 0;
        while (i < text.size()) {
            const std::string* hit = nullptr;
            for (const std::string& s : specials) {
                if (text.compare(i, s.size(), s) == 0) {
                    hit = &s;
                    break;
                }
            }
            if (!hit) {
                ++i;
                continue;
            }
            flush(i);
            emit(symbol_index.at(*hit));
            i += hit->size();
            start = i;
        }
        flush(text.size());
    }

    int64_t id_of_symbol(int32_t s) const { return symbol_id[static_cast<size_t>(s)] >= 0 ? symbol_id[s] : unk_id; }

    std::vector<int64_t> ids(std::string_view text) const {
        std::vector<int64_t> out;
        run(text, [&](int32_t s) { out.push_back(id_of_symbol(s)); });
        return out;
    }
};

ClipTokenizer::ClipTokenizer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

ClipTokenizer::ClipTokenizer(const fs::path& vocab_json, const fs::path& merges_txt)
    : impl_(std::make_shared<Impl>()) {
    impl_->load_vocab(vocab_json);
    impl_->load_merges(merges_txt);
    impl_->finish(vocab_json);
}

ClipTokenizer ClipTokenizer::from_memory(const std::string& vocab_json, const std::string& merges_txt,
                                         const std::string& source, const std::string& pad_token) {
    auto impl = std::make_shared<Impl>();
    try {
        impl->pad = pad_token;
        impl->load_vocab_text(vocab_json, source + " vocab.json");
        impl->load_merges_text(merges_txt, source + " merges.txt");
        impl->finish(source);
    } catch (const Error& e) {
        throw e.with_context("loading CLIP tokenizer from " + source);
    }
    return ClipTokenizer(std::move(impl));
}

ClipTokenizer ClipTokenizer::load(const fs::path& dir) {
    auto impl = std::make_shared<Impl>();
    try {
        const fs::path vocab = dir / "vocab.json", merges = dir / "merges.txt";
        if (!fs::exists(vocab)) fail("missing " + vocab.string());
        if (!fs::exists(merges)) fail("missing " + merges.string());
        // special_tokens_map.json first, then tokenizer_config.json (which HF applies last).
        for (const char* name : {"special_tokens_map.json", "tokenizer_config.json"}) {
            const fs::path file = dir / name;
            if (!fs::exists(file)) continue;
            nlohmann::json j;
            try {
                j = nlohmann::json::parse(read_file(file, "tokenizer config"));
                if (auto v = special_token_content(j, "bos_token")) impl->bos = *v;
                if (auto v = special_token_content(j, "eos_token")) impl->eos = *v;
                if (auto v = special_token_content(j, "pad_token")) impl->pad = *v;
                if (auto v = special_token_content(j, "unk_token")) impl->unk = *v;
                if (j.contains("model_max_length") && j["model_max_length"].is_number()) {
                    const double m = j["model_max_length"].get<double>();
                    // HF writes a huge sentinel (1e30) when unknown; keep CLIP's 77 then.
                    if (m >= 2 && m <= 1e6) impl->model_max_length = static_cast<int>(m);
                }
            } catch (const nlohmann::json::exception& e) {
                fail("invalid JSON in " + file.string() + ": " + e.what());
            } catch (const Error& e) {
                throw e.with_context(file.string());
            }
        }
        impl->load_vocab(vocab);
        impl->load_merges(merges);
        impl->finish(vocab);
    } catch (const Error& e) {
        throw e.with_context("loading CLIP tokenizer from " + dir.string());
    }
    return ClipTokenizer(std::move(impl));
}

std::string ClipTokenizer::clean_text(std::string_view text) const {
    // Same segmentation as tokenize(): special tokens pass through unchanged.
    std::string out;
    size_t start = 0, i = 0;
    while (i < text.size()) {
        const std::string* hit = nullptr;
        for (const std::string& s : impl_->specials) {
            if (text.compare(i, s.size(), s) == 0) {
                hit = &s;
                break;
            }
        }
        if (!hit) {
            ++i;
            continue;
        }
        out += impl_->clean(text.substr(start, i - start));
        out += *hit;
        i += hit->size();
        start = i;
    }
    out += impl_->clean(text.substr(start));
    return out;
}

std::vector<std::string> ClipTokenizer::tokenize(std::string_view text) const {
    std::vector<std::string> out;
    impl_->run(text, [&](int32_t s) { out.push_back(impl_->symbols[static_cast<size_t>(s)]); });
    return out;
}

std::vector<int64_t> ClipTokenizer::encode(std::string_view text) const {
    std::vector<int64_t> ids = impl_->ids(text);
    ids.insert(ids.begin(), impl_->bos_id);
    ids.push_back(impl_->eos_id);
    return ids;
}

TokenizedText ClipTokenizer::encode_padded(std::string_view text, int max_length) const {
    if (max_length < 2) fail("max_length must be at least 2 (bos + eos), got " + std::to_string(max_length));
    std::vector<int64_t> ids = impl_->ids(text);
    // Ref: PreTrainedTokenizerBase truncation (longest_first on a single sequence): drop the tail.
    if (ids.size() > static_cast<size_t>(max_length - 2)) ids.resize(static_cast<size_t>(max_length - 2));
    TokenizedText out;
    out.input_ids.reserve(static_cast<size_t>(max_length));
    out.input_ids.push_back(impl_->bos_id);
    out.input_ids.insert(out.input_ids.end(), ids.begin(), ids.end());
    out.input_ids.push_back(impl_->eos_id);
    out.attention_mask.assign(out.input_ids.size(), 1);
    out.input_ids.resize(static_cast<size_t>(max_length), impl_->pad_id);
    out.attention_mask.resize(static_cast<size_t>(max_length), 0);
    return out;
}

std::vector<TokenizedText> ClipTokenizer::encode_batch(const std::vector<std::string>& texts, Padding padding,
                                                        int max_length) const {
    std::vector<TokenizedText> out;
    out.reserve(texts.size());
    if (padding == Padding::max_length) {
        for (const auto& t : texts) out.push_back(encode_padded(t, max_length));
        return out;
    }
    size_t longest = 0;
    for (const auto& t : texts) {
        TokenizedText item;
        item.input_ids = encode(t);
        item.attention_mask.assign(item.input_ids.size(), 1);
        longest = std::max(longest, item.input_ids.size());
        out.push_back(std::move(item));
    }
    if (padding == Padding::longest) {
        for (auto& item : out) {
            item.input_ids.resize(longest, impl_->pad_id);
            item.attention_mask.resize(longest, 0);
        }
    }
    return out;
}

int64_t ClipTokenizer::bos_id() const { return impl_->bos_id; }
int64_t ClipTokenizer::eos_id() const { return impl_->eos_id; }
int64_t ClipTokenizer::pad_id() const { return impl_->pad_id; }
int64_t ClipTokenizer::unk_id() const { return impl_->unk_id; }
int ClipTokenizer::model_max_length() const { return impl_->model_max_length; }
size_t ClipTokenizer::vocab_size() const { return impl_->vocab.size(); }

int64_t ClipTokenizer::token_to_id(const std::string& token) const {
    auto it = impl_->vocab.find(token);
    return it == impl_->vocab.end() ? -1 : it->second;
}

fs::path find_tokenizer_dir(const fs::path& model_dir) {
    auto has_files = [](const fs::path& d) { return fs::exists(d / "vocab.json") && fs::exists(d / "merges.txt"); };
    if (has_files(model_dir / "tokenizer")) return model_dir / "tokenizer";
    if (has_files(model_dir)) return model_dir;
    fail("no CLIP tokenizer in " + model_dir.string() + " (expected vocab.json and merges.txt there or in tokenizer/)");
}

ClipTokenizer load_clip_tokenizer(const fs::path& model_dir) { return ClipTokenizer::load(find_tokenizer_dir(model_dir)); }

}  // namespace pictor
