#include "core/text/prompt_chunks.h"

#include <algorithm>

#include "core/text/clip_tokenizer.h"
#include "core/util/error.h"

namespace pictor {

PromptSyntax parse_prompt_syntax(std::string_view name) {
    if (name == "a1111") return PromptSyntax::a1111;
    if (name == "plain") return PromptSyntax::plain;
    fail("prompt syntax must be a1111 or plain, got '" + std::string(name) + "'");
}

const char* prompt_syntax_name(PromptSyntax syntax) { return syntax == PromptSyntax::plain ? "plain" : "a1111"; }

int TokenizedPrompt::target_token_count() const {
    const int n = std::max(token_count, 1);
    return (n + chunk_length - 1) / chunk_length * chunk_length;
}

bool TokenizedPrompt::weighted() const {
    for (const PromptChunk& c : chunks)
        for (double m : c.multipliers)
            if (m != 1.0) return true;
    return false;
}

namespace {

// Ref: diffusers StableDiffusionPipeline.encode_prompt's tokenizer call (truncation to one window).
TokenizedPrompt tokenize_plain(const ClipTokenizer& tokenizer, std::string_view prompt, int window) {
    TokenizedPrompt t;
    t.chunk_length = window - 2;
    t.parsed = {{std::string(prompt), 1.0}};
    const TokenizedText ids = tokenizer.encode_padded(prompt, window);
    PromptChunk chunk;
    chunk.tokens = ids.input_ids;
    chunk.multipliers.assign(ids.input_ids.size(), 1.0);
    t.chunks.push_back(std::move(chunk));
    t.token_count = std::min(static_cast<int>(tokenizer.encode(prompt).size()) - 2, t.chunk_length);
    return t;
}

}  // namespace

// Ref: modules/sd_hijack_clip.py TextConditionalModel.tokenize_line (and next_chunk inside it);
// process_tokens for the pad ids.
TokenizedPrompt tokenize_prompt(const ClipTokenizer& tokenizer, std::string_view prompt, PromptSyntax syntax,
                                int comma_padding_backtrack) {
    const int window = tokenizer.model_max_length();
    if (window < 3) fail("prompt: the tokenizer's model_max_length " + std::to_string(window) + " leaves no room for tokens");
    if (syntax == PromptSyntax::plain) return tokenize_plain(tokenizer, prompt, window);

    TokenizedPrompt t;
    t.chunk_length = window - 2;
    t.parsed = parse_prompt_attention(strip_trailing_space(prompt));
    const size_t chunk_length = static_cast<size_t>(t.chunk_length);
    const int64_t bos = tokenizer.bos_id(), eos = tokenizer.eos_id(), pad = tokenizer.pad_id();
    const int64_t comma = tokenizer.token_to_id(",</w>");  // -1: no comma in the vocabulary

    PromptChunk chunk;
    int64_t last_comma = -1;
    const auto next_chunk = [&](bool is_last) {
        t.token_count += is_last ? static_cast<int>(chunk.tokens.size()) : t.chunk_length;
        const size_t to_add = chunk_length - chunk.tokens.size();
        chunk.tokens.insert(chunk.tokens.end(), to_add, eos);
        chunk.multipliers.insert(chunk.multipliers.end(), to_add, 1.0);
        chunk.tokens.insert(chunk.tokens.begin(), bos);
        chunk.tokens.push_back(eos);
        chunk.multipliers.insert(chunk.multipliers.begin(), 1.0);
        chunk.multipliers.push_back(1.0);
        last_comma = -1;
        t.chunks.push_back(std::move(chunk));
        chunk = PromptChunk();
    };

    for (const WeightedText& segment : t.parsed) {
        if (is_break_marker(segment)) {
            next_chunk(false);
            continue;
        }
        std::vector<int64_t> ids = tokenizer.encode(segment.text);  // bos + ids + eos
        for (size_t k = 1; k + 1 < ids.size(); ++k) {
            const int64_t token = ids[k];
            if (token == comma) {
                last_comma = static_cast<int64_t>(chunk.tokens.size());
            } else if (comma_padding_backtrack != 0 && chunk.tokens.size() == chunk_length && last_comma != -1 &&
                       static_cast<int64_t>(chunk.tokens.size()) - last_comma <= comma_padding_backtrack) {
                // The words after the last comma move to the next chunk with their weights.
                const auto break_location = static_cast<std::ptrdiff_t>(last_comma + 1);
                std::vector<int64_t> moved_tokens(chunk.tokens.begin() + break_location, chunk.tokens.end());
                std::vector<double> moved_multipliers(chunk.multipliers.begin() + break_location, chunk.multipliers.end());
                chunk.tokens.resize(static_cast<size_t>(break_location));
                chunk.multipliers.resize(static_cast<size_t>(break_location));
                next_chunk(false);
                chunk.tokens = std::move(moved_tokens);
                chunk.multipliers = std::move(moved_multipliers);
            }
            if (chunk.tokens.size() == chunk_length) next_chunk(false);
            chunk.tokens.push_back(token);
            chunk.multipliers.push_back(segment.weight);
        }
    }
    if (!chunk.tokens.empty() || t.chunks.empty()) next_chunk(true);

    // SD 2.x tokenizers pad with another id than eos: everything after the first eos becomes pad.
    if (pad != eos) {
        for (PromptChunk& c : t.chunks) {
            const auto first_eos = std::find(c.tokens.begin(), c.tokens.end(), eos);
            if (first_eos != c.tokens.end()) std::fill(first_eos + 1, c.tokens.end(), pad);
        }
    }
    return t;
}

}  // namespace pictor
