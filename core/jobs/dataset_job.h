// The dataset job: a labelled ImageFolder generated with Stable Diffusion
// (core/training/dataset_builder.h: DIR/<class>/<class>_0000.png + DIR/dataset.yaml; image i of
// class c has seed SEED + 100000*c + i; rerunning resumes, finished images are kept).
//
// Failure contract: validate() throws InvalidRequest (fewer than two classes, a class without a
// prompt or with an unusable name, per_class < 1, the generation settings of the generate job);
// run_dataset() adds the memory check, ModelNotFound and the builder's errors. Cancelled: the
// images finished so far stay (rerun to resume).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/jobs/job_sink.h"
#include "core/jobs/model_cache.h"

namespace pictor::jobs {

struct DatasetClassSpec {
    std::string name;                  // folder name
    std::vector<std::string> prompts;  // one or more; image i uses prompt i mod count
    std::string negative_prompt;
};

struct DatasetRequest {
    std::string model;
    std::vector<DatasetClassSpec> classes;  // at least two
    int per_class = 8;
    int steps = 25;
    double guidance = 7.5;
    int width = 512, height = 512;
    std::string scheduler;   // "" = the model's
    uint64_t seed = 0;       // base seed
    std::filesystem::path out_dir;
    std::string device = "cpu";
    std::string dtype;
};

struct DatasetResult {
    bool cancelled = false;
    int generated = 0, skipped = 0;
    std::vector<std::filesystem::path> files;  // every image of the dataset that exists now
};

void validate(const DatasetRequest& request);
DatasetResult run_dataset(const DatasetRequest& request, JobSink& sink, ModelCache& cache = ModelCache::process());

}  // namespace pictor::jobs
