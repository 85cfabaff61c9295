// pictor-cli bench train: training throughput (images/s) of one epoch, with and without the
// cached-feature path, on a synthetic dataset and a random-weight ResNet18.
#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <random>

#include "app/cli/bench.h"
#include "core/image/image_io.h"
#include "core/models/resnet/resnet.h"
#include "core/training/trainer.h"

namespace pictor::cli {
namespace {

namespace fs = std::filesystem;

fs::path make_synthetic_dataset(int per_class, int size) {
    std::random_device rd;
    const fs::path root = fs::temp_directory_path() / ("pictor-bench-train-" + std::to_string(rd()));
    c10::InferenceMode inference;
    for (const char* cls : {"dog", "fox"}) {
        fs::create_directories(root / cls);
        for (int i = 0; i < per_class; ++i) {
            const at::Tensor image = (at::rand({size, size, 3}) * 255).to(at::kByte);
            write_png(root / cls / (std::string(cls) + "_" + std::to_string(i) + ".png"), image);
        }
    }
    return root;
}

nlohmann::json run_train_bench(Args& args) {
    if (args.wants_help()) {
        std::cout << "usage: pictor-cli bench train [--images 32] [--batch 16] [--size 256] [--json]\n\n"
                     "Images per second of one training epoch (ResNet18, random weights, frozen backbone):\n"
                     "the full path (decode + backbone + head every epoch) and the cached-feature path\n"
                     "(--freeze-bn without augmentation: backbone once, then the head per epoch).\n";
        return nullptr;
    }
    const int images = args.int_or("images", 32);
    const int batch = args.int_or("batch", 16);
    const int size = args.int_or("size", 256);
    args.finish();
    const fs::path root = make_synthetic_dataset(images / 2, size);
    const ImageFolder data = scan_image_folder(root);
    nlohmann::json out{{"images", images}, {"batch", batch}, {"image_size", size}, {"model", "resnet18"}};

    auto timed_training = [&](TrainParams params) {
        c10::InferenceMode off(false);  // training needs autograd
        ResNet model(ResNetConfig::resnet18());
        params.batch_size = batch;
        params.split = 0.5;
        const auto start = std::chrono::steady_clock::now();
        const TrainResult result = train_classifier(*model, data, params);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return std::make_pair(seconds, result);
    };
    TrainParams full;
    full.epochs = 2;
    const auto [full_s, full_r] = timed_training(full);
    TrainParams cached = full;
    cached.freeze_bn = true;
    cached.epochs = 20;
    const auto [cached_s, cached_r] = timed_training(cached);
    const double train_images = static_cast<double>(full_r.train_samples);
    // Per epoch: training images processed (plus the test split's evaluation, which both pay).
    out["full_seconds_per_epoch"] = full_s / full.epochs;
    out["full_train_images_per_s"] = train_images * full.epochs / full_s;
    out["cached_seconds_total"] = cached_s;
    out["cached_epochs"] = cached.epochs;
    out["cached_train_images_per_s"] = train_images * cached.epochs / cached_s;
    out["cached_path_used"] = cached_r.used_cached_features;
    std::error_code ec;
    fs::remove_all(root, ec);
    return out;
}

const BenchRegistration registration{"train", "training images/s with and without cached features", run_train_bench};

}  // namespace
}  // namespace pictor::cli
