// The CLIP tokenizer: cleaning (ICU), the pre-tokenizer regex, byte-level BPE, padding, and the
// vocab.json / merges.txt readers.
//
// Input, by its first byte:
//   even: the rest is text for Pictor's built-in CLIP tokenizer (SD 1.x special tokens);
//   odd:  the rest is "<vocab.json>\0<merges.txt>\0<text>": a tokenizer built from those, then
//         the text encoded with it.
// Contract (core/text/clip_tokenizer.h): loading throws pictor::Error for a bad vocabulary or
// merge file; encoding throws pictor::Error only for text that is not valid UTF-8. The harness
// catches pictor::Error only, and checks the shapes of what encoding returns.
#include "core/models/sd/single_file_tokenizer.h"
#include "core/text/clip_tokenizer.h"
#include "core/util/error.h"
#include "fuzz/fuzz_support.h"

namespace {

void encode_all(const pictor::ClipTokenizer& tokenizer, std::string_view text) {
    const std::vector<int64_t> ids = tokenizer.encode(text);
    if (ids.size() < 2 || ids.front() != tokenizer.bos_id() || ids.back() != tokenizer.eos_id())
        pictor::fuzz::finding("encode() lacks bos/eos");
    (void)tokenizer.tokenize(text);
    (void)tokenizer.clean_text(text);
    const pictor::TokenizedText padded = tokenizer.encode_padded(text, 77);
    if (padded.input_ids.size() != 77 || padded.attention_mask.size() != 77)
        pictor::fuzz::finding("encode_padded(77) is not 77 long");
    const std::vector<std::string> batch = {std::string(text), "a photo"};
    for (auto padding : {pictor::Padding::none, pictor::Padding::longest, pictor::Padding::max_length}) {
        const auto out = tokenizer.encode_batch(batch, padding, 16);
        if (out.size() != 2) pictor::fuzz::finding("encode_batch lost a text");
        for (const auto& t : out)
            if (t.input_ids.size() != t.attention_mask.size()) pictor::fuzz::finding("ids and mask differ in length");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const std::string_view rest = pictor::fuzz::as_text(data + 1, size - 1);
    try {
        if (data[0] % 2 == 0) {
            static const pictor::ClipTokenizer shipped = pictor::shipped_clip_tokenizer(false);
            encode_all(shipped, rest);
        } else {
            const size_t a = rest.find('\0');
            const size_t b = a == std::string_view::npos ? a : rest.find('\0', a + 1);
            const std::string vocab(rest.substr(0, a));
            const std::string merges(a == std::string_view::npos ? std::string_view() : rest.substr(a + 1, b == std::string_view::npos ? b : b - a - 1));
            const std::string_view text = b == std::string_view::npos ? std::string_view("a photo of a cat") : rest.substr(b + 1);
            const auto tokenizer = pictor::ClipTokenizer::from_memory(vocab, merges, "fuzz");
            (void)tokenizer.vocab_size();
            encode_all(tokenizer, text);
        }
    } catch (const pictor::Error&) {
    }
    return 0;
}
