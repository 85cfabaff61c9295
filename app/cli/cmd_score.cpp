// pictor-cli score: CLIP zero-shot probabilities of text labels for images.
#include <iomanip>
#include <iostream>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include "app/cli/args.h"
#include "app/cli/command.h"
#include "app/cli/terminal_progress.h"
#include "core/io/safetensors.h"
#include "core/pipelines/zero_shot.h"
#include "core/util/progress.h"

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

class ScoreProgress : public ProgressSink {
public:
    ScoreProgress() : bar_("scoring") {}
    void on_stage(std::string_view stage) override { bar_.set_label(std::string(stage)); }
    void on_step(int step, int total) override { bar_.update(step, total); }
    bool cancelled() const override { return interrupt_requested(); }
    void clear() { bar_.clear(); }

private:
    TerminalProgress bar_;
};

int run_score(Args& args) {
    if (args.wants_help()) {
        std::cout << kUsage;
        return 0;
    }
    const std::string ref = args.required("clip");
    const std::vector<std::string> images = args.values("image");
    const std::vector<std::string> labels = args.values("label");
    const std::string prompt_template = args.value_or("template", "");
    const bool json = args.flag("json");
    const std::optional<std::string> save = args.value("save-tensors");
    args.finish();
    if (images.empty()) throw UsageError("--image is required");
    if (labels.empty()) throw UsageError("--label is required (at least one label)");

    install_interrupt_handler();
    ScoreProgress progress;
    const ClipZeroShot clip = ClipZeroShot::load_reference(ref, c10::kCPU, &progress);
    ZeroShotParams params;
    params.image_paths.assign(images.begin(), images.end());
    params.labels = labels;
    params.prompt_template = prompt_template;
    const ZeroShotResult result = clip.score(params, progress);
    progress.clear();
    if (result.cancelled) {
        std::cerr << "cancelled\n";
        return 130;
    }
    if (save) {
        write_safetensors(*save, {{"pixel_values", result.pixel_values},
                                  {"text_embeds", result.text_embeds},
                                  {"image_embeds", result.image_embeds},
                                  {"logits_per_image", result.logits_per_image},
                                  {"probs", result.probs}});
    }
    if (json) {
        nlohmann::json out{{"images", nlohmann::json::array()}};
        for (const auto& image : result.images) {
            nlohmann::json ls = nlohmann::json::array();
            for (const auto& l : image.labels) ls.push_back({{"label", l.label}, {"logit", l.logit}, {"prob", l.prob}});
            out["images"].push_back({{"path", image.source}, {"labels", ls}, {"best", image.best_label()}});
        }
        std::cout << out.dump(2) << "\n";
        return 0;
    }
    size_t width = 5;
    for (const auto& l : labels) width = std::max(width, l.size());
    width = std::min<size_t>(width, 60);
    for (const auto& image : result.images) {
        std::cout << image.source << "\n";
        for (size_t j = 0; j < image.labels.size(); ++j) {
            const auto& l = image.labels[j];
            const int bar = static_cast<int>(l.prob * 40.0f + 0.5f);
            std::string name = l.label.size() > width ? l.label.substr(0, width - 3) + "..." : l.label;
            std::cout << (static_cast<int>(j) == image.best ? "* " : "  ") << std::left << std::setw(static_cast<int>(width))
                      << name << std::right << "  " << std::fixed << std::setprecision(4) << l.prob << "  "
                      << std::string(static_cast<size_t>(bar), '#') << "\n";
        }
    }
    return 0;
}

const Registration registration{"score", "CLIP zero-shot label probabilities for images", run_score};

}  // namespace
}  // namespace pictor::cli
