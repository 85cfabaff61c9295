// pictor-cli encode: a prompt and its negative as the sampler gets them (A1111 parse, weighted
// chunks, conditioning tensors).
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/cli/args.h"
#include "app/cli/command.h"
#include "app/cli/terminal_sink.h"
#include "core/jobs/encode_job.h"

namespace pictor::cli {
namespace {

constexpr const char* kUsage =
    "usage: pictor-cli encode --model REF --prompt TEXT [--negative TEXT] [options]\n\n"
    "The conditioning a prompt becomes, as AUTOMATIC1111 computes it: the parsed weights, the\n"
    "75-token chunks with their multipliers, and the text encoder's embeddings.\n\n"
    "  --model REF             Stable Diffusion model (diffusers folder or Hugging Face repo id)\n"
    "  --prompt TEXT           the prompt\n"
    "  --negative TEXT         the negative prompt (default: empty, as generate)\n"
    "  --prompt-syntax a1111|plain  a1111 (default): (word), [word], (word:1.5), \\( escapes, BREAK, any\n"
    "                          length in 75-token chunks; plain: the text as is, truncated to 77 tokens\n"
    "  --clip-skip N           A1111's Clip skip: the text encoder's N-th last layer (default 1)\n"
    "  --save-tensors OUT      write `prompt_embeds` and `negative_prompt_embeds` [1, 77 x chunks, D]\n"
    "                          (padded to the same number of chunks with the empty prompt, as A1111)\n"
    "  --device cpu|cuda       (default cpu)\n"
    "  --json                  print {\"prompt\": {\"parsed\", \"chunks\", ...}, \"negative\": {...}}\n";

nlohmann::json text_json(const jobs::EncodedText& t) {
    nlohmann::json parsed = nlohmann::json::array();
    for (const WeightedText& w : t.tokens.parsed) parsed.push_back({w.text, w.weight});
    nlohmann::json chunks = nlohmann::json::array();
    for (const PromptChunk& c : t.tokens.chunks) chunks.push_back({{"tokens", c.tokens}, {"multipliers", c.multipliers}});
    return {{"parsed", parsed},
            {"chunks", chunks},
            {"token_count", t.tokens.token_count},
            {"target_token_count", t.tokens.target_token_count()},
            {"embeds_shape", t.embeds_shape}};
}

void print_text(const std::string& what, const jobs::EncodedText& t) {
    std::cout << what << ": " << t.tokens.token_count << " / " << t.tokens.target_token_count() << " tokens, "
              << t.tokens.chunks.size() << (t.tokens.chunks.size() == 1 ? " chunk" : " chunks") << ", embeds [";
    for (size_t i = 0; i < t.embeds_shape.size(); ++i) std::cout << (i ? ", " : "") << t.embeds_shape[i];
    std::cout << "]\n";
    for (const WeightedText& w : t.tokens.parsed) std::cout << "  " << nlohmann::json(w.text).dump() << " " << w.weight << "\n";
}

int run_encode_command(Args& args) {
    if (args.wants_help()) {
        std::cout << kUsage;
        return 0;
    }
    jobs::EncodeRequest r;
    r.model = args.required("model");
    r.prompt = args.required("prompt");
    r.negative_prompt = args.value_or("negative", "");
    r.prompt_syntax = args.value_or("prompt-syntax", r.prompt_syntax);
    r.clip_skip = args.int_or("clip-skip", r.clip_skip);
    r.save_tensors = args.value_or("save-tensors", "");
    r.device = args.value_or("device", r.device);
    const bool json = args.flag("json");
    args.finish();

    TerminalSink sink("loading", "");
    const jobs::EncodeResult result = jobs::run_encode(r, sink);
    sink.clear();
    if (json) {
        const nlohmann::json out{{"prompt", text_json(result.prompt)},
                                 {"negative", text_json(result.negative)},
                                 {"model", result.model_reference},
                                 {"prompt_syntax", r.prompt_syntax},
                                 {"clip_skip", r.clip_skip},
                                 {"seconds", result.seconds}};
        std::cout << out.dump(2) << "\n";
        return 0;
    }
    print_text("prompt", result.prompt);
    print_text("negative", result.negative);
    if (!r.save_tensors.empty()) std::cout << r.save_tensors.string() << "\n";
    return 0;
}

const Registration registration{"encode", "a prompt's A1111 conditioning: weights, chunks, embeddings", run_encode_command};

}  // namespace
}  // namespace pictor::cli
