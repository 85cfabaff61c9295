// The score job: CLIP zero-shot probabilities of text labels on one or many images
// (transformers' CLIPModel logits_per_image, softmax per image).
//
// Failure contract: validate() throws InvalidRequest for no image, an empty label list or an
// empty label, an image file that does not exist, a template without "{}". run_score() throws
// ModelNotFound for the CLIP reference and pictor::Error for a broken model. An unreadable image
// fails the job when it is the only one; in a batch it is reported in its ImageScore::error and
// the others are scored (one bad file must not stop "score all gallery images").
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/jobs/job_sink.h"
#include "core/jobs/model_cache.h"
#include "core/jobs/vision_types.h"

namespace pictor::jobs {

struct ImageScore {
    std::filesystem::path image;
    std::vector<LabelProbability> labels;  // in the request's label order
    int best = -1;                         // index of the most probable label
    std::string error;                     // set (and labels empty) when the image could not be read
};

struct ScoreRequest {
    std::string clip;                              // CLIP model reference (folder or HF repo id)
    std::vector<std::filesystem::path> images;     // one or more PNG/JPEG files
    std::vector<std::string> labels;               // at least one
    std::string prompt_template;                   // "" = the label itself; else "{}" is replaced
    // Also write pixel_values, text_embeds, image_embeds, logits_per_image and probs of all images
    // (then the images are scored in one batch and an unreadable one fails the job).
    std::filesystem::path save_tensors;
    // Called with each image's scores as soon as they are ready (the studio shows them one by one).
    std::function<void(const ImageScore&)> on_image;
};

struct ScoreResult {
    bool cancelled = false;
    std::string clip_reference;
    std::vector<ImageScore> images;  // in request order (those scored before a cancel)
};

void validate(const ScoreRequest& request);
ScoreResult run_score(const ScoreRequest& request, JobSink& sink, ModelCache& cache = ModelCache::process());

}  // namespace pictor::jobs
