#include "core/models/sd/single_file_tokenizer.h"

#include <nlohmann/json.hpp>

#include <sstream>
#include <vector>

#include "core/io/model_ref.h"
#include "core/util/error.h"
#include "core/util/resources.h"

namespace pictor {

namespace fs = std::filesystem;

namespace {

void append_utf8(std::string& out, uint32_t c) {
    if (c < 0x80) {
        out += char(c);
    } else if (c < 0x800) {
        out += char(0xC0 | (c >> 6));
        out += char(0x80 | (c & 0x3F));
    } else {
        out += char(0xE0 | (c >> 12));
        out += char(0x80 | ((c >> 6) & 0x3F));
        out += char(0x80 | (c & 0x3F));
    }
}

// Ref: simple_tokenizer.bytes_to_unicode, values in its insertion order (printable bytes first).
std::vector<std::string> byte_symbols_in_order() {
    std::vector<int> bs;
    for (int b = '!'; b <= '~'; ++b) bs.push_back(b);
    for (int b = 0xA1; b <= 0xAC; ++b) bs.push_back(b);
    for (int b = 0xAE; b <= 0xFF; ++b) bs.push_back(b);
    std::vector<uint32_t> cs(bs.begin(), bs.end());
    std::vector<bool> used(256, false);
    for (int b : bs) used[size_t(b)] = true;
    uint32_t extra = 0;
    for (int b = 0; b < 256; ++b)
        if (!used[size_t(b)]) cs.push_back(256 + extra++);
    std::vector<std::string> out;
    for (uint32_t c : cs) {
        std::string s;
        append_utf8(s, c);
        out.push_back(s);
    }
    return out;
}

// The repo's folder holding vocab.json in the HF cache, if downloaded.
fs::path cached_tokenizer(const std::string& repo, const std::string& sub) {
    try {
        const ResolvedModel r = resolve_model_ref(repo);
        const fs::path dir = sub.empty() ? r.path : r.path / sub;
        if (fs::exists(dir / "vocab.json") && fs::exists(dir / "merges.txt")) return dir;
    } catch (const Error&) {
    }
    return {};
}

}  // namespace

std::string clip_vocab_json_from_merges(const std::string& merges_txt) {
    // vocab = byte symbols + the same with </w> + one per merge (the first 48894) + the two specials.
    std::vector<std::string> vocab = byte_symbols_in_order();
    const size_t n = vocab.size();
    for (size_t i = 0; i < n; ++i) vocab.push_back(vocab[i] + "</w>");
    const auto first = merges_txt.find_first_not_of(" \t\r\n\f\v");
    const auto last = merges_txt.find_last_not_of(" \t\r\n\f\v");
    std::istringstream lines(first == std::string::npos ? std::string() : merges_txt.substr(first, last - first + 1));
    std::string line;
    std::getline(lines, line);  // "#version: 0.2"
    constexpr size_t kMerges = 49152 - 256 - 2;
    for (size_t k = 0; k < kMerges && std::getline(lines, line); ++k) {
        std::istringstream words(line);
        std::string a, b;
        words >> a >> b;
        vocab.push_back(a + b);
    }
    vocab.push_back("<|startoftext|>");
    vocab.push_back("<|endoftext|>");
    nlohmann::json j = nlohmann::json::object();
    for (size_t i = 0; i < vocab.size(); ++i) j[vocab[i]] = i;  // dict(zip(vocab, range)): the last id wins
    return j.dump();
}

ClipTokenizer shipped_clip_tokenizer(bool sd2) {
    const std::string merges(resources::clip_bpe_merges_txt());
    return ClipTokenizer::from_memory(clip_vocab_json_from_merges(merges), merges, "Pictor's built-in CLIP BPE vocabulary",
                                      sd2 ? "!" : "<|endoftext|>");
}

ClipTokenizer single_file_tokenizer(const fs::path& config_tokenizer_dir, bool sd2, std::string* source) {
    fs::path dir = config_tokenizer_dir;
    if (dir.empty()) dir = sd2 ? cached_tokenizer("stabilityai/stable-diffusion-2", "tokenizer")
                               : cached_tokenizer("openai/clip-vit-large-patch14", "");
    if (!dir.empty()) {
        if (source) *source = dir.string();
        return ClipTokenizer::load(dir);
    }
    if (source) *source = "built in";
    return shipped_clip_tokenizer(sd2);
}

}  // namespace pictor
