// CLIP token ids for the front ends: the prompt box's live token count and `pictor-cli tokenize`.
//
// PromptTokenizer loads the tokenizer of a model reference (a CLIP/tokenizer folder, a diffusers
// folder's tokenizer/, or an HF repo id) once; encoding is then cheap and thread-safe (const).
// count_prompt() is the prompt box's A1111-aware count (chunks, weighted spans).
// Failure contract: the constructor throws ModelNotFound / pictor::Error naming the folder;
// encode() throws pictor::Error for text that is not valid UTF-8.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/text/prompt_chunks.h"

namespace pictor::jobs {

// What the prompt box shows: A1111's count over its 75-token chunks ("83 / 150 tokens, 2 chunks")
// and the weighted spans to highlight.
struct PromptTokenCount {
    int tokens = 0;      // A1111's count: 75 per chunk closed early (BREAK, comma wrap) + the last one's tokens
    int limit = 75;      // chunks × 75 (A1111's target_token_count); plain syntax: the window
    int chunks = 1;
    bool truncated = false;            // plain syntax only: tokens past the window are dropped
    std::vector<WeightedSpan> spans;   // a1111 syntax: byte ranges of the text with their weights
};

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
    // The prompt as generate reads it (core/text/prompt_chunks.h). Throws pictor::Error for a weight
    // that is not a number ("(x:1.2.3)"), as the job would.
    PromptTokenCount count_prompt(const std::string& text, PromptSyntax syntax = PromptSyntax::a1111) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The weighted spans of an A1111 prompt (byte ranges of the UTF-8 text) for an editor's
// highlighting; none for text the parser refuses (the count reports that). No tokenizer needed.
std::vector<WeightedSpan> prompt_weight_spans(const std::string& text);

}  // namespace pictor::jobs
