// The compare job: CLIP's label probabilities beside a ResNet's ImageNet top-k on one image, and
// per object the labels name ("fox", "dog"): CLIP's summed label probabilities vs the ResNet's
// probabilities summed over that object's ImageNet classes.
//
// The ResNet preset is chosen as in the classify job (the weights' own, else the architecture's
// default), so the studio and the CLI give the same numbers for the same files.
// Failure contract: as the score and classify jobs.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/jobs/job_sink.h"
#include "core/jobs/model_cache.h"
#include "core/jobs/vision_types.h"

namespace pictor::jobs {

struct CompareRequest {
    std::string clip;
    std::string resnet;
    std::filesystem::path image;
    std::vector<std::string> labels;  // at least one
    std::string prompt_template;
    std::string preset;               // "" = the weights' own
    int top_k = 5;
};

struct ObjectComparison {
    std::string object;              // ImageNet group name
    std::vector<int> labels;         // indices of the labels that name it
    double clip_probability = 0;     // sum over those labels
    double resnet_probability = 0;   // sum over the group's ImageNet classes
    std::vector<ClassProbability> resnet_classes;  // the group's most probable classes
};

struct CompareResult {
    bool cancelled = false;
    std::string clip_reference;
    ClassifierUsed resnet;
    std::vector<LabelProbability> labels;  // in request order
    std::vector<std::vector<std::string>> label_objects;  // per label: the objects it names
    int clip_best = -1;
    std::vector<ClassProbability> resnet_top;
    std::vector<ObjectComparison> objects;
    std::string clip_object, resnet_object;  // the object each model favours ("" = none named)
    bool objects_agree() const { return !clip_object.empty() && clip_object == resnet_object; }
};

void validate(const CompareRequest& request);
CompareResult run_compare(const CompareRequest& request, JobSink& sink, ModelCache& cache = ModelCache::process());

}  // namespace pictor::jobs
