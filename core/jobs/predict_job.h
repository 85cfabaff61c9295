// The predict job: classify images with a classifier exported by the train job.
//
// Failure contract: validate() throws InvalidRequest (no classifier folder, no image, a missing
// file); run_predict() throws pictor::Error naming the folder for an incomplete export and naming
// the file for an unreadable image. The loaded classifier is cached by folder and the
// modification time of its classifier.json (a re-export is picked up).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/jobs/job_sink.h"
#include "core/jobs/model_cache.h"
#include "core/jobs/vision_types.h"

namespace pictor::jobs {

struct PredictRequest {
    std::filesystem::path classifier;           // exported folder (classifier.json + model.safetensors)
    std::vector<std::filesystem::path> images;  // one or more
};

struct ImagePrediction {
    std::filesystem::path image;
    std::vector<ClassProbability> classes;  // in the classifier's class order
    int best = 0;                           // index into classes
};

struct PredictResult {
    std::vector<std::string> classes;
    std::string backbone;
    std::vector<ImagePrediction> images;
};

void validate(const PredictRequest& request);
PredictResult run_predict(const PredictRequest& request, JobSink& sink, ModelCache& cache = ModelCache::process());

}  // namespace pictor::jobs
