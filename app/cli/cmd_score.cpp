// pictor-cli score: CLIP zero-shot probabilities of text labels for images.
#include <iomanip>
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/cli/args.h"
#include "app/cli/command.h"
#include "app/cli/terminal_sink.h"
#include "core/jobs/score_job.h"

namespace pictor::cli {
namespace {

constexpr const char* kUsage =
    "usage: pictor-cli score --clip REF --image FILE... --label TEXT... [--template T] [--json]\n"
    "                       [--save-tensors OUT.safetensors]\n\n"
    "CLIP zero-shot scoring: the probability of each label for each image (softmax over the labels),\n"
    "identical to transformers' CLIPProcessor + CLIPModel.\n\n"
    "  --clip REF          CLIP model: a folder (config.json, model.safetensors or pytorch_model.bin,\n"
    "                      vocab.json, merges.txt, preprocessor_config.json) or a Hugging Face repo\n"
    "                      id in the local HF cache (openai/clip-vit-base-patch32)\n"
    "  --image FILE...     PNG or JPEG images\n"
    "  --label TEXT...     labels (repeat --label or list several after it)\n"
    "  --template T        prompt template, '{}' is replaced by the label (e.g. 'a photo of a {}')\n"
    "  --json              {images: [{path, labels: [{label, logit, prob}], best}]}\n"
    "  --save-tensors OUT  write pixel_values, text_embeds, image_embeds, logits_per_image, probs\n";

int run_score_command(Args& args) {
    if (args.wants_help()) {
        std::cout << kUsage;
        return 0;
    }
    jobs::ScoreRequest r;
    r.clip = args.required("clip");
    for (const auto& image : args.values("image")) r.images.emplace_back(image);
    r.labels = args.values("label");
    r.prompt_template = args.value_or("template", "");
    const bool json = args.flag("json");
    r.save_tensors = args.value_or("save-tensors", "");
    args.finish();
    if (r.images.empty()) throw UsageError("--image is required");
    if (r.labels.empty()) throw UsageError("--label is required (at least one label)");

    TerminalSink sink("scoring");
    const jobs::ScoreResult result = jobs::run_score(r, sink);
    sink.clear();
    if (result.cancelled) {
        std::cerr << "cancelled\n";
        return 130;
    }
    if (json) {
        nlohmann::json out{{"images", nlohmann::json::array()}};
        for (const auto& image : result.images) {
            nlohmann::json ls = nlohmann::json::array();
            for (const auto& l : image.labels) ls.push_back({{"label", l.label}, {"logit", l.logit}, {"prob", l.probability}});
            nlohmann::json entry{{"path", image.image.string()}, {"labels", ls}};
            if (image.best >= 0) entry["best"] = image.labels[size_t(image.best)].label;
            if (!image.error.empty()) entry["error"] = image.error;
            out["images"].push_back(entry);
        }
        std::cout << out.dump(2) << "\n";
        return 0;
    }
    size_t width = 5;
    for (const auto& l : r.labels) width = std::max(width, l.size());
    width = std::min<size_t>(width, 60);
    for (const auto& image : result.images) {
        std::cout << image.image.string() << "\n";
        if (!image.error.empty()) std::cout << "  skipped: " << image.error << "\n";
        for (size_t j = 0; j < image.labels.size(); ++j) {
            const auto& l = image.labels[j];
            const int bar = static_cast<int>(l.probability * 40.0 + 0.5);
            std::string name = l.label.size() > width ? l.label.substr(0, width - 3) + "..." : l.label;
            std::cout << (static_cast<int>(j) == image.best ? "* " : "  ") << std::left << std::setw(static_cast<int>(width))
                      << name << std::right << "  " << std::fixed << std::setprecision(4) << l.probability << "  "
                      << std::string(static_cast<size_t>(bar), '#') << "\n";
        }
    }
    return 0;
}

const Registration registration{"score", "CLIP zero-shot label probabilities for images", run_score_command};

}  // namespace
}  // namespace pictor::cli
