#include "core/training/trainer.h"

#include <ATen/ATen.h>
#include <torch/nn/functional/loss.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>

#include <nlohmann/json.hpp>

#include "core/image/imagenet_preprocess.h"
#include "core/image/training_transforms.h"
#include "core/training/data_loader.h"
#include "core/training/split.h"
#include "core/training/transfer_model.h"
#include "core/util/error.h"

namespace pictor {

OptimizerKind optimizer_from_name(const std::string& name) {
    if (name == "sgd" || name == "SGD") return OptimizerKind::sgd;
    if (name == "adam" || name == "Adam") return OptimizerKind::adam;
    fail("unknown optimizer '" + name + "' (expected sgd or adam)");
}

std::string optimizer_name(OptimizerKind kind) { return kind == OptimizerKind::sgd ? "sgd" : "adam"; }

namespace {

void validate(const TrainParams& p) {
    if (p.epochs < 1) fail("epochs must be at least 1, got " + std::to_string(p.epochs));
    if (!(p.learning_rate > 0.0)) fail("learning rate must be positive, got " + std::to_string(p.learning_rate));
    if (p.batch_size < 1) fail("batch size must be at least 1, got " + std::to_string(p.batch_size));
    if (p.momentum < 0.0) fail("momentum must not be negative");
    if (p.weight_decay < 0.0) fail("weight decay must not be negative");
    if (p.patience < 0) fail("patience must not be negative");
}

std::vector<int64_t> to_vector(const at::Tensor& t) {
    const at::Tensor c = t.to(at::kLong).contiguous().cpu();
    return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

// Appends JSON lines to the metrics file (opened per write: a crash loses nothing written).
class MetricsLog {
public:
    explicit MetricsLog(std::filesystem::path path) : path_(std::move(path)) {}
    void write(const nlohmann::json& line) const {
        if (path_.empty()) return;
        std::ofstream out(path_, std::ios::app);
        if (!out) fail("cannot append to metrics file '" + path_.string() + "'");
        out << line.dump() << "\n";
    }

private:
    std::filesystem::path path_;
};

// The model's parameters and buffers, copied: the best epoch's weights.
std::vector<at::Tensor> snapshot(ResNetImpl& model) {
    std::vector<at::Tensor> out;
    for (const auto& p : model.parameters()) out.push_back(p.detach().clone());
    for (const auto& b : model.buffers()) out.push_back(b.detach().clone());
    return out;
}

void restore(ResNetImpl& model, const std::vector<at::Tensor>& saved) {
    at::NoGradGuard no_grad;
    size_t i = 0;
    for (auto& p : model.parameters()) p.copy_(saved[i++]);
    for (auto& b : model.buffers()) b.copy_(saved[i++]);
}

std::vector<ImageFolderSample> pick(const ImageFolder& dataset, const std::vector<int64_t>& indices) {
    std::vector<ImageFolderSample> out;
    out.reserve(indices.size());
    for (int64_t i : indices) out.push_back(dataset.samples[static_cast<size_t>(i)]);
    return out;
}

SampleTransform eval_transform() {
    return [](const at::Tensor& image, std::mt19937_64&) { return imagenet_preprocess(image, ImagenetTransform::v1()); };
}

SampleTransform train_transform(bool augment) {
    if (!augment) return eval_transform();
    return [](const at::Tensor& image, std::mt19937_64& rng) { return augment_for_training(image, 224, rng); };
}

// Evaluates on a loader (eval mode, no grad) and restores the previous mode.
ClassificationMetrics evaluate(ResNetImpl& model, DataLoader& loader, int64_t num_classes, const ProgressSink* sink,
                               bool* cancelled) {
    const bool was_training = model.is_training();
    model.eval();
    at::NoGradGuard no_grad;
    MetricsAccumulator acc(num_classes);
    loader.start_epoch(0);
    while (auto batch = loader.next()) {
        if (sink && sink->cancelled()) {
            *cancelled = true;
            break;
        }
        const at::Tensor logits = model.forward(batch->images);
        const double loss_sum =
            at::cross_entropy_loss(logits, batch->labels, {}, at::Reduction::Sum).item<double>();
        acc.add(to_vector(batch->labels), to_vector(logits.argmax(1)), loss_sum);
    }
    model.train(was_training);
    return acc.result();
}

ClassificationMetrics evaluate_features(torch::nn::LinearImpl& head, const at::Tensor& features,
                                        const at::Tensor& labels, int64_t num_classes) {
    at::NoGradGuard no_grad;
    MetricsAccumulator acc(num_classes);
    const at::Tensor logits = head.forward(features);
    acc.add(to_vector(labels), to_vector(logits.argmax(1)),
            at::cross_entropy_loss(logits, labels, {}, at::Reduction::Sum).item<double>());
    return acc.result();
}

// Pooled backbone features of every sample, in loader order (eval mode, no grad).
std::pair<at::Tensor, at::Tensor> compute_features(ResNetImpl& model, DataLoader& loader, const ProgressSink* sink,
                                                   bool* cancelled) {
    at::NoGradGuard no_grad;
    model.eval();
    std::vector<at::Tensor> features, labels;
    loader.start_epoch(0);
    while (auto batch = loader.next()) {
        if (sink && sink->cancelled()) {
            *cancelled = true;
            return {};
        }
        features.push_back(model.features(batch->images));
        labels.push_back(batch->labels);
    }
    return {at::cat(features), at::cat(labels)};
}

}  // namespace

HeadTrainer::HeadTrainer(ResNetImpl& model, const TrainParams& params) : model_(model) {
    std::vector<at::Tensor> head_params = model.fc->parameters();
    if (params.optimizer == OptimizerKind::sgd) {
        optimizer_ = std::make_unique<torch::optim::SGD>(
            head_params, torch::optim::SGDOptions(params.learning_rate)
                             .momentum(params.momentum)
                             .weight_decay(params.weight_decay));
    } else {
        optimizer_ = std::make_unique<torch::optim::Adam>(
            head_params, torch::optim::AdamOptions(params.learning_rate).weight_decay(params.weight_decay));
    }
}

HeadTrainer::~HeadTrainer() = default;

double HeadTrainer::step(const at::Tensor& inputs, const at::Tensor& labels, bool features_only, at::Tensor* logits) {
    optimizer_->zero_grad();
    const at::Tensor out = features_only ? model_.fc->forward(inputs) : model_.forward(inputs);
    const at::Tensor loss = at::cross_entropy_loss(out, labels);
    loss.backward();
    optimizer_->step();
    if (logits) *logits = out.detach();
    return loss.item<double>();
}

TrainResult train_classifier(ResNetImpl& model, const ImageFolder& dataset, const TrainParams& params,
                             TrainingSink* sink) {
    validate(params);
    TrainResult result;
    result.classes = dataset.classes;
    const auto num_classes = static_cast<int64_t>(dataset.classes.size());
    if (num_classes < 2) fail("dataset '" + dataset.root.string() + "' has one class; a classifier needs at least 2");

    std::vector<int64_t> labels;
    for (const auto& s : dataset.samples) labels.push_back(s.label);
    const SplitIndices split = stratified_split(labels, dataset.classes, params.split, params.seed);
    result.train_samples = static_cast<int64_t>(split.train.size());
    result.test_samples = static_cast<int64_t>(split.test.size());

    make_transfer_model(model, static_cast<int>(num_classes), params.seed);
    HeadTrainer trainer(model, params);
    const MetricsLog log(params.metrics_jsonl);

    LoaderOptions train_options{params.batch_size, true, params.seed};
    LoaderOptions eval_options{std::max(params.batch_size, 32), false, params.seed};
    DataLoader test_loader(pick(dataset, split.test), eval_transform(), eval_options);

    // Cached features: the backbone output cannot change between epochs.
    const bool cached = params.cache_features && params.freeze_bn && !params.augment;
    result.used_cached_features = cached;
    at::Tensor train_features, train_labels, test_features, test_labels;
    std::unique_ptr<DataLoader> train_loader;
    if (cached) {
        if (sink) sink->on_stage("computing backbone features");
        DataLoader feature_loader(pick(dataset, split.train), eval_transform(), eval_options);
        bool cancelled = false;
        std::tie(train_features, train_labels) = compute_features(model, feature_loader, sink, &cancelled);
        if (!cancelled) std::tie(test_features, test_labels) = compute_features(model, test_loader, sink, &cancelled);
        if (cancelled) {
            result.cancelled = true;
            return result;
        }
    } else {
        train_loader = std::make_unique<DataLoader>(pick(dataset, split.train), train_transform(params.augment),
                                                    train_options);
    }

    const int64_t n_train = result.train_samples;
    const int batches = static_cast<int>((n_train + params.batch_size - 1) / params.batch_size);
    const int total_steps = batches * params.epochs;
    double best_loss = std::numeric_limits<double>::infinity();
    std::vector<at::Tensor> best_weights;
    int epochs_without_improvement = 0;
    if (sink) sink->on_stage("training");

    for (int epoch = 1; epoch <= params.epochs; ++epoch) {
        const auto start = std::chrono::steady_clock::now();
        // Frozen BN: the whole backbone in eval mode (the head has no mode-dependent layers).
        model.train(!params.freeze_bn);
        MetricsAccumulator train_metrics(num_classes);
        int batch_index = 0;
        auto run_batch = [&](const at::Tensor& inputs, const at::Tensor& targets) {
            at::Tensor logits;
            const double loss = trainer.step(inputs, targets, cached, &logits);
            const auto predictions = to_vector(logits.argmax(1));
            const auto truth = to_vector(targets);
            train_metrics.add(truth, predictions, loss * static_cast<double>(truth.size()));
            ++batch_index;
            int correct = 0;
            for (size_t i = 0; i < truth.size(); ++i) correct += truth[i] == predictions[i];
            const BatchReport report{epoch, batch_index, batches, loss,
                                     static_cast<double>(correct) / static_cast<double>(truth.size())};
            log.write({{"type", "batch"}, {"epoch", epoch}, {"batch", batch_index}, {"batches", batches},
                       {"loss", loss}, {"accuracy", report.accuracy}});
            if (sink) {
                sink->on_batch(report);
                sink->on_step((epoch - 1) * batches + batch_index, total_steps);
            }
        };
        bool cancelled = false;
        if (cached) {
            const auto order = shuffled_order(n_train, params.seed, epoch);
            const at::Tensor order_t = at::tensor(order, at::kLong);
            for (int64_t begin = 0; begin < n_train; begin += params.batch_size) {
                if (sink && sink->cancelled()) {
                    cancelled = true;
                    break;
                }
                const at::Tensor idx = order_t.slice(0, begin, std::min(n_train, begin + params.batch_size));
                run_batch(train_features.index_select(0, idx), train_labels.index_select(0, idx));
            }
        } else {
            train_loader->start_epoch(epoch);
            while (true) {
                if (sink && sink->cancelled()) {
                    cancelled = true;
                    break;
                }
                auto batch = train_loader->next();
                if (!batch) break;
                run_batch(batch->images, batch->labels);
            }
        }
        ClassificationMetrics test;
        if (!cancelled) {
            test = cached ? evaluate_features(*model.fc, test_features, test_labels, num_classes)
                          : evaluate(model, test_loader, num_classes, sink, &cancelled);
        }
        if (cancelled) {
            result.cancelled = true;
            break;
        }
        const ClassificationMetrics train = train_metrics.result();
        EpochReport report;
        report.epoch = epoch;
        report.train_loss = train.loss;
        report.train_accuracy = train.accuracy;
        report.test_loss = test.loss;
        report.test_accuracy = test.accuracy;
        report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        report.best = test.loss < best_loss;
        if (report.best) {
            best_loss = test.loss;
            best_weights = snapshot(model);
            result.best_epoch = epoch;
            result.test = test;
            epochs_without_improvement = 0;
        } else {
            ++epochs_without_improvement;
        }
        result.history.push_back(report);
        log.write({{"type", "epoch"}, {"epoch", epoch}, {"train_loss", report.train_loss},
                   {"train_accuracy", report.train_accuracy}, {"test_loss", report.test_loss},
                   {"test_accuracy", report.test_accuracy}, {"seconds", report.seconds}, {"best", report.best}});
        if (sink) sink->on_epoch(report);
        if (params.patience > 0 && epochs_without_improvement >= params.patience) {
            result.stopped_early = true;
            break;
        }
    }
    if (!best_weights.empty()) restore(model, best_weights);
    model.eval();
    if (!result.cancelled && result.best_epoch > 0) {
        log.write({{"type", "test"}, {"best_epoch", result.best_epoch}, {"loss", result.test.loss},
                   {"accuracy", result.test.accuracy}, {"per_class_accuracy", result.test.per_class_accuracy},
                   {"confusion", result.test.confusion}, {"classes", result.classes}});
    }
    return result;
}

}  // namespace pictor
