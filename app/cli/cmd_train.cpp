// pictor-cli train: transfer-learn a ResNet18 on an ImageFolder, evaluate, export the classifier.
#include <cmath>
#include <iomanip>
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/cli/args.h"
#include "app/cli/command.h"
#include "app/cli/terminal_sink.h"
#include "core/jobs/train_job.h"

namespace pictor::cli {
namespace {

class TrainProgress : public JobSink {
public:
    explicit TrainProgress(bool json) : json_(json), bar_("training") { install_interrupt_handler(); }
    void on_stage(std::string_view stage) override {
        if (!json_) bar_.set_label(std::string(stage));
    }
    void on_step(int step, int total) override {
        if (!json_) bar_.update(step, total);
    }
    void on_train_epoch(const TrainEpochReport& r) override {
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
    jobs::TrainRequest r;
    r.data_dir = args.required("data");
    r.weights = args.required("weights");
    r.out_dir = args.required("out");
    r.epochs = args.int_or("epochs", 5);
    r.learning_rate = args.double_or("lr", 1e-3);
    r.batch_size = args.int_or("batch", 16);
    r.optimizer = args.value_or("optimizer", "sgd");
    r.momentum = args.double_or("momentum", 0.9);
    r.weight_decay = args.double_or("weight-decay", 0.0);
    r.split = args.double_or("split", 0.8);
    const int64_t seed = args.int64_or("seed", 0);
    if (seed < 0) throw UsageError("--seed must be >= 0");
    r.seed = uint64_t(seed);
    r.augment = args.flag("augment");
    r.freeze_bn = args.flag("freeze-bn");
    r.patience = args.int_or("patience", 0);
    r.metrics_jsonl = args.value_or("metrics", "");
    const bool json = args.flag("json");
    args.finish();

    TrainProgress progress(json);
    const jobs::TrainResult result = jobs::run_train(r, progress);
    if (!result.exported) {
        std::cerr << "cancelled before the first epoch finished: nothing exported\n";
        return 130;
    }
    if (json) {
        nlohmann::json final_line = nlohmann::json::parse(result.metrics_json);
        final_line["exported"] = result.exported_to.string();
        std::cout << final_line.dump() << std::endl;
    } else {
        std::cout << "\nbest epoch " << result.best_epoch << ": test accuracy " << std::fixed << std::setprecision(3)
                  << result.test_accuracy << " (" << result.test_samples << " images)\n";
        for (size_t c = 0; c < result.classes.size(); ++c) {
            std::cout << "  " << std::left << std::setw(16) << result.classes[c] << " accuracy "
                      << result.per_class_accuracy[c] << "   confusion";
            for (int64_t v : result.confusion[c]) std::cout << " " << std::setw(4) << v;
            std::cout << "\n";
        }
        std::cout << "exported to " << result.exported_to.string() << (result.cancelled ? " (cancelled: best epoch so far)" : "") << "\n";
    }
    return result.cancelled ? 130 : 0;
}

const Registration train_registration{"train", "transfer-learn a ResNet18 classifier on an image folder", run_train};

}  // namespace
}  // namespace pictor::cli
