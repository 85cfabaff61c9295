// pictor-cli train / predict: transfer-learn a ResNet18 on an ImageFolder, classify with it.
#include <cmath>
#include <iomanip>
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/cli/args.h"
#include "app/cli/command.h"
#include "app/cli/terminal_progress.h"
#include "core/image/image_io.h"
#include "core/io/model_ref.h"
#include "core/training/classifier_export.h"
#include "core/training/trainer.h"
#include "core/util/error.h"

namespace pictor::cli {
namespace {

class TrainProgress : public TrainingSink {
public:
    explicit TrainProgress(bool json) : json_(json), bar_("training") {}
    void on_stage(std::string_view stage) override {
        if (!json_) bar_.set_label(std::string(stage));
    }
    void on_step(int step, int total) override {
        if (!json_) bar_.update(step, total);
    }
    void on_epoch(const EpochReport& r) override {
        if (json_) {
            std::cout << nlohmann::json{{"epoch", r.epoch},
                                        {"train_loss", r.train_loss},
                                        {"train_accuracy", r.train_accuracy},
                                        {"test_loss", r.test_loss},
                                        {"test_accuracy", r.test_accuracy},
                                        {"seconds", r.seconds},
                                        {"best", r.best}}
                             .dump()
                      << std::endl;
            return;
        }
        bar_.clear();
        std::cout << "epoch " << r.epoch << std::fixed << std::setprecision(4) << "  train loss " << r.train_loss
                  << "  acc " << std::setprecision(3) << r.train_accuracy << "  test loss " << std::setprecision(4)
                  << r.test_loss << "  acc " << std::setprecision(3) << r.test_accuracy << "  "
                  << std::setprecision(1) << r.seconds << " s" << (r.best ? "  *" : "") << std::endl;
    }
    bool cancelled() const override { return interrupt_requested(); }

private:
    bool json_;
    TerminalProgress bar_;
};

int run_train(Args& args) {
    if (args.wants_help()) {
        std::cout << "usage: pictor-cli train --data DIR --weights REF --out MODEL [--epochs 5] [--lr 1e-3]\n"
                     "         [--batch 16] [--optimizer sgd|adam] [--momentum 0.9] [--weight-decay 0]\n"
                     "         [--split 0.8] [--seed N] [--augment] [--freeze-bn] [--patience P]\n"
                     "         [--metrics FILE.jsonl] [--json]\n\n"
                     "Transfer-learns a ResNet (backbone frozen, new head) on an ImageFolder (DIR/<class>/*.png),\n"
                     "evaluates on a stratified held-out split and exports the classifier folder MODEL.\n"
                     "--weights: a torchvision ResNet file or name (resnet18-f37072fd.pth in the torch hub cache).\n"
                     "--freeze-bn: BatchNorm in eval mode; without --augment the backbone features are cached.\n"
                     "Ctrl-C stops after the current batch and keeps the best epoch so far.\n";
        return 0;
    }
    const std::string data_dir = args.required("data");
    const std::string weights = args.required("weights");
    const std::string out = args.required("out");
    TrainParams params;
    params.epochs = args.int_or("epochs", 5);
    params.learning_rate = args.double_or("lr", 1e-3);
    params.batch_size = args.int_or("batch", 16);
    params.optimizer = optimizer_from_name(args.value_or("optimizer", "sgd"));
    params.momentum = args.double_or("momentum", 0.9);
    params.weight_decay = args.double_or("weight-decay", 0.0);
    params.split = args.double_or("split", 0.8);
    params.seed = static_cast<uint64_t>(args.int64_or("seed", 0));
    params.augment = args.flag("augment");
    params.freeze_bn = args.flag("freeze-bn");
    params.patience = args.int_or("patience", 0);
    params.metrics_jsonl = args.value_or("metrics", "");
    const bool json = args.flag("json");
    args.finish();

    install_interrupt_handler();
    const ImageFolder dataset = scan_image_folder(data_dir);
    ResNet model = load_resnet(resolve_model_ref(weights).path);
    TrainProgress progress(json);
    const TrainResult result = train_classifier(*model, dataset, params, &progress);
    if (result.best_epoch == 0) {
        std::cerr << "cancelled before the first epoch finished: nothing exported\n";
        return 130;
    }
    const nlohmann::json summary{{"test_loss", result.test.loss},
                                 {"test_accuracy", result.test.accuracy},
                                 {"per_class_accuracy", result.test.per_class_accuracy},
                                 {"confusion", result.test.confusion},
                                 {"classes", result.classes},
                                 {"best_epoch", result.best_epoch},
                                 {"epochs_run", result.history.size()},
                                 {"stopped_early", result.stopped_early},
                                 {"cancelled", result.cancelled},
                                 {"cached_features", result.used_cached_features},
                                 {"train_samples", result.train_samples},
                                 {"test_samples", result.test_samples}};
    nlohmann::json training{{"data", data_dir},          {"weights", weights},
                            {"epochs", params.epochs},   {"learning_rate", params.learning_rate},
                            {"batch_size", params.batch_size}, {"optimizer", optimizer_name(params.optimizer)},
                            {"split", params.split},     {"seed", params.seed},
                            {"augment", params.augment}, {"freeze_bn", params.freeze_bn}};
    export_classifier(out, *model, result.classes, ImagenetTransform::v1(),
                      {{"training", training}, {"test_metrics", summary}});
    if (json) {
        nlohmann::json final_line = summary;
        final_line["exported"] = out;
        std::cout << final_line.dump() << std::endl;
    } else {
        std::cout << "\nbest epoch " << result.best_epoch << ": test accuracy " << std::fixed << std::setprecision(3)
                  << result.test.accuracy << " (" << result.test_samples << " images)\n";
        for (size_t c = 0; c < result.classes.size(); ++c) {
            std::cout << "  " << std::left << std::setw(16) << result.classes[c] << " accuracy "
                      << result.test.per_class_accuracy[c] << "   confusion";
            for (int64_t v : result.test.confusion[c]) std::cout << " " << std::setw(4) << v;
            std::cout << "\n";
        }
        std::cout << "exported to " << out << (result.cancelled ? " (cancelled: best epoch so far)" : "") << "\n";
    }
    return result.cancelled ? 130 : 0;
}

int run_predict(Args& args) {
    if (args.wants_help()) {
        std::cout << "usage: pictor-cli predict --classifier MODEL --image FILE... [--json]\n\n"
                     "Classifies images with a classifier exported by `pictor-cli train`.\n";
        return 0;
    }
    const std::string dir = args.required("classifier");
    std::vector<std::string> paths = args.values("image");
    for (auto& p : args.positionals()) paths.push_back(p);
    const bool json = args.flag("json");
    args.finish();
    if (paths.empty()) throw UsageError("give at least one --image");
    ExportedClassifier classifier = load_classifier(dir);
    std::vector<at::Tensor> images;
    for (const auto& p : paths) images.push_back(read_image(p));
    const auto predictions = predict(classifier, images);
    nlohmann::json out{{"classes", classifier.classes}, {"images", nlohmann::json::array()}};
    for (size_t i = 0; i < predictions.size(); ++i) {
        const auto& p = predictions[i];
        if (json) {
            nlohmann::json probs = nlohmann::json::object();
            for (size_t c = 0; c < classifier.classes.size(); ++c) probs[classifier.classes[c]] = p.probabilities[c];
            out["images"].push_back(
                {{"path", paths[i]}, {"probabilities", probs}, {"best", classifier.classes[static_cast<size_t>(p.best)]}});
            continue;
        }
        std::cout << paths[i] << "\n";
        for (size_t c = 0; c < classifier.classes.size(); ++c) {
            const float prob = p.probabilities[c];
            std::cout << "  " << std::left << std::setw(20) << classifier.classes[c] << std::right << std::fixed
                      << std::setprecision(4) << prob << "  " << std::string(static_cast<size_t>(std::lround(prob * 40)), '#')
                      << (static_cast<int>(c) == p.best ? "  <" : "") << "\n";
        }
    }
    if (json) std::cout << out.dump(2) << "\n";
    return 0;
}

const Registration train_registration{"train", "transfer-learn a ResNet18 classifier on an image folder", run_train};
const Registration predict_registration{"predict", "classify images with a trained classifier", run_predict};

}  // namespace
}  // namespace pictor::cli
