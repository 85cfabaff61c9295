// The fourth job end to end on the tiny fixtures: sd-tiny generates a 2-class dataset of 64×64
// images, ResNet18 (fixtures/resnet/resnet18.pth) trains 2 epochs on it, the classifier is
// exported, and predict on the export equals the in-memory model.
#include "tests/support/catch.h"

#include <ATen/ATen.h>

#include <fstream>

#include "core/image/image_io.h"
#include "core/pipelines/classify.h"
#include "core/training/classifier_export.h"
#include "core/training/dataset_builder.h"
#include "core/training/trainer.h"
#include "core/util/error.h"
#include "tests/support/fixtures.h"

using namespace pictor;

namespace {

class CountingSink : public ProgressSink {
public:
    void on_step(int step, int total) override {
        last_step = step;
        last_total = total;
    }
    bool cancelled() const override { return cancel_at >= 0 && last_step >= cancel_at; }
    int last_step = 0, last_total = 0, cancel_at = -1;
};

DatasetParams tiny_params() {
    DatasetParams p;
    p.classes = {{"fox", {"a watercolor painting of a fox", "a fox in the snow"}, "blurry"},
                 {"dog", {"a watercolor painting of a dog"}, "blurry"}};
    p.per_class = 3;
    p.steps = 2;
    p.width = p.height = 64;
    p.base_seed = 5;
    p.model_reference = "sd-tiny";
    return p;
}

}  // namespace

TEST_CASE("dataset builder: layout, seeds, resume, and training on the result", "[training][dataset][e2e]") {
    PICTOR_REQUIRE_FIXTURES(sd_dir, "sd-tiny");
    PICTOR_REQUIRE_FIXTURES(resnet, "resnet");
    test::TempDir dir;
    StableDiffusion sd = load_stable_diffusion(sd_dir);
    const DatasetParams params = tiny_params();

    // A cancel after 2 images leaves exactly those 2 complete files.
    CountingSink cancelling;
    cancelling.cancel_at = 2;
    const DatasetResult partial = build_dataset(sd, params, dir / "data", cancelling);
    CHECK(partial.cancelled);
    CHECK(partial.generated == 2);

    CountingSink sink;
    const DatasetResult result = build_dataset(sd, params, dir / "data", sink);
    CHECK_FALSE(result.cancelled);
    CHECK(result.skipped == 2);
    CHECK(result.generated == 4);
    CHECK(sink.last_step == 6);
    CHECK(std::filesystem::exists(dir / "data" / "dataset.yaml"));
    const std::filesystem::path first = dataset_image_path(dir / "data", "fox", 1);
    CHECK(first.filename() == "fox_0001.png");
    REQUIRE(std::filesystem::exists(first));
    // The PNG records the prompt (image 1 uses the class's second prompt) and the derived seed.
    const auto text = read_png_text(first);
    REQUIRE(text.count("parameters"));
    CHECK_THAT(text.at("parameters"), Catch::StartsWith("a fox in the snow\nNegative prompt: blurry\n"));
    CHECK_THAT(text.at("parameters"), Catch::Contains("Seed: " + std::to_string(dataset_image_seed(5, 0, 1))));
    const at::Tensor image = read_image(first);
    CHECK(image.sizes() == at::IntArrayRef({64, 64, 3}));

    // The same image again from its seed: the dataset can be regenerated exactly.
    Txt2ImgParams again;
    again.prompts = {"a fox in the snow"};
    again.negative_prompts = {"blurry"};
    again.num_inference_steps = 2;
    again.width = again.height = 64;
    again.seed = dataset_image_seed(5, 0, 1);
    CountingSink quiet;
    const Txt2ImgResult regenerated = txt2img(sd, again, quiet);
    CHECK(at::equal(float_to_u8(regenerated.images[0]), image));

    // Other settings into the same folder are refused.
    DatasetParams other = params;
    other.steps = 3;
    CHECK_THROWS_WITH(build_dataset(sd, other, dir / "data", sink), Catch::Contains("other classes, prompts or settings"));

    // Train 2 epochs on the generated images, export, predict.
    const ImageFolder data = scan_image_folder(dir / "data");
    CHECK(data.classes == std::vector<std::string>{"dog", "fox"});
    ResNet model = load_resnet(resnet / "resnet18.pth");
    TrainParams train;
    train.epochs = 2;
    train.batch_size = 2;
    train.split = 0.67;
    const TrainResult trained = train_classifier(*model, data, train);
    REQUIRE(trained.history.size() == 2);
    export_classifier(dir / "clf", *model, trained.classes, ImagenetTransform::v1());
    ExportedClassifier loaded = load_classifier(dir / "clf");
    std::vector<at::Tensor> images{image, read_image(dataset_image_path(dir / "data", "dog", 0))};
    const auto predictions = predict(loaded, images);
    ClassifyParams in_memory;
    in_memory.images = images;
    in_memory.class_names = trained.classes;
    const ClassifyResult expected = classify(*model, in_memory);
    for (size_t i = 0; i < 2; ++i) {
        for (size_t c = 0; c < 2; ++c) {
            CHECK(predictions[i].probabilities[c] ==
                  Approx(expected.probs[static_cast<int64_t>(i)][static_cast<int64_t>(c)].item<float>()).margin(1e-6));
        }
    }
}

TEST_CASE("dataset builder rejects bad parameters before generating", "[training][dataset]") {
    PICTOR_REQUIRE_FIXTURES(sd_dir, "sd-tiny");
    test::TempDir dir;
    StableDiffusion sd = load_stable_diffusion(sd_dir);
    CountingSink sink;
    DatasetParams p = tiny_params();
    p.classes[1].name = "fox";
    CHECK_THROWS_WITH(build_dataset(sd, p, dir / "d", sink), Catch::Contains("given twice"));
    p = tiny_params();
    p.classes[0].name = "../evil";
    CHECK_THROWS_AS(build_dataset(sd, p, dir / "d", sink), Error);
    p = tiny_params();
    p.per_class = 0;
    CHECK_THROWS_WITH(build_dataset(sd, p, dir / "d", sink), Catch::Contains("at least 1"));
    p = tiny_params();
    p.classes[0].prompts.clear();
    CHECK_THROWS_WITH(build_dataset(sd, p, dir / "d", sink), Catch::Contains("no prompt"));
    CHECK_FALSE(std::filesystem::exists(dir / "d"));
}
