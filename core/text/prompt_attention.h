// AUTOMATIC1111's prompt attention syntax: `(text)`, `((text))`, `[text]`, `(text:1.5)`, nesting,
// `\(` `\)` `\[` `\]` `\\` escapes, unbalanced brackets, `BREAK`.
//
// Ref: AUTOMATIC1111/stable-diffusion-webui modules/prompt_parser.py parse_prompt_attention
// (commit 28bd8e14), re_attention and re_break. The result is exactly that function's: a list
// of (text, weight) with `("BREAK", -1)` markers between the parts of a BREAK, adjacent runs of
// equal weight merged, weights as doubles multiplied in the order the brackets close
// (`((x))` = 1.1 × 1.1 = 1.2100000000000002). Quirks kept on purpose: `)`/`]` with nothing open
// and a `:` that is not a weight are plain text; brackets still open at the end apply to the end;
// a `BREAK` inside brackets has its -1 multiplied and so is no longer a marker.
// Not handled here (A1111 does them before this step): prompt editing `[a:b:step]`, `[a|b]`,
// `AND`, extra-network tags `<lora:...>`.
//
// Failure contract: pictor::Error for text that is not valid UTF-8, and for a weight that Python's
// float() would refuse (`(x:1.2.3)`, `(x:.)`): A1111 fails on those as well.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pictor {

struct WeightedText {
    std::string text;
    double weight = 1.0;
    bool operator==(const WeightedText&) const = default;
};

// The BREAK marker the parser emits: text "BREAK" with weight exactly -1.
bool is_break_marker(const WeightedText& segment);

// Ref: prompt_parser.parse_prompt_attention. Never empty: no segments gives {{"", 1.0}}.
std::vector<WeightedText> parse_prompt_attention(std::string_view text);

// Where the parse's pieces came from, for highlighting weighted text in an editor: byte ranges
// of the UTF-8 prompt (escapes `\(` cover both bytes) with the weight each piece ends up with, in
// text order, before parse_prompt_attention merges equal neighbours. Brackets and weights
// themselves (`(`, `:1.2)`) are in no span. A BREAK marker's span is the word; `is_break` is set
// only for a real marker (weight -1), not for a BREAK inside brackets. Throws as parse_prompt_attention.
struct WeightedSpan {
    size_t begin = 0, end = 0;
    double weight = 1.0;
    bool is_break = false;
};
std::vector<WeightedSpan> prompt_attention_spans(std::string_view text);

// The text A1111 hands the parser for a prompt without AND / prompt editing: trailing
// whitespace (Python's str.isspace) removed. Ref: prompt_parser.get_multicond_prompt_list (re_weight).
std::string strip_trailing_space(std::string_view text);

}  // namespace pictor
