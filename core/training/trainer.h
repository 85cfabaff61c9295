// Transfer-learning a ResNet classifier on an ImageFolder dataset.
//
// Ref: the PyTorch fine-tuning loop — per batch zero_grad, logits = model(x),
// loss = CrossEntropyLoss()(logits, y), backward, optimizer.step(); model.train() while training
// (BatchNorm uses batch statistics and updates its running statistics, although its affine
// parameters are frozen) and model.eval() for evaluation. Optimisers are LibTorch's SGD and Adam,
// whose update rules are PyTorch's.
//
// With `freeze_bn` the whole backbone runs in eval mode; with `freeze_bn` and no augmentation the
// backbone's output is the same every epoch, so it is computed once (cached features) and each
// epoch trains only the head — same numbers, a fraction of the time.
//
// Failure contract: throws pictor::Error for bad settings (epochs < 1, lr <= 0, unknown optimiser,
// a class too small to split) and unreadable images (naming the file). Cancellation (checked
// before each batch) returns the result so far with `cancelled` set; the model then holds the
// best weights seen so far. Not thread-safe; runs on the caller's thread (plus one loader thread).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/models/resnet/resnet.h"
#include "core/training/image_folder.h"
#include "core/training/metrics.h"
#include "core/util/progress.h"

namespace torch::optim {
class Optimizer;
}

namespace pictor {

enum class OptimizerKind { sgd, adam };
OptimizerKind optimizer_from_name(const std::string& name);  // "sgd" | "adam"
std::string optimizer_name(OptimizerKind kind);

struct TrainParams {
    int epochs = 5;
    double learning_rate = 1e-3;
    int batch_size = 16;
    OptimizerKind optimizer = OptimizerKind::sgd;
    double momentum = 0.9;      // SGD
    double weight_decay = 0.0;  // both
    double split = 0.8;         // fraction of each class used for training
    uint64_t seed = 0;          // split, shuffling, augmentation and head init
    bool augment = false;       // RandomResizedCrop + flip on the training split
    bool freeze_bn = false;     // backbone BatchNorm in eval mode (enables the cached-feature path)
    bool cache_features = true; // with freeze_bn and no augmentation: compute backbone features once
    int patience = 0;           // early stopping after this many epochs without a better test loss; 0 = off
    std::filesystem::path metrics_jsonl;  // when set, one JSON object per batch/epoch is appended
};

struct BatchReport {
    int epoch = 0;       // 1-based
    int batch = 0;       // 1-based within the epoch
    int batches = 0;
    double loss = 0.0;   // mean over the batch
    double accuracy = 0.0;
};

struct EpochReport {
    int epoch = 0;  // 1-based
    double train_loss = 0.0, train_accuracy = 0.0;
    double test_loss = 0.0, test_accuracy = 0.0;
    double seconds = 0.0;
    bool best = false;  // the lowest test loss so far
};

// Progress sink with training events on top of on_step (batches over the whole run) etc.
class TrainingSink : public ProgressSink {
public:
    virtual void on_batch(const BatchReport& report) {}
    virtual void on_epoch(const EpochReport& report) {}
};

struct TrainResult {
    std::vector<std::string> classes;
    std::vector<EpochReport> history;
    int best_epoch = 0;                // 1-based; its weights are in the model
    ClassificationMetrics test;        // of the best epoch's model on the test split
    int64_t train_samples = 0, test_samples = 0;
    bool used_cached_features = false;
    bool stopped_early = false;
    bool cancelled = false;
};

// Prepares `model` (pretrained ResNet) for transfer learning — frozen backbone, new head for
// the dataset's classes initialised from params.seed — and trains it on `dataset`.
TrainResult train_classifier(ResNetImpl& model, const ImageFolder& dataset, const TrainParams& params,
                             TrainingSink* sink = nullptr);

// One optimisation step on a prepared batch, exposed for tests and benchmarks.
class HeadTrainer {
public:
    HeadTrainer(ResNetImpl& model, const TrainParams& params);
    ~HeadTrainer();
    // zero_grad, forward, cross-entropy, backward, step. Returns the batch's mean loss; the
    // logits (before the step) go to `logits` when given. `features_only`: `inputs` are pooled
    // backbone features and only the head runs.
    double step(const at::Tensor& inputs, const at::Tensor& labels, bool features_only = false,
                at::Tensor* logits = nullptr);

private:
    ResNetImpl& model_;
    std::unique_ptr<torch::optim::Optimizer> optimizer_;
};

}  // namespace pictor
