#include "core/jobs/train_job.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/jobs/job_support.h"
#include "core/models/resnet/resnet.h"
#include "core/training/classifier_export.h"
#include "core/training/image_folder.h"
#include "core/training/trainer.h"

namespace pictor::jobs {

using namespace detail;

namespace {

class TrainBridge : public TrainingSink {
public:
    TrainBridge(JobSink& sink, int epochs) : bridge_(sink), sink_(sink), epochs_(epochs) {}
    void on_stage(std::string_view stage) override { bridge_.on_stage(stage); }
    void on_step(int step, int total) override { bridge_.on_step(step, total); }
    void on_message(std::string_view message) override { bridge_.on_message(message); }
    bool cancelled() const override { return bridge_.cancelled(); }
    void on_batch(const BatchReport& r) override { sink_.on_train_batch({r.epoch, r.batch, r.batches, r.loss, r.accuracy}); }
    void on_epoch(const EpochReport& r) override { sink_.on_train_epoch(from(r)); }
    TrainEpochReport from(const EpochReport& r) const {
        return {r.epoch, epochs_, r.train_loss, r.train_accuracy, r.test_loss, r.test_accuracy, r.seconds, r.best};
    }

private:
    SinkBridge bridge_;
    JobSink& sink_;
    int epochs_;
};

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

}  // namespace

void validate(const TrainRequest& r) {
    if (r.data_dir.empty()) throw InvalidRequest("dataset folder is not set");
    std::error_code ec;
    if (!std::filesystem::is_directory(r.data_dir, ec))
        throw InvalidRequest("dataset folder '" + r.data_dir.string() + "' does not exist (build the dataset first)");
    if (r.out_dir.empty()) throw InvalidRequest("output folder for the classifier is not set");
    require_range(r.epochs, 1, 10000, "epochs");
    require_range(r.learning_rate, 1e-12, 10, "learning rate");
    require_range(r.batch_size, 1, 4096, "batch size");
    require_range(r.momentum, 0, 1, "momentum");
    require_range(r.weight_decay, 0, 1, "weight decay");
    require_range(r.split, 0.01, 0.99, "split (fraction of each class used for training)");
    require_range(r.patience, 0, 10000, "patience");
    const std::string opt = lower(r.optimizer);
    if (opt != "sgd" && opt != "adam") throw InvalidRequest("optimizer must be sgd or adam, got '" + r.optimizer + "'");
}

TrainResult run_train(const TrainRequest& r, JobSink& sink) {
    validate(r);
    const ImageFolder dataset = scan_image_folder(r.data_dir);
    std::filesystem::path weights;
    try {
        weights = resolve_resnet_weights(r.weights);
    } catch (const Error& e) {
        throw ModelNotFound("the ResNet backbone '" + r.weights + "' was not found: " + e.what(), "ResNet18 backbone",
                            r.weights);
    }
    sink.on_stage("loading ResNet");
    ResNet model = load_resnet(weights);

    TrainParams params;
    params.epochs = r.epochs;
    params.learning_rate = r.learning_rate;
    params.batch_size = r.batch_size;
    params.optimizer = optimizer_from_name(lower(r.optimizer));
    params.momentum = r.momentum;
    params.weight_decay = r.weight_decay;
    params.split = r.split;
    params.seed = r.seed;
    params.augment = r.augment;
    params.freeze_bn = r.freeze_bn;
    params.patience = r.patience;
    params.metrics_jsonl = r.metrics_jsonl;
    TrainBridge bridge(sink, r.epochs);
    sink.on_stage("training");
    const pictor::TrainResult out = train_classifier(*model, dataset, params, &bridge);

    TrainResult result;
    result.cancelled = out.cancelled;
    result.classes = out.classes;
    for (const EpochReport& e : out.history) result.history.push_back(bridge.from(e));
    result.best_epoch = out.best_epoch;
    result.test_loss = out.test.loss;
    result.test_accuracy = out.test.accuracy;
    result.per_class_accuracy.assign(out.test.per_class_accuracy.begin(), out.test.per_class_accuracy.end());
    for (const auto& row : out.test.confusion) result.confusion.emplace_back(row.begin(), row.end());
    result.train_samples = out.train_samples;
    result.test_samples = out.test_samples;
    result.stopped_early = out.stopped_early;
    result.cached_features = out.used_cached_features;
    if (out.best_epoch == 0) return result;  // cancelled before the first epoch: nothing to export

    const nlohmann::json summary{{"test_loss", out.test.loss},
                                 {"test_accuracy", out.test.accuracy},
                                 {"per_class_accuracy", out.test.per_class_accuracy},
                                 {"confusion", out.test.confusion},
                                 {"classes", out.classes},
                                 {"best_epoch", out.best_epoch},
                                 {"epochs_run", out.history.size()},
                                 {"stopped_early", out.stopped_early},
                                 {"cancelled", out.cancelled},
                                 {"cached_features", out.used_cached_features},
                                 {"train_samples", out.train_samples},
                                 {"test_samples", out.test_samples}};
    const nlohmann::json training{{"data", r.data_dir.string()},  {"weights", r.weights},
                                  {"epochs", r.epochs},           {"learning_rate", r.learning_rate},
                                  {"batch_size", r.batch_size},   {"optimizer", optimizer_name(params.optimizer)},
                                  {"momentum", r.momentum},       {"weight_decay", r.weight_decay},
                                  {"split", r.split},             {"seed", r.seed},
                                  {"augment", r.augment},         {"freeze_bn", r.freeze_bn},
                                  {"patience", r.patience}};
    result.metrics_json = summary.dump();
    sink.on_stage("exporting");
    export_classifier(r.out_dir, *model, out.classes, ImagenetTransform::v1(),
                      {{"training", training}, {"test_metrics", summary}});
    result.exported = true;
    result.exported_to = r.out_dir;
    return result;
}

}  // namespace pictor::jobs
