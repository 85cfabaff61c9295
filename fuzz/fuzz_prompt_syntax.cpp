// The A1111 prompt syntax: attention brackets and weights, escapes, BREAK, the editor's weighted
// spans, extra-network tags (<lora:name:te:unet>), and the token chunks of 75 with comma
// backtracking (Pictor's built-in CLIP tokenizer).
// Contract (core/text/prompt_attention.h, prompt_chunks.h, extra_networks.h): pictor::Error only
// for text that is not valid UTF-8 or a weight Python's float() refuses; parse_extra_networks
// never throws; lora_tag throws pictor::Error for a bad tag. The harness catches pictor::Error
// only, per step, and checks the structural promises of each result.
#include "core/models/sd/single_file_tokenizer.h"
#include "core/text/clip_tokenizer.h"
#include "core/text/extra_networks.h"
#include "core/text/prompt_attention.h"
#include "core/text/prompt_chunks.h"
#include "core/util/error.h"
#include "fuzz/fuzz_support.h"

using pictor::fuzz::finding;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = pictor::fuzz::as_text(data, size);

    const pictor::PromptExtraNetworks networks = pictor::parse_extra_networks(text);
    if (networks.prompt.size() > text.size()) finding("stripping tags made the prompt longer");
    for (const auto& tag : networks.tags) {
        if (text.find(tag.text) == std::string_view::npos) finding("a tag's text is not in the prompt");
        if (!pictor::is_lora_tag(tag)) continue;
        try {
            (void)pictor::lora_tag(tag);
        } catch (const pictor::Error&) {
        }
    }
    (void)pictor::strip_extra_networks(text);

    try {
        const auto parsed = pictor::parse_prompt_attention(text);
        if (parsed.empty()) finding("parse_prompt_attention returned no segment");
        for (const auto& s : parsed) (void)pictor::is_break_marker(s);
    } catch (const pictor::Error&) {
    }
    try {
        size_t last_end = 0;
        for (const auto& span : pictor::prompt_attention_spans(text)) {
            if (span.begin > span.end || span.end > text.size()) finding("span outside the text");
            if (span.begin < last_end) finding("spans out of text order or overlapping");
            last_end = span.end;
        }
    } catch (const pictor::Error&) {
    }
    (void)pictor::strip_trailing_space(text);

    static const pictor::ClipTokenizer tokenizer = pictor::shipped_clip_tokenizer(false);
    for (auto syntax : {pictor::PromptSyntax::a1111, pictor::PromptSyntax::plain}) {
        try {
            const pictor::TokenizedPrompt prompt = pictor::tokenize_prompt(tokenizer, text, syntax);
            if (prompt.chunks.empty()) finding("tokenize_prompt returned no chunk");
            for (const auto& chunk : prompt.chunks) {
                if (chunk.tokens.size() != chunk.multipliers.size()) finding("tokens and multipliers differ in length");
                if (chunk.tokens.size() != static_cast<size_t>(prompt.chunk_length) + 2)
                    finding("a chunk is not bos + chunk_length + eos");
            }
            (void)prompt.target_token_count();
            (void)prompt.weighted();
        } catch (const pictor::Error&) {
        }
    }
    return 0;
}
