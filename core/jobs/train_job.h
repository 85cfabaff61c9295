// The train job: transfer-learn a ResNet (frozen backbone, new head) on an ImageFolder, evaluate
// on a stratified held-out split, export the classifier folder with its training settings and
// test metrics in classifier.json (the same metadata from either front end).
//
// Failure contract: validate() throws InvalidRequest (no data folder, epochs/batch/lr/split out of
// range, an unknown optimizer, no output folder); run_train() throws pictor::Error for a dataset
// that cannot be split (too few images per class, one class) naming the class, ModelNotFound for
// the backbone. Cancelled before the first epoch finished: nothing is exported; later: the best
// epoch so far is exported and `cancelled` is set.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/jobs/job_sink.h"

namespace pictor::jobs {

struct TrainRequest {
    std::filesystem::path data_dir;   // DIR/<class>/*.png
    std::string weights;              // ResNet backbone reference (resnet18-f37072fd.pth, a file, "resnet18")
    std::filesystem::path out_dir;    // the exported classifier folder
    int epochs = 5;
    double learning_rate = 1e-3;
    int batch_size = 16;
    std::string optimizer = "sgd";    // "sgd" | "adam" (case-insensitive)
    double momentum = 0.9;
    double weight_decay = 0.0;
    double split = 0.8;               // fraction of each class used for training
    uint64_t seed = 0;
    bool augment = false;
    bool freeze_bn = false;
    int patience = 0;                 // early stopping; 0 = off
    std::filesystem::path metrics_jsonl;
};

struct TrainResult {
    bool cancelled = false;
    bool exported = false;
    std::filesystem::path exported_to;
    std::vector<std::string> classes;
    std::vector<TrainEpochReport> history;
    int best_epoch = 0;
    double test_loss = 0, test_accuracy = 0;
    std::vector<double> per_class_accuracy;
    std::vector<std::vector<int64_t>> confusion;  // [true][predicted]
    int64_t train_samples = 0, test_samples = 0;
    bool stopped_early = false;
    bool cached_features = false;
    // The test metrics as written into classifier.json's "test_metrics" (a JSON object), for
    // front ends that print them as they are.
    std::string metrics_json;
};

void validate(const TrainRequest& request);
// Training changes the model, so the backbone is loaded fresh (not from the model cache).
TrainResult run_train(const TrainRequest& request, JobSink& sink);

}  // namespace pictor::jobs
