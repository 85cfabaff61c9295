// The AUTOMATIC1111 web UI "parameters" text (the PNG tEXt chunk of that name): its one writer and
// its one parser, so images written by Pictor read back in A1111, Civitai and friends, and theirs
// read back in Pictor.
//
// The text is the prompt, an optional "Negative prompt: ..." part and one last line of
// "Key: value" pairs:
//
//     a watercolor painting of a fox
//     Negative prompt: blurry, lowres
//     Steps: 20, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 1234, Size: 512x768, Model: v1-5
//
// Failure contract: nothing here throws (bad_alloc aside). The parser takes any bytes (it is fuzzed)
// and runs in time linear in the text's length; a value it cannot read keeps its text in `extra`.
// Thread-safety: pure functions on their arguments.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pictor {

// What one image's parameters text says. Empty strings, 0, -1 and nullopt mean "not in the text".
struct GenerationParameters {
    std::string prompt;
    std::string negative_prompt;
    int steps = 0;                        // 0 = not given
    std::string sampler;                  // as written: "PNDM", "Euler a", "DPM++ 2M Karras", ...
    std::string schedule_type;            // A1111 >= 1.9 writes "Sampler: DPM++ 2M, Schedule type: Karras"
    std::optional<double> cfg_scale;
    std::optional<std::uint64_t> seed;
    int width = 0, height = 0;            // 0 = not given ("Size: WxH" is written when either is non-zero)
    std::string model;                    // model reference (repo id or path); "" = not given
    std::string model_hash;               // "" = not given
    int clip_skip = 0;                    // 0 = not given
    int batch_size = 0, batch_pos = -1;   // not given: 0 / -1
    std::optional<double> denoising_strength;
    // Every other "Key: value" pair, in text order, values unquoted (e.g. {"Version","v1.6.0"}).
    std::vector<std::pair<std::string, std::string>> extra;

    bool operator==(const GenerationParameters&) const = default;
};

// Writes the text. Line 1..: the prompt (no line at all when it is empty); a "Negative prompt: ..."
// line only when the negative prompt is non-empty; then ONE line of "Key: value" pairs joined by ", "
// in this order: Steps, Sampler, Schedule type, CFG scale, Seed, Size (WxH), Model hash, Model,
// Denoising strength, Clip skip, Batch size, Batch pos, then the extras in order. Fields that are
// "not given" are omitted. cfg_scale and denoising_strength are written as Python's repr of a float
// (python_float: "7.0", "7.5"). A value containing ',', ':', '"' or a control character (such as
// '\n'), or starting or ending with a space, is quoted as a JSON string (A1111's infotext quote(),
// json.dumps with ensure_ascii=False); any other value is written as is. Keys are written as is.
//
// parse_parameters(format_parameters(p)) == p holds when all of these do:
//   - the strings are valid UTF-8;
//   - the key/value line has at least 3 pairs (fewer and the reader takes it for prompt text, as
//     A1111 does; then there is no parameters line and the parse gives nullopt);
//   - no prompt line starts with "Negative prompt:";
//   - no prompt or negative prompt line ends in '\r' (the reader drops it, for "\r\n" texts), and
//     the negative prompt's first line has no surrounding spaces (the reader strips them, as A1111);
//   - each extra key is a valid key (see parse_parameters), and an extra whose key is a known key
//     ("Steps", "Seed", ...) has a value that does not parse as that field, or the field itself is
//     given (it is written first, and the first readable value of a known key fills the field);
//   - cfg_scale and denoising_strength are not NaN (NaN compares unequal to itself).
std::string format_parameters(const GenerationParameters& p);

// Parses what A1111 writes (and what format_parameters writes), following A1111's
// parse_generation_parameters:
//   - Trailing whitespace of the whole text is dropped, the text is split at '\n' and each line
//     loses one trailing '\r'.
//   - The LAST line is the key/value line only when it holds at least 3 "Key: value" pairs;
//     otherwise it is prompt text and the result is std::nullopt (also for empty text).
//   - Lines before it are prompt lines until one starts with "Negative prompt:"; that line and all
//     after it are the negative prompt, the prefix removed and the first line's text stripped of
//     surrounding whitespace. Prompt and negative lines are joined with "\n" as they are (unlike
//     A1111, lines are not stripped, so prompts round-trip exactly).
//   - A pair is found the way A1111's re_param regex `\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)`
//     finds it (findall: text that is not a pair is skipped): optional whitespace, a key of at
//     least two characters starting with a word character (ASCII letter, digit, '_' or any non-ASCII
//     character) followed by word characters, spaces, '-' or '/', then ':', optional whitespace, and
//     a value: a JSON double-quoted string directly followed by ',' or the line's end, or else
//     everything up to the next ','. Pairs are separated by ','.
//   - A value that starts and ends with '"' is JSON-unquoted (escapes \" \\ \/ \b \f \n \r \t \uXXXX
//     with surrogate pairs, written as UTF-8); when that fails (a lone surrogate, a raw control
//     character, stray text after the closing quote) it is kept as written, as A1111's unquote does.
//   - Known keys fill the struct: "Size" "512x768" -> width/height; "Seed" as unsigned 64-bit;
//     "Steps", "Clip skip", "Batch size", "Batch pos" as int; "CFG scale" and "Denoising strength"
//     as double (surrounding whitespace ignored for numbers); "Sampler", "Schedule type", "Model",
//     "Model hash" as strings (an empty one does not count). A known key whose value does not parse
//     as its type, or that was already read, goes to `extra` unchanged instead of failing. Unknown
//     keys go to `extra` in order, with empty values too (where A1111 drops them).
// Never throws on any input, has no undefined behaviour and runs in linear time.
// A prompt whose last line looks like a parameters line (3 or more pairs) and has no parameters
// line after it is ambiguous: it is read as the parameters line.
std::optional<GenerationParameters> parse_parameters(std::string_view text);

// A1111's "Lora hashes" record of the LoRAs its prompt's <lora:NAME:...> tags named: an `extra`
// entry (so a text read and written again keeps it where it was) whose value is
// "name: hash, name2: hash2". lora_hashes reads it: items split at ',', each at its first ':', both
// sides stripped; empty when the entry is absent or an item is not "name: hash". set_lora_hashes
// writes it (the names without ':' and ',', as A1111 writes them) in place of an existing entry,
// else after the other extras; an empty list removes the entry.
std::vector<std::pair<std::string, std::string>> lora_hashes(const GenerationParameters& p);
void set_lora_hashes(GenerationParameters& p, const std::vector<std::pair<std::string, std::string>>& hashes);

// The sampler's one-name form: A1111 >= 1.9 writes the schedule apart ("Sampler: DPM++ 2M,
// Schedule type: Karras"), older versions and Pictor write "DPM++ 2M Karras". Other schedule
// types are left to the caller (they have no one-name form).
std::string combined_sampler_name(const GenerationParameters& p);

// Python's repr of a float: the shortest digits that read back to the same double, "7.0" for
// integral values, scientific ("1e+16", "1e-05") outside 1e-4 <= |v| < 1e16, "inf", "-inf", "nan".
std::string python_float(double v);

}  // namespace pictor
