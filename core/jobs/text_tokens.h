// CLIP token ids for the front ends: the prompt box's live token count and `pictor-cli tokenize`.
//
// PromptTokenizer loads the tokenizer of a model reference (a CLIP/tokenizer folder, a diffusers
// folder's tokenizer/, or an HF repo id) once; encoding is then cheap and thread-safe (const).
// Failure contract: the constructor throws ModelNotFound / pictor::Error naming the folder;
// encode() throws pictor::Error for text that is not valid UTF-8.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pictor::jobs {

struct TokenIds {
    std::vector<int64_t> input_ids;       // with the start and end tokens
    std::vector<int64_t> attention_mask;  // 1 for real tokens, 0 for padding
};

class PromptTokenizer {
public:
    explicit PromptTokenizer(const std::string& reference);
    ~PromptTokenizer();
    PromptTokenizer(PromptTokenizer&&) noexcept;
    PromptTokenizer& operator=(PromptTokenizer&&) noexcept;

    TokenIds encode(const std::string& text) const;                       // no padding, no truncation
    TokenIds encode_padded(const std::string& text, int max_length) const;  // truncated/padded to max_length
    // Tokens the text takes of the model's window, start/end tokens included ("2 / 77" for "").
    int count(const std::string& text) const;
    int model_max_length() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace pictor::jobs
