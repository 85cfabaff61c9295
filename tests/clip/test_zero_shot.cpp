// Zero-shot scoring pipeline: golden logits/probs on clip-tiny from image files, templates,
// batching, cancellation and bad input.
#include "tests/support/catch.h"

#include <ATen/ATen.h>

#include <nlohmann/json.hpp>

#include "core/image/image_io.h"
#include "core/io/model_ref.h"
#include "core/io/safetensors.h"
#include "core/pipelines/zero_shot.h"
#include "core/util/error.h"
#include "tests/support/fixtures.h"

namespace fs = std::filesystem;
using pictor::test::all_close;

namespace {

const pictor::ClipZeroShot& tiny_clip(const fs::path& dir) {
    static const pictor::ClipZeroShot clip(pictor::load_clip_bundle(dir));
    return clip;
}

struct Fixture {
    std::vector<fs::path> images;
    std::vector<std::string> labels;
    std::vector<std::string> best;
};

Fixture read_fixture(const fs::path& dir) {
    const auto j = nlohmann::json::parse(pictor::test::read_text_file(dir / "expected.json"));
    Fixture f;
    for (const auto& image : j["images"]) f.images.push_back(dir / image["file"].get<std::string>());
    f.labels = j["labels"].get<std::vector<std::string>>();
    f.best = j["argmax_label"].get<std::vector<std::string>>();
    return f;
}

// The pipeline takes decoded images: read the files as the score job does.
void set_images(pictor::ZeroShotParams& params, const std::vector<fs::path>& files) {
    params.images.clear();
    params.image_names.clear();
    for (const auto& f : files) {
        params.images.push_back(pictor::read_image(f));
        params.image_names.push_back(f.string());
    }
}

struct CountingSink : pictor::ProgressSink {
    std::vector<std::string> stages;
    int steps = 0;
    int cancel_after_steps = -1;
    void on_stage(std::string_view s) override { stages.emplace_back(s); }
    void on_step(int, int) override { ++steps; }
    bool cancelled() const override { return cancel_after_steps >= 0 && steps >= cancel_after_steps; }
};

}  // namespace

TEST_CASE("zero-shot: image files × labels equal CLIPProcessor + CLIPModel", "[clip][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "clip-tiny");
    const Fixture f = read_fixture(dir);
    const pictor::SafetensorsFile expected(dir / "expected.safetensors");
    pictor::ZeroShotParams params;
    set_images(params, f.images);
    params.labels = f.labels;
    CountingSink sink;
    const pictor::ZeroShotResult r = tiny_clip(dir).score(params, sink);
    CHECK_FALSE(r.cancelled);
    CHECK(all_close(r.pixel_values, expected.load("pixel_values"), 1e-5, 0, "pixel_values"));
    CHECK(all_close(r.text_embeds, expected.load("text_embeds"), 1e-4, 0, "text_embeds"));
    CHECK(all_close(r.image_embeds, expected.load("image_embeds"), 1e-4, 0, "image_embeds"));
    CHECK(all_close(r.logits_per_image, expected.load("logits_per_image"), 2e-3, 0, "logits_per_image"));
    CHECK(all_close(r.probs, expected.load("probs"), 1e-4, 0, "probs"));
    REQUIRE(r.images.size() == 3);
    for (size_t i = 0; i < 3; ++i) {
        CHECK(r.images[i].source == f.images[i].string());
        CHECK(r.images[i].best_label() == f.best[i]);
        REQUIRE(r.images[i].labels.size() == 4);
        CHECK(r.images[i].labels[1].label == "a photo of a dog");
        CHECK(r.images[i].labels[1].prob == Approx(r.probs[i][1].item<float>()));
    }
    CHECK(sink.stages == std::vector<std::string>{"preprocessing images", "encoding labels", "encoding images"});
    CHECK(sink.steps == 1 + 3);
}

TEST_CASE("zero-shot: templates, decoded images and text batching give the same numbers", "[clip][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "clip-tiny");
    const Fixture f = read_fixture(dir);
    const pictor::SafetensorsFile expected(dir / "expected.safetensors");
    // "a photo of a dog" == template "a photo of a {}" with label "dog", etc.
    pictor::ZeroShotParams params;
    params.images = {pictor::read_image(f.images[0]), pictor::read_image(f.images[1]), pictor::read_image(f.images[2])};
    params.image_names = {"zero", "one", "two"};
    params.labels = {" watercolor painting of a fox", " photo of a dog", "n oil painting of a fox", " photo of a fox"};
    params.prompt_template = "a{}";
    params.text_batch_size = 1;  // one label per text forward (padding differs per batch)
    const pictor::ZeroShotResult r = tiny_clip(dir).score(params);
    CHECK(r.images[0].labels[2].prompt == "an oil painting of a fox");
    CHECK(r.images[2].source == "two");
    CHECK(all_close(r.logits_per_image, expected.load("logits_per_image"), 2e-3, 0, "logits_per_image (batch 1)"));
    CHECK(all_close(r.probs, expected.load("probs"), 1e-4, 0, "probs (batch 1)"));

    CHECK(pictor::ClipZeroShot::make_prompts({"fox"}, "{} and {}") == std::vector<std::string>{"fox and fox"});
    CHECK(pictor::ClipZeroShot::make_prompts({"fox"}, "") == std::vector<std::string>{"fox"});
    // Many labels: any number works; one label gives probability 1.
    params.labels = {"fox"};
    const auto one = tiny_clip(dir).score(params);
    CHECK(one.probs.sizes() == at::IntArrayRef({3, 1}));
    CHECK(one.images[1].labels[0].prob == Approx(1.0f));
    std::vector<std::string> many;
    for (int i = 0; i < 70; ++i) many.push_back("label number " + std::to_string(i));
    params.labels = many;
    params.text_batch_size = 64;
    CHECK(tiny_clip(dir).score(params).logits_per_image.sizes() == at::IntArrayRef({3, 70}));
}

TEST_CASE("zero-shot: bad input and cancellation", "[clip]") {
    PICTOR_REQUIRE_FIXTURES(dir, "clip-tiny");
    const Fixture f = read_fixture(dir);
    const auto& clip = tiny_clip(dir);
    pictor::ZeroShotParams params;
    set_images(params, {f.images[0]});
    CHECK_THROWS_WITH(clip.score(params), Catch::Contains("label list is empty"));
    params.labels = {"fox"};
    params.prompt_template = "a photo";
    CHECK_THROWS_WITH(clip.score(params), Catch::Contains("{}"));
    params.prompt_template.clear();
    // An image the processor cannot take is named (unreadable files are the score job's: test_jobs).
    params.images = {at::zeros({4, 4, 5}, at::kByte)};
    params.image_names = {"five-channels"};
    CHECK_THROWS_WITH(clip.score(params), Catch::Contains("five-channels"));
    pictor::test::TempDir tmp;
    params.images.clear();
    params.image_names.clear();
    CHECK_THROWS_WITH(clip.score(params), Catch::Contains("at least one image"));

    set_images(params, f.images);
    CountingSink sink;
    sink.cancel_after_steps = 1;  // after the label batch
    const auto r = clip.score(params, sink);
    CHECK(r.cancelled);
    CHECK(r.images.empty());

    CHECK_THROWS_WITH(pictor::load_clip_bundle(tmp.path()), Catch::Contains("loading CLIP from"));
}

TEST_CASE("zero-shot: a Hugging Face cache reference loads the snapshot folder", "[clip][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "clip-tiny");
    const Fixture f = read_fixture(dir);
    pictor::test::TempDir tmp;
    const std::string commit(40, 'a');
    const fs::path repo = tmp / "hub" / "models--openai--clip-tiny";
    fs::create_directories(repo / "refs");
    fs::create_directories(repo / "snapshots" / commit);
    pictor::test::write_text_file(repo / "refs" / "main", commit);
    for (const char* name : {"config.json", "model.safetensors", "vocab.json", "merges.txt", "preprocessor_config.json",
                             "tokenizer_config.json", "special_tokens_map.json"})
        fs::create_symlink(dir / name, repo / "snapshots" / commit / name);
    const char* old = std::getenv("HF_HUB_CACHE");
    const std::string saved = old ? old : "";
    setenv("HF_HUB_CACHE", (tmp / "hub").c_str(), 1);
    pictor::ZeroShotParams params;
    set_images(params, f.images);
    params.labels = f.labels;
    const pictor::ClipZeroShot cached(pictor::load_clip_bundle(pictor::resolve_model_ref("openai/clip-tiny").path));
    const auto r = cached.score(params);
    CHECK(all_close(r.probs, pictor::SafetensorsFile(dir / "expected.safetensors").load("probs"), 1e-4, 0, "probs (HF cache)"));
    // A single weight file or a repo that is not cached: the score job's errors (test_jobs).
    if (old) setenv("HF_HUB_CACHE", saved.c_str(), 1); else unsetenv("HF_HUB_CACHE");
}
