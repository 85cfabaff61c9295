// pictor-cli bench clip: zero-shot scoring speed at ViT-B/32 size (random weights from a config).
#include <chrono>
#include <iostream>

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include "app/cli/bench.h"
#include "app/cli/command.h"
#include "core/image/clip_image_processor.h"
#include "core/io/json_config.h"
#include "core/models/clip/clip.h"
#include "core/text/clip_tokenizer.h"

namespace pictor::cli {
namespace {

const std::vector<std::string> kLabels = {"a watercolor painting of a fox", "a photo of a dog",
                                          "an oil painting of a fox", "a photo of a fox"};

nlohmann::json bench_clip(Args& args) {
    if (args.wants_help()) {
        std::cout << "usage: pictor-cli bench clip [--config CONFIG.json] [--tokenizer DIR] [--repeats 10] [--json]\n\n"
                     "Median time to score one 320x240 image against 4 labels: preprocessing (Pillow-exact\n"
                     "bicubic resize, crop, normalise), text and vision towers, logits and softmax. Random\n"
                     "weights from CONFIG (a CLIPConfig; default: openai/clip-vit-base-patch32's values).\n"
                     "With --tokenizer the labels are tokenized inside the timed run and the tokenizer is\n"
                     "timed on a 77-token prompt (first call = empty BPE cache, then cached).\n";
        return nullptr;
    }
    const std::optional<std::string> config_path = args.value("config");
    const std::optional<std::string> tokenizer_dir = args.value("tokenizer");
    const int repeats = args.int_or("repeats", 10);
    args.finish();
    if (repeats < 1) throw UsageError("--repeats must be positive");

    const CLIPConfig config = config_path ? CLIPConfig::load(*config_path) : CLIPConfig::vit_base_patch32();
    CLIPModel model(config);
    model->eval();
    const CLIPImageProcessor processor;
    std::optional<ClipTokenizer> tokenizer;
    if (tokenizer_dir) tokenizer = load_clip_tokenizer(*tokenizer_dir);
    c10::InferenceMode guard;

    const at::Tensor image = at::randint(0, 256, {240, 320, 3}, at::kByte);
    // Without a tokenizer: fixed ids of the labels' real lengths (8, 7, 8, 7 with padding to 8).
    at::Tensor fixed_ids = at::randint(1, 49000, {4, 8}, at::kLong);
    fixed_ids.select(1, 0).fill_(49406);
    fixed_ids.select(1, 7).fill_(49407);
    const at::Tensor fixed_mask = at::ones({4, 8}, at::kLong);

    auto score_once = [&] {
        at::Tensor ids = fixed_ids, mask = fixed_mask;
        if (tokenizer) {
            const auto batch = tokenizer->encode_batch(kLabels, Padding::longest);
            const int64_t t = static_cast<int64_t>(batch.front().input_ids.size());
            ids = at::empty({4, t}, at::kLong);
            mask = at::empty({4, t}, at::kLong);
            for (int64_t i = 0; i < 4; ++i) {
                std::copy(batch[i].input_ids.begin(), batch[i].input_ids.end(), ids[i].data_ptr<int64_t>());
                std::copy(batch[i].attention_mask.begin(), batch[i].attention_mask.end(), mask[i].data_ptr<int64_t>());
            }
        }
        const at::Tensor pixels = processor.preprocess(image).unsqueeze(0);
        const CLIPOutput out = model->forward(ids, pixels, mask);
        (void)out.logits_per_image.softmax(1);
    };
    const auto preprocess_runs = time_runs([&] { processor.preprocess(image); }, repeats, 1);
    const auto runs = time_runs(score_once, repeats, 1);

    nlohmann::json result{{"config", config_path ? *config_path : "clip-vit-base-patch32 (built in)"},
                          {"labels", kLabels.size()},
                          {"image", "320x240 random"},
                          {"repeats", repeats},
                          {"score_ms_median", median(runs) * 1e3},
                          {"score_ms_min", runs.front() * 1e3},
                          {"preprocess_ms_median", median(preprocess_runs) * 1e3},
                          {"tokenized_in_run", tokenizer.has_value()}};
    if (tokenizer) {
        // A prompt of exactly 75 BPE tokens + bos/eos.
        std::string prompt;
        for (int i = 0; i < 75; ++i) prompt += std::string(i ? " " : "") + (i % 2 ? "photo" : "fox");
        const ClipTokenizer fresh = load_clip_tokenizer(*tokenizer_dir);
        const auto start = std::chrono::steady_clock::now();
        const auto first = fresh.encode_padded(prompt, 77);
        const double cold = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const auto warm = time_runs([&] { fresh.encode_padded(prompt, 77); }, 200, 5);
        result["tokenizer_prompt_tokens"] = first.input_ids.size();
        result["tokenizer_us_first_call"] = cold * 1e6;
        result["tokenizer_us_median"] = median(warm) * 1e6;
    }
    return result;
}

const BenchRegistration registration{"clip", "CLIP zero-shot: 1 image x 4 labels at ViT-B/32 size",
                                     [](Args& args) { return bench_clip(args); }};

}  // namespace
}  // namespace pictor::cli
