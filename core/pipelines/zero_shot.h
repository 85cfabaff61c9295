// CLIP zero-shot scoring: images × text labels → logits, per-image probabilities, best label.
//
// Equal to transformers' `CLIPProcessor(text=prompts, images=images, padding=True)` followed by
// `CLIPModel(...)`, `logits_per_image` and `logits_per_image.softmax(dim=1)` (Ref: transformers
// v4.33.3 CLIPModel.forward; the zero-shot example in its docs).
//
// Usage:
//   pictor::ClipZeroShot clip(pictor::load_clip_bundle("/models/clip-vit-base-patch32"));
//   pictor::ZeroShotParams params;
//   params.images = {pictor::read_image("fox.png")};   // the pipeline opens no files
//   params.labels = {"fox", "dog"};
//   params.prompt_template = "a photo of a {}";
//   pictor::ZeroShotResult result = clip.score(params, sink);
//   result.images[0].best_label();
//
// Failure contract: score() throws pictor::Error for an empty label list, no images, a template
// without "{}", or an image the processor cannot take (the message names the image). Loading
// (core/models/clip/clip_loader.h) throws with context "loading CLIP from <dir>".
// Cancellation (ProgressSink::cancelled(), checked between text batches and between images) is
// not an error: the result comes back with `cancelled = true` and no scores.
// Thread-safety: a ClipZeroShot is not modified by score(); concurrent score() calls on one
// object are safe. Copies share the model.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/image/clip_image_processor.h"
#include "core/models/clip/clip.h"
#include "core/models/clip/clip_loader.h"
#include "core/text/clip_tokenizer.h"
#include "core/util/progress.h"

namespace pictor {

struct ZeroShotParams {
    // Decoded images, uint8 HWC with 1-4 channels (the pipeline opens no files: the score job
    // reads them).
    std::vector<at::Tensor> images;
    // Names of `images` in the result (defaults to "image 1", "image 2", ...).
    std::vector<std::string> image_names;
    // The labels (any number ≥ 1); each becomes a prompt through `prompt_template`.
    std::vector<std::string> labels;
    // "" = the label itself; otherwise every "{}" is replaced by the label ("a photo of a {}").
    std::string prompt_template;
    // Labels encoded per forward pass of the text model (bounds memory for long label lists).
    int text_batch_size = 64;
};

struct LabelScore {
    std::string label;   // as given
    std::string prompt;  // after the template
    float logit = 0;     // logits_per_image entry (scaled cosine similarity)
    float prob = 0;      // softmax over this image's labels
};

struct ImageScores {
    std::string source;               // file path or image name
    std::vector<LabelScore> labels;   // in the order of ZeroShotParams::labels
    int best = -1;                    // index of the most probable label
    const std::string& best_label() const { return labels.at(static_cast<size_t>(best)).label; }
};

struct ZeroShotResult {
    bool cancelled = false;
    std::vector<ImageScores> images;
    // The tensors behind the numbers (CPU, float32): pixel_values [Ni,3,H,W], text_embeds [Nt,P],
    // image_embeds [Ni,P] (L2-normalised), logits_per_image [Ni,Nt], probs [Ni,Nt].
    at::Tensor pixel_values, text_embeds, image_embeds, logits_per_image, probs;
};

class ClipZeroShot {
public:
    // From a loaded CLIP folder (core/models/clip/clip_loader.h); float32 on `device`.
    explicit ClipZeroShot(ClipBundle bundle, c10::Device device = c10::kCPU);
    ClipZeroShot(CLIPModel model, ClipTokenizer tokenizer, CLIPImageProcessor processor,
                 c10::Device device = c10::kCPU);

    ZeroShotResult score(const ZeroShotParams& params, ProgressSink& progress) const;
    ZeroShotResult score(const ZeroShotParams& params) const;

    // The prompts for `labels` after the template (throws for a template without "{}").
    static std::vector<std::string> make_prompts(const std::vector<std::string>& labels,
                                                 const std::string& prompt_template);
    // L2-normalised text embeddings [N, P] of prompts (batched, padding=longest per batch).
    at::Tensor encode_text(const std::vector<std::string>& prompts, int batch_size = 64) const;
    // L2-normalised image embeddings [N, P] of preprocessed pixel_values [N, 3, H, W].
    at::Tensor encode_images(const at::Tensor& pixel_values) const;

    CLIPModel& model() const { return state_->model; }
    const ClipTokenizer& tokenizer() const { return state_->tokenizer; }
    const CLIPImageProcessor& processor() const { return state_->processor; }
    c10::Device device() const { return state_->device; }

private:
    struct State {
        CLIPModel model;
        ClipTokenizer tokenizer;
        CLIPImageProcessor processor;
        c10::Device device;
    };
    std::shared_ptr<State> state_;
};

}  // namespace pictor
