// core/models/resnet: architecture, names, loading (.pth / .safetensors / F16 / old files),
// golden logits, trainability.
#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <torch/nn/modules/loss.h>
#include "tests/support/catch.h"
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>

#include "core/io/safetensors.h"
#include "core/io/tensor_map.h"
#include "core/models/resnet/resnet.h"
#include "core/util/error.h"
#include "tests/resnet/resnet_test_util.h"
#include "tests/support/fixtures.h"

using namespace pictor;
using pictor::test::all_close;

namespace {

struct ManifestEntry {
    std::vector<int64_t> shape;
    std::string dtype;
};

std::vector<std::pair<std::string, ManifestEntry>> read_manifest(const std::filesystem::path& path) {
    const auto json = nlohmann::json::parse(pictor::test::read_text_file(path));
    std::vector<std::pair<std::string, ManifestEntry>> out;
    for (const auto& e : json) {
        out.push_back({e.at("name").get<std::string>(),
                       {e.at("shape").get<std::vector<int64_t>>(), e.at("dtype").get<std::string>()}});
    }
    return out;
}

std::string dtype_name(const at::Tensor& t) {
    switch (t.scalar_type()) {
        case at::kFloat:
            return "float32";
        case at::kLong:
            return "int64";
        default:
            return "other";
    }
}

int64_t count_parameters(ResNetImpl& model) {
    int64_t n = 0;
    for (const auto& p : model.parameters()) n += p.numel();
    return n;
}

TensorMap state_map(ResNetImpl& model) {
    TensorMap map;
    for (auto& [name, tensor] : resnet_state_dict(model)) map[name] = tensor.detach().clone();
    return map;
}

}  // namespace

TEST_CASE("resnet18 and resnet50 presets have exactly the torchvision state_dict names and shapes",
          "[resnet]") {
    PICTOR_REQUIRE_FIXTURES(dir, "resnet");
    const auto [preset, manifest_file] =
        GENERATE(std::make_pair(std::string("resnet18"), std::string("manifest_resnet18.json")),
                 std::make_pair(std::string("resnet50"), std::string("manifest_resnet50.json")));
    INFO(preset);
    const auto manifest = read_manifest(dir / manifest_file);
    ResNet model(ResNetConfig::preset(preset), /*init_weights=*/false);
    const auto state = resnet_state_dict(*model);
    REQUIRE(state.size() == manifest.size());
    for (size_t i = 0; i < state.size(); ++i) {
        INFO(manifest[i].first);
        // Same order as torch's state_dict(), not only the same set.
        CHECK(state[i].first == manifest[i].first);
        CHECK(state[i].second.sizes().vec() == manifest[i].second.shape);
        CHECK(dtype_name(state[i].second) == manifest[i].second.dtype);
    }
}

TEST_CASE("every preset has torchvision's parameter count and is recognised from its own weights",
          "[resnet]") {
    // Parameter counts published by torchvision (weights.meta["num_params"]).
    const auto [name, params] = GENERATE(std::make_pair(std::string("resnet18"), int64_t{11689512}),
                                         std::make_pair(std::string("resnet34"), int64_t{21797672}),
                                         std::make_pair(std::string("resnet50"), int64_t{25557032}),
                                         std::make_pair(std::string("resnet101"), int64_t{44549160}),
                                         std::make_pair(std::string("resnet152"), int64_t{60192808}));
    INFO(name);
    const ResNetConfig config = ResNetConfig::preset(name);
    ResNet model(config, /*init_weights=*/false);
    CHECK(count_parameters(*model) == params);
    CHECK(config.name() == name);
    CHECK(ResNetConfig::from_weights(state_map(*model)) == config);
}

TEST_CASE("ResNeXt and wide ResNet configs round-trip through their weights", "[resnet]") {
    ResNetConfig resnext = ResNetConfig::resnet50();  // resnext50_32x4d
    resnext.groups = 32;
    resnext.width_per_group = 4;
    ResNet model(resnext, /*init_weights=*/false);
    CHECK(count_parameters(*model) == 25028904);
    CHECK(ResNetConfig::from_weights(state_map(*model)) == resnext);
    CHECK(resnext.name() == "resnet(bottleneck,[3,4,6,3],c1000,g32x4)");

    ResNetConfig tiny{ResNetBlock::basic, {1, 2, 1, 3}, 7};
    ResNet small(tiny);
    CHECK(ResNetConfig::from_weights(state_map(*small)) == tiny);
    CHECK(tiny.name() == "resnet(basic,[1,2,1,3],c7)");
}

TEST_CASE("resnet18.pth (F32 zip checkpoint) gives torchvision's logits", "[resnet][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "resnet");
    ResNet& model = test::resnet18_fixture(dir);
    CHECK(model->config() == ResNetConfig::resnet18());
    CHECK_FALSE(model->is_training());
    const TensorMap expected = SafetensorsFile(dir / "expected.safetensors").load_all();
    c10::InferenceMode guard;
    for (const std::string v : {"v1", "v2"}) {
        INFO(v);
        const at::Tensor logits = model->forward(expected.at("preprocessed_" + v));
        CHECK(all_close(logits, expected.at("resnet18_logits_" + v), 1e-4, 0, "resnet18_logits_" + v));
        CHECK(all_close(at::softmax(logits, 1), expected.at("resnet18_probs_" + v), 1e-5, 0,
                        "resnet18_probs_" + v));
    }
    const at::Tensor argmax = model->forward(expected.at("preprocessed_v1")).argmax(1);
    CHECK(argmax[0].item<int64_t>() == 537);
    CHECK(argmax[1].item<int64_t>() == 829);
    CHECK(argmax[2].item<int64_t>() == 831);
}

TEST_CASE("the Bottleneck ResNet from F16 safetensors gives torchvision's logits", "[resnet][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "resnet");
    ResNet model = load_resnet(dir / "resnet_bottleneck_1111_c10.safetensors");
    const ResNetConfig expected_config{ResNetBlock::bottleneck, {1, 1, 1, 1}, 10};
    CHECK(model->config() == expected_config);
    CHECK(model->fc->weight.scalar_type() == at::kFloat);
    const TensorMap expected = SafetensorsFile(dir / "expected.safetensors").load_all();
    c10::InferenceMode guard;
    for (const std::string v : {"v1", "v2"}) {
        INFO(v);
        const at::Tensor logits = model->forward(expected.at("preprocessed_" + v));
        CHECK(all_close(logits, expected.at("bottleneck_logits_" + v), 1e-4, 0, "bottleneck_logits_" + v));
        CHECK(all_close(at::softmax(logits, 1), expected.at("bottleneck_probs_" + v), 1e-5, 0,
                        "bottleneck_probs_" + v));
    }
    // The loaded BatchNorm counters come from the file.
    CHECK(model->bn1->num_batches_tracked.item<int64_t>() == 2);
}

TEST_CASE("F16 weights and old checkpoints without num_batches_tracked load", "[resnet][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "resnet");
    TensorMap weights = load_weights(dir / "resnet18.pth");
    TensorMap half;
    for (const auto& [name, t] : weights) {
        // Old torchvision files (e.g. resnet18-5c106cde.pth) predate this buffer.
        if (name.size() > 20 && name.substr(name.size() - 20) == ".num_batches_tracked") continue;
        half[name] = t.is_floating_point() ? t.to(at::kHalf) : t;
    }
    REQUIRE(half.size() < weights.size());
    ResNet model = resnet_from_weights(half);
    CHECK(model->conv1->weight.scalar_type() == at::kFloat);
    CHECK(model->bn1->num_batches_tracked.item<int64_t>() == 0);  // kept the module's value
    const TensorMap expected = SafetensorsFile(dir / "expected.safetensors").load_all();
    c10::InferenceMode guard;
    // Every fixture weight is F16-representable, so the half copy loses nothing.
    CHECK(all_close(model->forward(expected.at("preprocessed_v1")), expected.at("resnet18_logits_v1"), 1e-4,
                    0, "logits from F16 weights"));
}

TEST_CASE("loading reports wrong files clearly", "[resnet]") {
    SECTION("a state_dict that is not a ResNet") {
        TensorMap bad{{"weight", at::zeros({2, 2})}};
        CHECK_THROWS_AS(ResNetConfig::from_weights(bad), Error);
    }
    SECTION("a config that does not match the weights lists the problems") {
        ResNet small(ResNetConfig{ResNetBlock::basic, {1, 1, 1, 1}, 10});
        TensorMap weights = state_map(*small);
        weights.erase("layer2.0.conv1.weight");
        weights["extra.weight"] = at::zeros({1});
        try {
            resnet_from_weights(weights, ResNetConfig{ResNetBlock::basic, {1, 1, 1, 1}, 10});
            FAIL("expected an error");
        } catch (const Error& e) {
            const std::string message = e.what();
            CHECK(message.find("layer2.0.conv1.weight") != std::string::npos);
            CHECK(message.find("extra.weight") != std::string::npos);
        }
        weights = state_map(*small);
        CHECK_THROWS_AS(resnet_from_weights(weights, ResNetConfig::resnet18()), Error);  // wrong shapes
    }
    SECTION("a garbage file names itself") {
        test::TempDir tmp;
        const auto path = tmp / "broken.pth";
        std::ofstream(path) << "this is not a checkpoint";
        try {
            load_resnet(path);
            FAIL("expected an error");
        } catch (const Error& e) {
            CHECK(std::string(e.what()).find("loading ResNet from") != std::string::npos);
            CHECK(std::string(e.what()).find("broken.pth") != std::string::npos);
        }
    }
    SECTION("bad configs and presets") {
        CHECK_THROWS_AS(ResNetConfig::preset("resnet19"), Error);
        CHECK(ResNetConfig::preset("ResNet50") == ResNetConfig::resnet50());
        ResNetConfig bad = ResNetConfig::resnet18();
        bad.groups = 2;
        CHECK_THROWS_AS(ResNet(bad), Error);
        bad = ResNetConfig::resnet18();
        bad.layers[2] = 0;
        CHECK_THROWS_AS(ResNet(bad), Error);
    }
    SECTION("a wrong input shape") {
        ResNet small(ResNetConfig{ResNetBlock::basic, {1, 1, 1, 1}, 3});
        c10::InferenceMode guard;
        CHECK_THROWS_AS(small->forward(at::zeros({1, 4, 32, 32})), Error);
        CHECK_THROWS_AS(small->forward(at::zeros({3, 32, 32})), Error);
    }
}

TEST_CASE("features are the pooled input of fc and fc can be replaced for transfer learning", "[resnet]") {
    ResNet model(ResNetConfig{ResNetBlock::bottleneck, {1, 1, 1, 1}, 10});
    // torchvision's init: Kaiming-normal (fan_out, ReLU) convs, BN weight 1 / bias 0.
    CHECK(model->conv1->weight.std().item<double>() == Approx(std::sqrt(2.0 / (64 * 49))).epsilon(0.05));
    CHECK(model->bn1->weight.eq(1).all().item<bool>());
    CHECK(model->bn1->bias.eq(0).all().item<bool>());
    model->eval();
    const at::Tensor x = at::randn({2, 3, 32, 32});
    {
        c10::InferenceMode guard;
        const at::Tensor features = model->features(x);
        CHECK(features.sizes() == at::IntArrayRef({2, 2048}));
        CHECK(all_close(model->fc(features), model->forward(x), 1e-6, 0, "fc(features)"));
    }
    CHECK_THROWS_AS(model->replace_fc(torch::nn::Linear(512, 2)), Error);
    model->replace_fc(torch::nn::Linear(2048, 2));
    CHECK(model->config().num_classes == 2);
    const auto state = resnet_state_dict(*model);
    CHECK(state.back().first == "fc.bias");
    CHECK(state.back().second.size(0) == 2);

    // Frozen backbone, trainable head: gradients reach fc only.
    for (auto& p : model->parameters()) p.set_requires_grad(false);
    for (auto& p : model->fc->parameters()) p.set_requires_grad(true);
    model->train();
    const at::Tensor logits = model->forward(x);
    CHECK(logits.sizes() == at::IntArrayRef({2, 2}));
    torch::nn::CrossEntropyLoss loss_fn;
    loss_fn(logits, at::tensor({0, 1}, at::kLong)).backward();
    CHECK(model->fc->weight.grad().defined());
    CHECK(model->fc->weight.grad().abs().sum().item<double>() > 0);
    CHECK_FALSE(model->conv1->weight.grad().defined());
    CHECK(model->bn1->num_batches_tracked.item<int64_t>() == 1);  // train-mode BN updated its statistics
}

TEST_CASE("folded-BatchNorm inference equals torchvision's logits", "[resnet][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "resnet");
    const TensorMap expected = SafetensorsFile(dir / "expected.safetensors").load_all();
    ResNet bottleneck = load_resnet(dir / "resnet_bottleneck_1111_c10.safetensors");
    const bool channels_last = GENERATE(true, false);
    INFO("channels_last " << channels_last);
    c10::InferenceMode guard;
    const ResNetInference fast18(*test::resnet18_fixture(dir), channels_last);
    const ResNetInference fast_bottleneck(*bottleneck, channels_last);
    CHECK(fast_bottleneck.config() == bottleneck->config());
    for (const std::string v : {"v1", "v2"}) {
        const at::Tensor x = expected.at("preprocessed_" + v);
        CHECK(all_close(fast18.forward(x), expected.at("resnet18_logits_" + v), 1e-4, 0,
                        "folded resnet18 " + v));
        CHECK(all_close(fast_bottleneck.forward(x), expected.at("bottleneck_logits_" + v), 1e-4, 0,
                        "folded bottleneck " + v));
    }
    CHECK(fast18.features(expected.at("preprocessed_v1")).sizes() == at::IntArrayRef({3, 512}));
    CHECK_THROWS_AS(fast18.forward(at::zeros({1, 1, 32, 32})), Error);

    // The module's channels-last mode gives the same numbers as its NCHW mode.
    ResNet module_cl = load_resnet(dir / "resnet18.pth");
    module_cl->to_channels_last();
    CHECK(all_close(module_cl->forward(expected.at("preprocessed_v1")), expected.at("resnet18_logits_v1"),
                    1e-4, 0, "channels-last module"));
}
