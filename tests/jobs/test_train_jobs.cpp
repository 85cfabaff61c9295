// dataset -> train -> predict through the job layer on sd-tiny and the ResNet18 fixture.
#include "tests/support/catch.h"

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/jobs/dataset_job.h"
#include "core/jobs/predict_job.h"
#include "core/jobs/train_job.h"
#include "tests/support/fixtures.h"

using namespace pictor;
namespace fs = std::filesystem;

TEST_CASE("train jobs: dataset, training with its export metadata, prediction", "[jobs]") {
    const auto sd = test::require_fixtures("sd-tiny");
    const auto resnet = test::require_fixtures("resnet");
    if (!sd || !resnet) return;
    test::TempDir tmp;
    JobSink sink;

    jobs::DatasetRequest d;
    d.model = sd->string();
    d.classes = {{"fox", {"a watercolor painting of a fox"}, ""}, {"dog", {"a watercolor painting of a dog"}, ""}};
    d.per_class = 3;
    d.steps = 2;
    d.width = d.height = 64;
    d.seed = 3;
    d.out_dir = tmp / "data";
    const jobs::DatasetResult built = jobs::run_dataset(d, sink);
    CHECK(built.generated == 6);
    CHECK(fs::exists(tmp / "data/fox/fox_0002.png"));
    // Rerunning resumes: nothing left to generate.
    CHECK(jobs::run_dataset(d, sink).skipped == 6);

    struct Epochs : JobSink {
        void on_train_epoch(const TrainEpochReport& r) override { reports.push_back(r); }
        std::vector<TrainEpochReport> reports;
    } epochs;
    jobs::TrainRequest t;
    t.data_dir = tmp / "data";
    t.weights = (*resnet / "resnet18.pth").string();
    t.out_dir = tmp / "model";
    t.epochs = 2;
    t.batch_size = 2;
    t.split = 0.67;
    t.seed = 1;
    const jobs::TrainResult trained = jobs::run_train(t, epochs);
    REQUIRE(trained.exported);
    CHECK(trained.classes == std::vector<std::string>{"dog", "fox"});
    REQUIRE(epochs.reports.size() == 2);
    CHECK(epochs.reports[1].epoch == 2);
    CHECK(epochs.reports[1].epochs == 2);

    std::ifstream in(tmp / "model/classifier.json");
    const nlohmann::json info = nlohmann::json::parse(in);
    CHECK(info.at("training").at("epochs") == 2);
    CHECK(info.at("training").at("optimizer") == "sgd");
    CHECK(info.at("test_metrics").at("test_accuracy") == trained.test_accuracy);
    CHECK(info.at("test_metrics").at("test_samples") == trained.test_samples);

    jobs::PredictRequest p;
    p.classifier = tmp / "model";
    p.images = {tmp / "data/fox/fox_0000.png", tmp / "data/dog/dog_0000.png"};
    const jobs::PredictResult predicted = jobs::run_predict(p, sink);
    REQUIRE(predicted.images.size() == 2);
    CHECK(predicted.backbone == "resnet18");
    for (const auto& image : predicted.images) {
        double sum = 0;
        for (const auto& c : image.classes) sum += c.probability;
        CHECK(sum == Approx(1.0));
        // `best` is the most probable class.
        for (const auto& c : image.classes) CHECK(c.probability <= image.classes[size_t(image.best)].probability);
    }
}
