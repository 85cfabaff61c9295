// pictor-cli bench resnet50 | resnet18: eval-mode inference speed of a preset with random weights.
#include <iostream>

#include <ATen/ATen.h>
#include <ATen/Context.h>

#include "app/cli/bench.h"
#include "app/cli/command.h"
#include "core/models/resnet/resnet.h"
#include "core/util/error.h"

namespace pictor::cli {
namespace {

nlohmann::json bench_resnet(const std::string& preset, Args& args) {
    if (args.wants_help()) {
        std::cout
            << "usage: pictor-cli bench " << preset
            << " [--repeats 10] [--batch 32] [--batch-repeats 3] [--mode folded|module|channels_last]"
               " [--json]\n\n"
               "Median latency of one 224x224 image and throughput at batch 32 (eval mode, random\n"
               "weights from the preset, the same kernels as real weights).\n"
               "  folded         BatchNorm folded into the convolutions, channels-last (what classify uses)\n"
               "  module         the torch::nn module as is (NCHW)\n"
               "  channels_last  the module with channels-last weights and activations\n";
        return nullptr;
    }
    const int repeats = args.int_or("repeats", 10);
    const int batch = args.int_or("batch", 32);
    const int batch_repeats = args.int_or("batch-repeats", 3);
    const std::string mode = args.value_or("mode", "folded");
    args.finish();
    if (repeats < 1 || batch < 1 || batch_repeats < 1) throw UsageError("counts must be positive");
    if (mode != "folded" && mode != "module" && mode != "channels_last") {
        throw UsageError("--mode must be folded, module or channels_last");
    }

    ResNet model(ResNetConfig::preset(preset));
    model->eval();
    if (mode == "channels_last") model->to_channels_last();
    std::optional<ResNetInference> folded;
    if (mode == "folded") folded.emplace(*model);
    auto run = [&](const at::Tensor& x) { return folded ? folded->forward(x) : model->forward(x); };
    const at::Tensor one = at::randn({1, 3, 224, 224});
    const at::Tensor many = at::randn({batch, 3, 224, 224});

    const std::vector<double> latency = time_runs([&] { run(one); }, repeats, 2);
    const std::vector<double> batched = time_runs([&] { run(many); }, batch_repeats, 1);
    const double batch_median = median(batched);
    return {{"model", preset},
            {"mode", mode},
            {"mkldnn", at::hasMKLDNN() && at::globalContext().userEnabledMkldnn()},
            {"latency_ms_median", median(latency) * 1e3},
            {"latency_ms_min", latency.front() * 1e3},
            {"repeats", repeats},
            {"batch", batch},
            {"batch_ms_median", batch_median * 1e3},
            {"throughput_img_per_s", batch / batch_median}};
}

const BenchRegistration resnet50{"resnet50", "ResNet50 latency (1 image) and throughput (batch 32)",
                                 [](Args& args) { return bench_resnet("resnet50", args); }};
const BenchRegistration resnet18{"resnet18", "ResNet18 latency (1 image) and throughput (batch 32)",
                                 [](Args& args) { return bench_resnet("resnet18", args); }};

}  // namespace
}  // namespace pictor::cli
