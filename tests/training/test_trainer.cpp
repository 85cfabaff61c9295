// End to end on a small synthetic ImageFolder: train the fixture resnet18 for 2 epochs, export,
// load the export back and predict.
#include "tests/support/catch.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <fstream>

#include "core/image/image_io.h"
#include "core/pipelines/classify.h"
#include "core/training/classifier_export.h"
#include "core/training/trainer.h"
#include "core/util/error.h"
#include "tests/support/fixtures.h"

using namespace pictor;

namespace {

// Two visually distinct classes: reddish and bluish noise images of varying sizes.
void make_dataset(const std::filesystem::path& root, int per_class) {
    at::manual_seed(3);
    for (int c = 0; c < 2; ++c) {
        const std::string name = c == 0 ? "dog" : "fox";
        std::filesystem::create_directories(root / name);
        for (int i = 0; i < per_class; ++i) {
            at::Tensor img = at::rand({48 + 8 * i, 64, 3}) * 80;
            img.select(2, c == 0 ? 0 : 2).add_(170);
            write_png(root / name / (name + "_" + std::to_string(i) + ".png"), img.clamp(0, 255).to(at::kByte));
        }
    }
}

class RecordingSink : public TrainingSink {
public:
    void on_batch(const BatchReport&) override { ++batches; }
    void on_epoch(const EpochReport& r) override { epochs.push_back(r); }
    bool cancelled() const override { return cancel_after_batches >= 0 && batches >= cancel_after_batches; }
    int batches = 0;
    int cancel_after_batches = -1;
    std::vector<EpochReport> epochs;
};

}  // namespace

TEST_CASE("train, export, predict on a small dataset", "[training][e2e]") {
    PICTOR_REQUIRE_FIXTURES(resnet, "resnet");
    test::TempDir dir;
    make_dataset(dir / "data", 4);
    const ImageFolder data = scan_image_folder(dir / "data");

    ResNet model = load_resnet(resnet / "resnet18.pth");
    TrainParams params;
    params.epochs = 2;
    params.batch_size = 3;
    params.split = 0.5;
    params.seed = 11;
    params.metrics_jsonl = dir / "metrics.jsonl";
    RecordingSink sink;
    const TrainResult result = train_classifier(*model, data, params, &sink);

    REQUIRE_FALSE(result.cancelled);
    CHECK(result.classes == std::vector<std::string>{"dog", "fox"});
    CHECK(result.train_samples == 4);
    CHECK(result.test_samples == 4);
    REQUIRE(result.history.size() == 2);
    CHECK(sink.epochs.size() == 2);
    CHECK(sink.batches == 4);  // 2 batches (3 + 1) per epoch
    CHECK(result.best_epoch >= 1);
    CHECK(result.test.samples == 4);
    CHECK(result.test.confusion.size() == 2);
    CHECK_FALSE(result.used_cached_features);
    for (const auto& e : result.history) {
        CHECK(std::isfinite(e.train_loss));
        CHECK(std::isfinite(e.test_loss));
    }
    // One JSON line per batch and per epoch, then the test summary.
    std::ifstream log(params.metrics_jsonl);
    int lines = 0;
    for (std::string line; std::getline(log, line);) ++lines;
    CHECK(lines == 4 + 2 + 1);

    export_classifier(dir / "clf", *model, result.classes, ImagenetTransform::v1());
    ExportedClassifier loaded = load_classifier(dir / "clf");
    CHECK(loaded.classes == result.classes);
    CHECK(loaded.backbone == "resnet18");

    std::vector<at::Tensor> images{read_image(data.samples[0].path), read_image(data.samples[5].path)};
    const auto predictions = predict(loaded, images);
    ClassifyParams params_mem;
    params_mem.images = images;
    params_mem.top_k = 2;
    params_mem.class_names = result.classes;
    const ClassifyResult in_memory = classify(*model, params_mem);
    REQUIRE(predictions.size() == 2);
    for (size_t i = 0; i < 2; ++i) {
        for (size_t c = 0; c < 2; ++c) {
            CHECK(predictions[i].probabilities[c] ==
                  Approx(in_memory.probs[static_cast<int64_t>(i)][static_cast<int64_t>(c)].item<float>()).margin(1e-6));
        }
    }
}

TEST_CASE("cached backbone features give the same training as the full path", "[training]") {
    PICTOR_REQUIRE_FIXTURES(resnet, "resnet");
    test::TempDir dir;
    make_dataset(dir / "data", 3);
    const ImageFolder data = scan_image_folder(dir / "data");
    TrainParams params;
    params.epochs = 2;
    params.batch_size = 2;
    params.split = 0.67;
    params.freeze_bn = true;
    params.optimizer = OptimizerKind::adam;
    ResNet a = load_resnet(resnet / "resnet18.pth");
    ResNet b = load_resnet(resnet / "resnet18.pth");
    const TrainResult cached = train_classifier(*a, data, params);
    params.cache_features = false;
    const TrainResult full = train_classifier(*b, data, params);
    CHECK(cached.used_cached_features);
    CHECK_FALSE(full.used_cached_features);
    REQUIRE(cached.history.size() == full.history.size());
    for (size_t e = 0; e < full.history.size(); ++e) {
        CHECK(cached.history[e].train_loss == Approx(full.history[e].train_loss).margin(1e-5));
        CHECK(cached.history[e].test_loss == Approx(full.history[e].test_loss).margin(1e-5));
    }
    CHECK(test::all_close(a->fc->weight, b->fc->weight, 1e-5, 0, "fc.weight cached vs full"));
}

TEST_CASE("training honours cancel at batch granularity and rejects bad settings", "[training]") {
    PICTOR_REQUIRE_FIXTURES(resnet, "resnet");
    test::TempDir dir;
    make_dataset(dir / "data", 3);
    const ImageFolder data = scan_image_folder(dir / "data");
    ResNet model = load_resnet(resnet / "resnet18.pth");
    TrainParams params;
    params.epochs = 3;
    params.batch_size = 1;
    RecordingSink sink;
    sink.cancel_after_batches = 2;
    const TrainResult result = train_classifier(*model, data, params, &sink);
    CHECK(result.cancelled);
    CHECK(sink.batches == 2);

    params.epochs = 0;
    CHECK_THROWS_WITH(train_classifier(*model, data, params), Catch::Contains("epochs"));
    params.epochs = 1;
    params.learning_rate = -1;
    CHECK_THROWS_WITH(train_classifier(*model, data, params), Catch::Contains("learning rate"));
    CHECK_THROWS_WITH(optimizer_from_name("rmsprop"), Catch::Contains("rmsprop"));
    CHECK_THROWS_WITH(load_classifier(dir / "data"), Catch::Contains("classifier.json"));
}
