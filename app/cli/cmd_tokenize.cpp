// pictor-cli tokenize: CLIP token ids of texts (as the SD pipeline / CLIPProcessor see them).
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/cli/args.h"
#include "app/cli/command.h"
#include "core/jobs/text_tokens.h"

namespace pictor::cli {
namespace {

constexpr const char* kUsage =
    "usage: pictor-cli tokenize --tokenizer DIR [--max-length N] [--json] TEXT...\n\n"
    "CLIP BPE token ids of each TEXT, identical to Hugging Face CLIPTokenizer.\n\n"
    "  --tokenizer DIR   folder with vocab.json + merges.txt, or a model folder with tokenizer/\n"
    "  --max-length N    truncate to bos + N-2 tokens + eos and pad to N (as Stable Diffusion does\n"
    "                    with N = 77); without it the ids are neither truncated nor padded\n"
    "  --json            a JSON list of {text, input_ids, attention_mask}\n";

int run_tokenize(Args& args) {
    if (args.wants_help()) {
        std::cout << kUsage;
        return 0;
    }
    const std::string dir = args.required("tokenizer");
    const std::optional<int64_t> max_length = args.optional_int64("max-length");
    const bool json = args.flag("json");
    const std::vector<std::string> texts = args.positionals();
    args.finish();
    if (texts.empty()) throw UsageError("give at least one TEXT");
    if (max_length && (*max_length < 2 || *max_length > 1000000)) throw UsageError("--max-length must be at least 2");

    const jobs::PromptTokenizer tokenizer(dir);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& text : texts) {
        jobs::TokenIds t;
        if (max_length) {
            t = tokenizer.encode_padded(text, static_cast<int>(*max_length));
        } else {
            t = tokenizer.encode(text);
        }
        if (json) {
            out.push_back({{"text", text}, {"input_ids", t.input_ids}, {"attention_mask", t.attention_mask}});
            continue;
        }
        std::cout << text << "\n  ids ";
        for (size_t i = 0; i < t.input_ids.size(); ++i) std::cout << (i ? " " : "") << t.input_ids[i];
        int64_t real = 0;
        for (int64_t m : t.attention_mask) real += m;
        std::cout << "\n  (" << real << " tokens" << (t.input_ids.size() > static_cast<size_t>(real) ? ", padded to " + std::to_string(t.input_ids.size()) : std::string()) << ")\n";
    }
    if (json) std::cout << out.dump(2) << "\n";
    return 0;
}

const Registration registration{"tokenize", "CLIP token ids of texts", run_tokenize};

}  // namespace
}  // namespace pictor::cli
