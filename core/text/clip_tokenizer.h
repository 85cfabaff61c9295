// The CLIP byte-level BPE tokenizer, identical to Hugging Face `CLIPTokenizer` (transformers
// 4.33.3, slow tokenizer, without ftfy).
//
// Pipeline (Ref: transformers/models/clip/tokenization_clip.py, tokenization_utils.py):
//   1. the literal special-token strings (`<|startoftext|>`, `<|endoftext|>`, and the pad/unk
//      strings) are split out first and map straight to their ids;
//   2. every other segment is cleaned like BasicTokenizer(do_lower_case=True, strip_accents=False,
//      do_split_on_punc=False): U+0000, U+FFFD and control/format characters (category C*,
//      except \t \n \r) removed, whitespace → ' ', spaces around CJK ideographs, NFC, split on
//      whitespace, lowercase each word (full Unicode case mapping, like Python's str.lower), re-join;
//   3. the CLIP pre-tokenizer regex
//      `<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+`
//      (case-insensitive), then byte-level BPE with `</w>` word ends (results cached).
// ICU provides every Unicode property and the normalisation.
//
// Failure contract: loading throws pictor::Error naming the file and what was wrong (missing file,
// bad JSON, malformed merge line, special token absent from the vocabulary). Encoding throws
// pictor::Error only for text that is not valid UTF-8.
// Thread-safety: a loaded tokenizer is immutable except for its BPE cache, which is guarded by a
// mutex; all const member functions may be called from several threads at once. Copies share the
// vocabulary and the cache.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pictor {

// One encoded text: ids with bos/eos, and 1/0 attention mask of the same length.
struct TokenizedText {
    std::vector<int64_t> input_ids;
    std::vector<int64_t> attention_mask;
};

enum class Padding {
    none,        // each text keeps its own length (no truncation)
    longest,     // pad to the longest text of the batch (no truncation); HF padding=True
    max_length,  // truncate to max_length (bos + first max_length-2 + eos) and pad to it
};

class ClipTokenizer {
public:
    // Loads `vocab.json` and `merges.txt`; bos/eos/pad/unk and model_max_length come from
    // `tokenizer_config.json` / `special_tokens_map.json` in the same folder when present
    // (HF defaults otherwise: `<|startoftext|>`, `<|endoftext|>` ×3, 77).
    static ClipTokenizer load(const std::filesystem::path& dir);
    // From in-memory vocab.json / merges.txt texts (e.g. embedded resources), with the HF default
    // special tokens except `pad_token` (SD 2.x's tokenizer pads with "!"); `source` names them.
    static ClipTokenizer from_memory(const std::string& vocab_json, const std::string& merges_txt,
                                     const std::string& source, const std::string& pad_token = "<|endoftext|>");
    // From explicit files with the HF default special tokens.
    ClipTokenizer(const std::filesystem::path& vocab_json, const std::filesystem::path& merges_txt);

    // The text after HF's cleaning, before the regex and BPE (for tests and diagnostics).
    std::string clean_text(std::string_view text) const;
    // BPE token strings in the byte-unicode alphabet; special tokens appear literally.
    std::vector<std::string> tokenize(std::string_view text) const;
    // bos + ids + eos, no truncation, no padding (HF `tokenizer(text).input_ids`).
    std::vector<int64_t> encode(std::string_view text) const;
    // HF `tokenizer(text, padding="max_length", max_length=N, truncation=True)`: bos + first N-2
    // ids + eos, padded with pad_id; mask 1 on real tokens. max_length must be >= 2.
    TokenizedText encode_padded(std::string_view text, int max_length) const;
    // A batch with the given padding (max_length is used by Padding::max_length only).
    std::vector<TokenizedText> encode_batch(const std::vector<std::string>& texts, Padding padding,
                                            int max_length = 77) const;

    int64_t bos_id() const;
    int64_t eos_id() const;
    int64_t pad_id() const;
    int64_t unk_id() const;
    int model_max_length() const;
    size_t vocab_size() const;
    // Id of a vocabulary string, or -1.
    int64_t token_to_id(const std::string& token) const;

private:
    struct Impl;
    explicit ClipTokenizer(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> impl_;
};

// The folder holding a model's tokenizer files: `<dir>/tokenizer` (Stable Diffusion / diffusers
// layout) or `<dir>` itself (CLIP layout). Throws pictor::Error when neither has vocab.json and
// merges.txt.
std::filesystem::path find_tokenizer_dir(const std::filesystem::path& model_dir);

// ClipTokenizer::load(find_tokenizer_dir(model_dir)).
ClipTokenizer load_clip_tokenizer(const std::filesystem::path& model_dir);

}  // namespace pictor
