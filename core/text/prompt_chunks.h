// A prompt as the CLIP text encoder gets it: token chunks of bos + 75 + eos, with one weight
// ("multiplier") per token.
//
// PromptSyntax::a1111 (Ref: AUTOMATIC1111 modules/sd_hijack_clip.py
// TextConditionalModel.tokenize_line, commit 5ad03e65): the prompt is parsed with
// parse_prompt_attention (core/text/prompt_attention.h), every segment is tokenized on its own
// (no bos/eos), the tokens are cut into chunks of 75 with A1111's comma backtracking (when a
// chunk is full and its last comma is at most 20 tokens back, the tokens after that comma move
// to the next chunk), a BREAK marker closes the current chunk, each chunk is padded with eos to 75
// and framed by bos/eos. Any length of prompt: as many chunks as it needs.
// PromptSyntax::plain: diffusers' literal behaviour, one chunk of
// tokenizer(text, padding="max_length", max_length=77, truncation=True), every weight 1.
//
// Padding: A1111 pads with eos and then (its process_tokens) replaces everything after the first
// eos with the tokenizer's pad id when the two differ (SD 2.x); both ways the ids equal diffusers'
// for a prompt that fits one chunk.
//
// Failure contract: pictor::Error for text that is not valid UTF-8 or a weight Python would not
// read (see prompt_attention.h), and for a tokenizer whose model_max_length is below 3.
// Thread-safety: pure functions of their arguments (the tokenizer is thread-safe).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/text/prompt_attention.h"

namespace pictor {

class ClipTokenizer;

enum class PromptSyntax {
    a1111,  // A1111 attention syntax, BREAK, chunks of 75 (the default)
    plain,  // the text as is, truncated to one window (diffusers)
};

// "a1111" / "plain"; throws pictor::Error naming the value otherwise.
PromptSyntax parse_prompt_syntax(std::string_view name);
const char* prompt_syntax_name(PromptSyntax syntax);

// One encoder window: model_max_length ids (77 for CLIP) and as many multipliers.
struct PromptChunk {
    std::vector<int64_t> tokens;
    std::vector<double> multipliers;
};

struct TokenizedPrompt {
    std::vector<WeightedText> parsed;  // the parser's segments (plain: the whole text, weight 1)
    std::vector<PromptChunk> chunks;   // at least one
    int token_count = 0;               // A1111's "N/75" count: 75 per closed chunk + the last one's tokens
    int chunk_length = 75;             // tokens per chunk between bos and eos
    // A1111's target_token_count: ceil(max(token_count, 1) / 75) · 75 (what the UI shows after '/').
    int target_token_count() const;
    // True when some token has a weight other than 1 (emphasis would change the embedding).
    bool weighted() const;
};

// The chunks a prompt becomes. `comma_padding_backtrack` is A1111's "Prompt word wrap length
// limit" (20, its default; 0 turns it off).
TokenizedPrompt tokenize_prompt(const ClipTokenizer& tokenizer, std::string_view prompt,
                                PromptSyntax syntax = PromptSyntax::a1111, int comma_padding_backtrack = 20);

}  // namespace pictor
