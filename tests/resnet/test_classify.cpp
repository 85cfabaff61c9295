// core/pipelines/classify: class names, top-k, the whole classification pipeline.
#include <ATen/ATen.h>
#include "tests/support/catch.h"
#include <nlohmann/json.hpp>

#include <sstream>

#include "core/image/image_io.h"
#include "core/io/safetensors.h"
#include "core/models/resnet/resnet.h"
#include "core/pipelines/classify.h"
#include "core/util/error.h"
#include "core/util/progress.h"
#include "tests/resnet/resnet_test_util.h"
#include "tests/support/fixtures.h"

using namespace pictor;
using pictor::test::all_close;

namespace {

std::vector<at::Tensor> fixture_images(const std::filesystem::path& dir, const nlohmann::json& info) {
    std::vector<at::Tensor> images;
    for (const auto& image : info.at("images"))
        images.push_back(read_image(dir / image.at("file").get<std::string>()));
    return images;
}

struct CountingSink : ProgressSink {
    int steps = 0;
    int cancel_after = -1;
    void on_step(int, int) override { ++steps; }
    bool cancelled() const override { return cancel_after >= 0 && steps >= cancel_after; }
};

}  // namespace

TEST_CASE("the built-in ImageNet class names are torchvision's, in index order", "[resnet][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "resnet");
    const auto& names = imagenet_class_names();
    REQUIRE(names.size() == 1000);
    std::istringstream reference(test::read_text_file(dir / "imagenet_classes.txt"));
    std::string line;
    size_t i = 0;
    while (std::getline(reference, line)) {
        INFO("index " << i);
        REQUIRE(i < names.size());
        CHECK(names[i] == line);
        ++i;
    }
    CHECK(i == 1000);
    CHECK(names[0] == "tench");
    CHECK(names[999] == "toilet tissue");
}

TEST_CASE("classify: resnet18.pth on the three images, both presets, equals torchvision",
          "[resnet][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "resnet");
    const auto info = nlohmann::json::parse(test::read_text_file(dir / "expected.json"));
    const TensorMap expected = SafetensorsFile(dir / "expected.safetensors").load_all();
    ResNet& model = test::resnet18_fixture(dir);

    const std::string v = GENERATE("v1", "v2");
    INFO(v);
    ClassifyParams params;
    params.images = fixture_images(dir, info);
    params.transform = ImagenetTransform::from_name(v);
    params.batch_size = 2;  // exercises batching: 2 + 1
    CountingSink sink;
    const ClassifyResult result = classify(*model, params, &sink);
    REQUIRE_FALSE(result.cancelled);
    CHECK(sink.steps == 2);
    CHECK(all_close(result.input, expected.at("preprocessed_" + v), 1e-5, 0, "input"));
    CHECK(all_close(result.logits, expected.at("resnet18_logits_" + v), 1e-4, 0, "logits"));
    CHECK(all_close(result.probs, expected.at("resnet18_probs_" + v), 1e-5, 0, "probs"));
    REQUIRE(result.top.size() == 3);
    const auto& top5 = info.at("resnet18_top5_" + v);
    for (size_t i = 0; i < 3; ++i) {
        REQUIRE(result.top[i].size() == 5);
        for (size_t k = 0; k < 5; ++k) {
            CHECK(result.top[i][k].name == top5[i][k].get<std::string>());
            const int index = result.top[i][k].index;
            CHECK(result.top[i][k].probability ==
                  Approx(expected.at("resnet18_probs_" + v)[i][index].item<float>()).margin(1e-5));
            if (k > 0) CHECK(result.top[i][k].probability <= result.top[i][k - 1].probability);
        }
    }
}

TEST_CASE("classify: a 10-class model gets generic names unless names are given", "[resnet][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "resnet");
    const auto info = nlohmann::json::parse(test::read_text_file(dir / "expected.json"));
    ResNet model = load_resnet(dir / "resnet_bottleneck_1111_c10.safetensors");
    ClassifyParams params;
    params.images = {read_image(dir / "images/res_img0_rgb_500x375.png")};
    params.top_k = 20;  // more than there are classes
    const ClassifyResult result = classify(*model, params);
    REQUIRE(result.top[0].size() == 10);
    CHECK(result.top[0][0].name == "class 7");  // bottleneck_probs_v1[0] peaks at index 7
    CHECK(result.top[0][0].probability ==
          Approx(info["bottleneck_probs_v1"][0][7].get<double>()).margin(1e-5));

    params.class_names = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"};
    CHECK(classify(*model, params).top[0][0].name == "h");
    params.class_names = {"only", "two"};
    CHECK_THROWS_AS(classify(*model, params), Error);
}

TEST_CASE("classify: cancel, bad input and top-k", "[resnet]") {
    ResNet model(ResNetConfig{ResNetBlock::basic, {1, 1, 1, 1}, 4});
    ClassifyParams params;
    CHECK_THROWS_AS(classify(*model, params), Error);  // no images
    params.images = {at::full({40, 30, 3}, 200, at::kByte), at::full({30, 40, 1}, 20, at::kByte)};
    params.batch_size = 1;
    params.top_k = 0;
    CHECK_THROWS_AS(classify(*model, params), Error);
    params.top_k = 2;

    CountingSink cancel;
    cancel.cancel_after = 1;
    model->train();
    const ClassifyResult cancelled = classify(*model, params, &cancel);
    CHECK(cancelled.cancelled);
    CHECK(cancelled.top.empty());
    CHECK(model->is_training());  // mode restored

    const ClassifyResult ok = classify(*model, params);
    CHECK(ok.logits.sizes() == at::IntArrayRef({2, 4}));
    CHECK(ok.top[1].size() == 2);

    params.images.push_back(at::zeros({5, 5, 3}, at::kFloat));
    CHECK_THROWS_AS(classify(*model, params), Error);

    const at::Tensor probs = at::tensor({0.1f, 0.4f, 0.1f, 0.4f});
    const auto top = top_k(probs, at::Tensor(), 3, {});
    REQUIRE(top.size() == 3);
    CHECK(top[0].index == 1);  // ties: lower index first
    CHECK(top[1].index == 3);
    CHECK(top[2].index == 0);
    CHECK(top[2].name == "class 0");
    CHECK_THROWS_AS(top_k(probs, at::Tensor(), 1, {"a"}), Error);
}

TEST_CASE("classify with the folded snapshot equals torchvision too", "[resnet][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "resnet");
    const auto info = nlohmann::json::parse(test::read_text_file(dir / "expected.json"));
    const TensorMap expected = SafetensorsFile(dir / "expected.safetensors").load_all();
    const ResNetInference fast(*test::resnet18_fixture(dir));
    ClassifyParams params;
    params.images = fixture_images(dir, info);
    const ClassifyResult result = classify(fast, params);
    CHECK(all_close(result.logits, expected.at("resnet18_logits_v1"), 1e-4, 0, "folded logits"));
    CHECK(all_close(result.probs, expected.at("resnet18_probs_v1"), 1e-5, 0, "folded probs"));
    for (size_t i = 0; i < 3; ++i)
        CHECK(result.top[i][0].name == info.at("resnet18_top5_v1")[i][0].get<std::string>());
}
