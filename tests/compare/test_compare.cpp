// core/pipelines/compare: ImageNet object groups and the CLIP-vs-ResNet comparison.
#include <ATen/ATen.h>
#include "tests/support/catch.h"

#include "core/image/image_io.h"
#include "core/io/safetensors.h"
#include "core/models/resnet/resnet.h"
#include "core/pipelines/classify.h"
#include "core/pipelines/compare.h"
#include "core/pipelines/zero_shot.h"
#include "core/util/error.h"
#include "core/util/progress.h"
#include "tests/support/fixtures.h"

using namespace pictor;
using pictor::test::all_close;

namespace {

int group_index(const std::vector<ImagenetGroup>& groups, const std::string& name) {
    for (size_t i = 0; i < groups.size(); ++i) {
        if (groups[i].name == name) return static_cast<int>(i);
    }
    FAIL("no group " << name);
    return -1;
}

std::vector<std::string> mentioned(const std::string& label) {
    std::vector<std::string> names;
    for (const int g : groups_mentioned(label, imagenet_groups())) names.push_back(imagenet_groups()[g].name);
    return names;
}

}  // namespace

TEST_CASE("the built-in ImageNet groups", "[compare]") {
    const auto& groups = imagenet_groups();
    REQUIRE(groups.size() >= 10);
    const auto& dog = groups[group_index(groups, "dog")];
    CHECK(dog.indices.size() == 118);
    CHECK(dog.indices.front() == 151);
    CHECK(dog.indices.back() == 268);
    CHECK(groups[group_index(groups, "fox")].indices == std::vector<int>{277, 278, 279, 280});
    const auto& names = imagenet_class_names();
    CHECK(names[277] == "red fox");
    CHECK(names[280] == "grey fox");
    for (const int i : groups[group_index(groups, "cat")].indices) {
        INFO(names[i]);
        CHECK(
            (names[i].find("cat") != std::string::npos || names[i] == "tabby" || names[i] == "Persian cat"));
    }
}

TEST_CASE("labels name objects as whole words, plurals included, longest match first", "[compare]") {
    CHECK(mentioned("a watercolor painting of a fox") == std::vector<std::string>{"fox"});
    CHECK(mentioned("A photo of a DOG.") == std::vector<std::string>{"dog"});
    CHECK(mentioned("two puppies?") == std::vector<std::string>{});  // "puppies" is not puppy+s/es
    CHECK(mentioned("dogs chasing foxes") == std::vector<std::string>{"dog", "fox"});
    CHECK(mentioned("a fox and another fox") == std::vector<std::string>{"fox"});
    CHECK(mentioned("a big cat in the grass") == std::vector<std::string>{"big cat"});
    CHECK(mentioned("a cat on a mat") == std::vector<std::string>{"cat"});
    CHECK(mentioned("a lion") == std::vector<std::string>{"big cat"});
    CHECK(mentioned("foxglove and catalogue") == std::vector<std::string>{});
    CHECK(mentioned("an oil painting") == std::vector<std::string>{});
    CHECK(mentioned("") == std::vector<std::string>{});
}

TEST_CASE("group files are validated", "[compare]") {
    const auto ok = parse_imagenet_groups(
        R"({"groups": [{"name": "fox", "synonyms": ["Red Fox"], "ranges": [[2, 3]], "indices": [0, 2]}]})",
        4);
    REQUIRE(ok.size() == 1);
    CHECK(ok[0].indices == std::vector<int>{0, 2, 3});
    CHECK(ok[0].words == std::vector<std::string>{"red fox", "fox"});
    CHECK(group_probability(at::tensor({0.1f, 0.2f, 0.3f, 0.4f}), ok[0]) == Approx(0.8f));
    const char* bad[] = {
        "not json",
        R"([])",
        R"({"groups": [{"synonyms": ["x"], "indices": [1]}]})",
        R"({"groups": [{"name": "x", "indices": [4]}]})",
        R"({"groups": [{"name": "x", "indices": [-1]}]})",
        R"({"groups": [{"name": "x", "ranges": [[3, 1]]}]})",
        R"({"groups": [{"name": "x", "ranges": [[1]]}]})",
        R"({"groups": [{"name": "x"}]})",
        R"({"groups": [{"name": "x", "indices": [1]}, {"name": "x", "indices": [2]}]})",
        R"({"groups": [{"name": "x", "indices": ["1"]}]})",
        R"({"groups": [{"name": "x", "synonyms": [3], "indices": [1]}]})",
        R"({"groups": [{"name": "  ", "indices": [1]}]})",
    };
    for (const char* text : bad) {
        INFO(text);
        CHECK_THROWS_AS(parse_imagenet_groups(text, 4), Error);
    }
}

TEST_CASE("compare: tiny CLIP + resnet18 on one image", "[compare][golden]") {
    PICTOR_REQUIRE_FIXTURES(clip_dir, "clip-tiny");
    PICTOR_REQUIRE_FIXTURES(resnet_dir, "resnet");
    const ClipZeroShot clip(load_clip_bundle(clip_dir));
    ResNet resnet = load_resnet(resnet_dir / "resnet18.pth");
    const TensorMap clip_expected = SafetensorsFile(clip_dir / "expected.safetensors").load_all();

    CompareParams params;
    params.image = read_image(clip_dir / "images/img0_rgb_320x240.png");
    params.image_name = "img0";
    // The CLIP fixture's labels, so CLIP's side is checked against transformers' probabilities.
    params.labels = {"a watercolor painting of a fox", "a photo of a dog", "an oil painting of a fox",
                     "a photo of a fox"};
    params.transform = ImagenetTransform::v1();
    CancelFlagSink sink;
    const CompareResult result = compare(clip, *resnet, params, &sink);
    REQUIRE_FALSE(result.cancelled);

    // CLIP side: transformers' probabilities for image 0.
    CHECK(all_close(result.clip_probs, clip_expected.at("probs")[0], 1e-4, 0, "clip probs"));
    REQUIRE(result.labels.size() == 4);
    CHECK(result.labels[1].objects == std::vector<std::string>{"dog"});
    CHECK(result.labels[3].objects == std::vector<std::string>{"fox"});
    CHECK(result.clip_best == result.clip_probs.argmax().item<int64_t>());

    // ResNet side: the same as classifying the image on its own.
    ClassifyParams cp;
    cp.images = {params.image};
    cp.transform = params.transform;
    const ClassifyResult alone = classify(*resnet, cp);
    CHECK(all_close(result.resnet_probs, alone.probs[0], 1e-6, 0, "resnet probs"));
    REQUIRE(result.resnet_top.size() == 5);
    for (size_t k = 0; k < 5; ++k) CHECK(result.resnet_top[k].name == alone.top[0][k].name);

    // Objects: fox (labels 0, 2, 3) and dog (label 1), in order of first mention.
    REQUIRE(result.objects.size() == 2);
    const ObjectAgreement& fox = result.objects[0];
    const ObjectAgreement& dog = result.objects[1];
    CHECK(fox.object == "fox");
    CHECK(dog.object == "dog");
    CHECK(fox.labels == std::vector<int>{0, 2, 3});
    CHECK(dog.labels == std::vector<int>{1});
    const at::Tensor cprobs = clip_expected.at("probs")[0];
    CHECK(fox.clip_probability == Approx((cprobs[0] + cprobs[2] + cprobs[3]).item<float>()).margin(1e-4));
    CHECK(dog.clip_probability == Approx(cprobs[1].item<float>()).margin(1e-4));
    const at::Tensor rprobs = alone.probs[0];
    CHECK(fox.resnet_probability == Approx(rprobs.slice(0, 277, 281).sum().item<float>()).margin(1e-6));
    CHECK(dog.resnet_probability == Approx(rprobs.slice(0, 151, 269).sum().item<float>()).margin(1e-6));
    REQUIRE(fox.resnet_classes.size() == 3);
    CHECK(fox.resnet_classes[0].index >= 277);
    CHECK(fox.resnet_classes[0].index <= 280);
    CHECK(fox.resnet_classes[0].probability == Approx(rprobs.slice(0, 277, 281).max().item<float>()));
    CHECK(fox.resnet_classes[0].name == imagenet_class_names()[fox.resnet_classes[0].index]);

    const std::string clip_winner = fox.clip_probability > dog.clip_probability ? "fox" : "dog";
    const std::string resnet_winner = fox.resnet_probability > dog.resnet_probability ? "fox" : "dog";
    CHECK(result.clip_object == clip_winner);
    CHECK(result.resnet_object == resnet_winner);
    CHECK(result.objects_agree() == (clip_winner == resnet_winner));
}

TEST_CASE("compare: bad input and cancel", "[compare][golden]") {
    PICTOR_REQUIRE_FIXTURES(clip_dir, "clip-tiny");
    PICTOR_REQUIRE_FIXTURES(resnet_dir, "resnet");
    const ClipZeroShot clip(load_clip_bundle(clip_dir));
    ResNet resnet = load_resnet(resnet_dir / "resnet18.pth");
    CompareParams params;
    params.image = at::full({64, 48, 3}, 90, at::kByte);
    CHECK_THROWS_AS(compare(clip, *resnet, params), Error);  // no labels
    params.labels = {"a photo of a cat", "a drawing"};

    CancelFlagSink cancel;
    cancel.cancel();
    CHECK(compare(clip, *resnet, params, &cancel).cancelled);

    const CompareResult ok = compare(clip, *resnet, params);
    REQUIRE(ok.objects.size() == 1);
    CHECK(ok.objects[0].object == "cat");
    CHECK(ok.labels[1].objects.empty());
    CHECK(ok.clip_object == "cat");

    ResNet ten = load_resnet(resnet_dir / "resnet_bottleneck_1111_c10.safetensors");
    CHECK_THROWS_AS(compare(clip, *ten, params), Error);  // not an ImageNet classifier
}
