// The classify job: ImageNet top-k of a torchvision ResNet on images.
//
// The preprocessing preset is the request's, else the one torchvision publishes with the weight
// file (resnet50-11ad3fa6.pth -> IMAGENET1K_V2), else torchvision's default for the architecture.
// Failure contract: validate() throws InvalidRequest (no image, a missing file, top_k < 1, an
// unknown preset); run_classify() throws ModelNotFound / pictor::Error (unreadable image, broken
// weights) naming the file.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/jobs/job_sink.h"
#include "core/jobs/model_cache.h"
#include "core/jobs/vision_types.h"

namespace pictor::jobs {

struct ClassifyRequest {
    std::string resnet;                         // weight file, torchvision file name or "resnet50"
    std::vector<std::filesystem::path> images;  // one or more
    std::string preset;                         // "" = the weights' own; "v1" | "v2" | "IMAGENET1K_V2" ...
    int top_k = 5;
    std::filesystem::path save_tensors;         // also write the model `input` and `logits`
};

struct ClassifyResult {
    bool cancelled = false;
    ClassifierUsed classifier;
    int num_classes = 0;
    std::vector<std::vector<ClassProbability>> top;  // per image, best first
};

void validate(const ClassifyRequest& request);
ClassifyResult run_classify(const ClassifyRequest& request, JobSink& sink, ModelCache& cache = ModelCache::process());

}  // namespace pictor::jobs
