// A1111 prompt conditioning against prompt-weights/expected.safetensors: z_chunks (CLIP skip 1
// and 2), emphasis chunk means, the final cond of every case, the empty-prompt padding of a
// shorter negative (pad_cond_uncond); plain prompts = diffusers' prompt_embeds (sd-tiny-expected).
#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <torch/nn/modules/normalization.h>

#include "tests/support/catch.h"

#include <nlohmann/json.hpp>

#include "core/io/safetensors.h"
#include "core/models/clip/clip.h"
#include "core/pipelines/prompt_encoding.h"
#include "core/text/clip_tokenizer.h"
#include "core/util/error.h"
#include "tests/support/fixtures.h"

namespace fs = std::filesystem;
using namespace pictor;

namespace {

const c10::Device kCpu(c10::kCPU);

struct Fixture {
    nlohmann::json expected;
    std::unique_ptr<SafetensorsFile> tensors;
    ClipTokenizer tokenizer;
    CLIPTextModel patched{nullptr};  // sd-tiny's text encoder with the fixture's final LayerNorm
    CLIPTextModel plain{nullptr};    // sd-tiny's text encoder as it is (what diffusers ran)
};

Fixture* fixture() {
    static std::unique_ptr<Fixture> f;
    if (!f) {
        const auto root = test::require_fixtures("prompt-weights");
        if (!root) return nullptr;
        const fs::path sd_tiny = root->parent_path() / "sd-tiny";
        f = std::make_unique<Fixture>(Fixture{nlohmann::json::parse(test::read_text_file(*root / "expected.json")),
                                              std::make_unique<SafetensorsFile>(*root / "expected.safetensors"),
                                              ClipTokenizer::load(sd_tiny / "tokenizer")});
        f->plain = load_clip_text_model(sd_tiny / "text_encoder");
        f->patched = load_clip_text_model(sd_tiny / "text_encoder");
        const SafetensorsFile patch(*root / "final_layer_norm.safetensors");
        c10::InferenceMode guard;
        auto& norm = f->patched->text_model->final_layer_norm;
        norm->weight.copy_(patch.load("text_model.final_layer_norm.weight", at::kFloat));
        norm->bias.copy_(patch.load("text_model.final_layer_norm.bias", at::kFloat));
    }
    return f.get();
}

EncodedPrompt encode_one(CLIPTextModel& model, const ClipTokenizer& tok, const std::string& text, int clip_skip,
                         PromptSyntax syntax = PromptSyntax::a1111) {
    PromptEncodingOptions o;
    o.clip_skip = clip_skip;
    o.syntax = syntax;
    return encode_prompts(*model, tok, {text}, o, kCpu).at(0);
}

// One prompt against `<prefix>.tokens`, `.multipliers`, `.skip{k}.z_chunks`, `.skip{k}.cond`
// and the chunk means of `e` (a case or the positive/negative of a negative case).
void check_encoded(Fixture& f, const std::string& prompt, const nlohmann::json& e, const std::string& prefix) {
    const SafetensorsFile& t = *f.tensors;
    for (int skip : {1, 2}) {
        INFO(prefix << " clip skip " << skip);
        const std::string s = prefix + ".skip" + std::to_string(skip) + ".";
        const EncodedPrompt enc = encode_one(f.patched, f.tokenizer, prompt, skip);
        const auto n = int64_t(enc.tokens.chunks.size());
        std::vector<int64_t> ids;
        std::vector<float> mult;
        for (const PromptChunk& c : enc.tokens.chunks) {
            ids.insert(ids.end(), c.tokens.begin(), c.tokens.end());
            for (double m : c.multipliers) mult.push_back(float(m));
        }
        CHECK(test::all_close(at::tensor(ids, at::kLong).view({n, 77}), t.load(prefix + ".tokens"), 0, 0, prefix + ".tokens"));
        CHECK(test::all_close(at::tensor(mult, at::kFloat).view({n, 77}), t.load(prefix + ".multipliers"), 0, 0,
                              prefix + ".multipliers"));
        CHECK(test::all_close(enc.z_chunks, t.load(s + "z_chunks"), 1e-4, 1e-5, s + "z_chunks"));
        CHECK(test::all_close(enc.cond, t.load(s + "cond"), 1e-4, 1e-5, s + "cond"));
        const auto& means = e["skip" + std::to_string(skip) + "_chunk_means"];
        REQUIRE(means.size() == enc.means.size());
        for (size_t k = 0; k < means.size(); ++k) {
            const double original = means[k]["original_mean"].get<double>(), now = means[k]["new_mean"].get<double>();
            CHECK(enc.means[k].original_mean == Approx(original).epsilon(1e-5));
            CHECK(enc.means[k].new_mean == Approx(now).epsilon(1e-5));
        }
    }
}

}  // namespace

TEST_CASE("prompt encoding: every case as A1111 (CLIP skip 1 and 2)", "[sd][prompt][golden]") {
    Fixture* f = fixture();
    if (!f) return;
    REQUIRE(f->expected["clip_skips"] == nlohmann::json::array({1, 2}));
    for (const auto& c : f->expected["cases"]) {
        const std::string name = c["name"].get<std::string>();
        INFO("case " << name);
        check_encoded(*f, c["prompt"].get<std::string>(), c, name);
    }
}

TEST_CASE("prompt encoding: a shorter negative is padded with the empty prompt (pad_cond_uncond)", "[sd][prompt][golden]") {
    Fixture* f = fixture();
    if (!f) return;
    const auto& c = f->expected["negative_cases"][0];
    REQUIRE(c["name"] == "neg_shorter");
    const std::string prompt = c["prompt"].get<std::string>(), negative = c["negative_prompt"].get<std::string>();
    check_encoded(*f, prompt, c["positive"], "neg_shorter.pos");
    check_encoded(*f, negative, c["negative"], "neg_shorter.neg");
    const SafetensorsFile& t = *f->tensors;
    for (int skip : {1, 2}) {
        INFO("clip skip " << skip);
        const std::string s = "neg_shorter.skip" + std::to_string(skip) + ".";
        PromptEncodingOptions o;
        o.clip_skip = skip;
        const std::vector<EncodedPrompt> e = encode_prompts(*f->patched, f->tokenizer, {prompt, negative, ""}, o, kCpu);
        CHECK(test::all_close(e[2].cond, t.load(s + "empty_prompt"), 1e-4, 1e-5, s + "empty_prompt"));
        const std::vector<at::Tensor> padded = pad_to_same_length({e[0].cond, e[1].cond}, e[2].cond);
        CHECK(padded[0].sizes() == c10::IntArrayRef{1, 154, 32});
        CHECK(test::all_close(padded[0], t.load(s + "pad_cond_uncond.cond"), 1e-4, 1e-5, s + "pad_cond_uncond.cond"));
        CHECK(test::all_close(padded[1], t.load(s + "pad_cond_uncond.uncond"), 1e-4, 1e-5, s + "pad_cond_uncond.uncond"));
        // Encoded together or one by one: the same numbers (one encoder batch for all chunks).
        CHECK(test::all_close(e[0].cond, t.load("neg_shorter.pos.skip" + std::to_string(skip) + ".cond"), 1e-4, 1e-5));
    }
}

TEST_CASE("prompt encoding: plain prompts give diffusers' prompt_embeds in both syntaxes", "[sd][prompt][golden]") {
    Fixture* f = fixture();
    if (!f) return;
    const auto root = test::require_fixtures("sd-tiny-expected");
    if (!root) return;
    const SafetensorsFile diffusers(*root / "expected.safetensors");
    const at::Tensor embeds = diffusers.load("run_prompt_embeds");  // [neg0 ×2, neg1 ×2, p0 ×2, p1 ×2]
    const std::vector<std::string> texts{"blurry, low quality", "ugly, deformed", "a photo of an astronaut riding a horse on mars",
                                         "a watercolor painting of a fox in the snow"};
    for (PromptSyntax syntax : {PromptSyntax::a1111, PromptSyntax::plain}) {
        PromptEncodingOptions o;
        o.syntax = syntax;
        const std::vector<EncodedPrompt> e = encode_prompts(*f->plain, f->tokenizer, texts, o, kCpu);
        for (size_t i = 0; i < texts.size(); ++i) {
            INFO(prompt_syntax_name(syntax) << ": " << texts[i]);
            CHECK(test::all_close(e[i].cond, embeds.narrow(0, int64_t(2 * i), 1), 1e-4, 1e-4, "run_prompt_embeds"));
        }
    }
}

TEST_CASE("prompt encoding: weights change the embedding, plain syntax ignores them", "[sd][prompt]") {
    Fixture* f = fixture();
    if (!f) return;
    const EncodedPrompt weighted = encode_one(f->patched, f->tokenizer, "a (red:1.5) apple", 1);
    const EncodedPrompt literal = encode_one(f->patched, f->tokenizer, "a (red:1.5) apple", 1, PromptSyntax::plain);
    const EncodedPrompt bare = encode_one(f->patched, f->tokenizer, "a red apple", 1);
    CHECK(weighted.tokens.chunks[0].tokens == bare.tokens.chunks[0].tokens);
    CHECK(test::max_abs_diff(weighted.cond, bare.cond) > 1e-3);
    // The mean of the chunk is restored.
    CHECK(weighted.cond.mean().item<float>() == Approx(bare.cond.mean().item<float>()).epsilon(1e-5));
    CHECK(literal.tokens.chunks[0].tokens != bare.tokens.chunks[0].tokens);  // "(" ":" "1.5" ")" are tokens
    CHECK_FALSE(literal.tokens.weighted());
}

TEST_CASE("prompt encoding: CLIP skip out of range and bad padding", "[sd][prompt]") {
    Fixture* f = fixture();
    if (!f) return;
    CHECK_THROWS_WITH(encode_one(f->patched, f->tokenizer, "a fox", 0), Catch::Contains("clip skip must be between 1 and"));
    CHECK_THROWS_WITH(encode_one(f->patched, f->tokenizer, "a fox", 4), Catch::Contains("3 layers, got 4"));
    CHECK_NOTHROW(encode_one(f->patched, f->tokenizer, "a fox", 3));
    const at::Tensor empty = at::zeros({1, 77, 32});
    CHECK_THROWS_WITH(pad_cond(at::zeros({1, 154, 32}), empty, 1), Catch::Contains("does not pad to 1 chunks"));
    CHECK_THROWS_AS(pad_cond(at::zeros({1, 100, 32}), empty, 2), Error);
    CHECK(pad_cond(at::ones({2, 77, 32}), empty, 3).sizes() == c10::IntArrayRef{2, 231, 32});
}
