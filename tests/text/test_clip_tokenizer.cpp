// CLIP tokenizer: the 60 reference cases of HF CLIPTokenizer (slow, no ftfy), loading layouts,
// Unicode details of the cleaning, and bad input.
#include "tests/support/catch.h"

#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/text/clip_tokenizer.h"
#include "core/util/error.h"
#include "tests/support/fixtures.h"

namespace fs = std::filesystem;
using pictor::ClipTokenizer;
using pictor::Padding;

namespace {

const nlohmann::json& cases_file(const fs::path& dir) {
    static const nlohmann::json j = nlohmann::json::parse(pictor::test::read_text_file(dir / "tokenize_cases.json"));
    return j;
}

const ClipTokenizer& shared_tokenizer(const fs::path& dir) {
    static const ClipTokenizer tok = ClipTokenizer::load(dir);
    return tok;
}

}  // namespace

TEST_CASE("clip tokenizer: fixture header facts", "[text]") {
    PICTOR_REQUIRE_FIXTURES(dir, "clip-tokenizer");
    const auto& j = cases_file(dir);
    const ClipTokenizer& tok = shared_tokenizer(dir);
    CHECK(j["cases"].size() == 60);
    CHECK(tok.vocab_size() == j["vocab_size"].get<size_t>());
    CHECK(tok.bos_id() == j["bos_token_id"].get<int64_t>());
    CHECK(tok.eos_id() == j["eos_token_id"].get<int64_t>());
    CHECK(tok.pad_id() == j["pad_token_id"].get<int64_t>());
    CHECK(tok.model_max_length() == j["model_max_length"].get<int>());
}

TEST_CASE("clip tokenizer: matches HF CLIPTokenizer on every reference case", "[text]") {
    PICTOR_REQUIRE_FIXTURES(dir, "clip-tokenizer");
    const auto& cases = cases_file(dir)["cases"];
    const ClipTokenizer& tok = shared_tokenizer(dir);
    const size_t index = static_cast<size_t>(GENERATE(range(0, 60)));
    REQUIRE(index < cases.size());
    const auto& c = cases[index];
    const std::string text = c["text"].get<std::string>();
    INFO("case " << index << ": " << text);
    CHECK(tok.clean_text(text) == c["cleaned_text"].get<std::string>());
    CHECK(tok.tokenize(text) == c["tokens"].get<std::vector<std::string>>());
    const std::vector<int64_t> ids = tok.encode(text);
    CHECK(ids == c["input_ids"].get<std::vector<int64_t>>());
    CHECK(static_cast<int64_t>(ids.size()) == c["num_tokens"].get<int64_t>());
    const pictor::TokenizedText padded = tok.encode_padded(text, 77);
    CHECK(padded.input_ids == c["input_ids_max_length_77"].get<std::vector<int64_t>>());
    CHECK(padded.attention_mask == c["attention_mask_max_length_77"].get<std::vector<int64_t>>());
}

TEST_CASE("clip tokenizer: Unicode cleaning follows Python semantics", "[text]") {
    PICTOR_REQUIRE_FIXTURES(dir, "clip-tokenizer");
    const ClipTokenizer& tok = shared_tokenizer(dir);
    // str.lower() expands U+0130 to i + combining dot above (full case mapping, root locale).
    CHECK(tok.clean_text("\xC4\xB0stanbul") == "i\xCC\x87stanbul");
    // Final sigma: 'ΟΔΟΣ'.lower() == 'οδος' with U+03C2 at the end.
    CHECK(tok.clean_text("\xCE\x9F\xCE\x94\xCE\x9F\xCE\xA3") == "\xCE\xBF\xCE\xB4\xCE\xBF\xCF\x82");
    // U+2028 is not removed by cleaning (category Zl) but str.split() splits on it.
    CHECK(tok.clean_text("a\xE2\x80\xA8" "b") == "a b");
    // Private-use (Co) and unassigned (Cn) characters are "control" to BasicTokenizer too.
    CHECK(tok.clean_text("a\xEE\x80\x80" "b") == "ab");
    // Vertical tab is a control character: removed, not a separator.
    CHECK(tok.clean_text("a\vb") == "ab");
    // Special tokens embedded in text are split out before cleaning, upper-case ones are not.
    CHECK(tok.encode("x<|endoftext|>y") == std::vector<int64_t>{49406, 343, 49407, 344, 49407});
    CHECK(tok.encode("<|ENDOFTEXT|>") == std::vector<int64_t>{49406, 49407, 49407});
}

TEST_CASE("clip tokenizer: padding forms and batches", "[text]") {
    PICTOR_REQUIRE_FIXTURES(dir, "clip-tokenizer");
    const ClipTokenizer& tok = shared_tokenizer(dir);
    const auto batch = tok.encode_batch({"a photo of a cat", "x"}, Padding::longest);
    REQUIRE(batch.size() == 2);
    CHECK(batch[0].input_ids.size() == 7);
    CHECK(batch[1].input_ids == std::vector<int64_t>{49406, 343, 49407, 49407, 49407, 49407, 49407});
    CHECK(batch[1].attention_mask == std::vector<int64_t>{1, 1, 1, 0, 0, 0, 0});
    const auto unpadded = tok.encode_batch({"a photo of a cat", "x"}, Padding::none);
    CHECK(unpadded[1].input_ids.size() == 3);
    const auto short_form = tok.encode_padded("a photo of a cat", 4);
    CHECK(short_form.input_ids == std::vector<int64_t>{49406, 320, 1125, 49407});
    CHECK(short_form.attention_mask == std::vector<int64_t>{1, 1, 1, 1});
    CHECK_THROWS_AS(tok.encode_padded("x", 1), pictor::Error);
}

TEST_CASE("clip tokenizer: concurrent use gives the same ids", "[text]") {
    PICTOR_REQUIRE_FIXTURES(dir, "clip-tokenizer");
    const ClipTokenizer tok = ClipTokenizer::load(dir);  // fresh cache
    const auto& cases = cases_file(dir)["cases"];
    std::vector<std::vector<int64_t>> results(4);
    std::vector<std::thread> threads;
    for (size_t t = 0; t < results.size(); ++t) {
        threads.emplace_back([&, t] {
            for (const auto& c : cases) {
                const auto ids = tok.encode(c["text"].get<std::string>());
                results[t].insert(results[t].end(), ids.begin(), ids.end());
            }
        });
    }
    for (auto& th : threads) th.join();
    for (size_t t = 1; t < results.size(); ++t) CHECK(results[t] == results[0]);
}

TEST_CASE("clip tokenizer: loading from model folder layouts", "[text]") {
    PICTOR_REQUIRE_FIXTURES(dir, "clip-tokenizer");
    pictor::test::TempDir tmp;
    // Stable Diffusion layout: <model>/tokenizer/...
    fs::create_directories(tmp / "sd" / "tokenizer");
    for (const char* f : {"vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"})
        fs::create_symlink(dir / f, tmp / "sd" / "tokenizer" / f);
    CHECK(pictor::find_tokenizer_dir(tmp / "sd") == tmp / "sd" / "tokenizer");
    CHECK(pictor::load_clip_tokenizer(tmp / "sd").encode("a photo of a cat").size() == 7);
    // CLIP layout: the files beside config.json.
    CHECK(pictor::find_tokenizer_dir(dir) == dir);
    // Neither.
    CHECK_THROWS_WITH(pictor::find_tokenizer_dir(tmp.path()), Catch::Contains("vocab.json"));
    // A different pad token (SD 2 style "!") is read from tokenizer_config.json.
    fs::create_directories(tmp / "pad");
    for (const char* f : {"vocab.json", "merges.txt"}) fs::create_symlink(dir / f, tmp / "pad" / f);
    pictor::test::write_text_file(tmp / "pad" / "tokenizer_config.json", R"({"pad_token": "!", "model_max_length": 77})");
    const ClipTokenizer sd2 = ClipTokenizer::load(tmp / "pad");
    CHECK(sd2.pad_id() == 0);
    CHECK(sd2.encode_padded("x", 5).input_ids == std::vector<int64_t>{49406, 343, 49407, 0, 0});
}

TEST_CASE("clip tokenizer: bad input gives clear errors", "[text]") {
    PICTOR_REQUIRE_FIXTURES(dir, "clip-tokenizer");
    pictor::test::TempDir tmp;
    CHECK_THROWS_WITH(ClipTokenizer::load(tmp.path()), Catch::Contains("vocab.json"));

    fs::create_symlink(dir / "merges.txt", tmp / "merges.txt");
    pictor::test::write_text_file(tmp / "vocab.json", "{\"a\": 1,");
    CHECK_THROWS_WITH(ClipTokenizer::load(tmp.path()), Catch::Contains("invalid JSON") && Catch::Contains("vocab.json"));
    pictor::test::write_text_file(tmp / "vocab.json", "{\"a\": \"x\"}");
    CHECK_THROWS_WITH(ClipTokenizer::load(tmp.path()), Catch::Contains("'a'"));

    fs::remove(tmp / "vocab.json");
    fs::create_symlink(dir / "vocab.json", tmp / "vocab.json");
    fs::remove(tmp / "merges.txt");
    pictor::test::write_text_file(tmp / "merges.txt", "#version: 0.2\ni n\nthree parts here\n");
    CHECK_THROWS_WITH(ClipTokenizer::load(tmp.path()), Catch::Contains("line 3"));

    pictor::test::write_text_file(tmp / "merges.txt", "#version: 0.2\ni n\n");
    pictor::test::write_text_file(tmp / "tokenizer_config.json", R"({"pad_token": "<|nope|>"})");
    CHECK_THROWS_WITH(ClipTokenizer::load(tmp.path()), Catch::Contains("<|nope|>"));

    const ClipTokenizer& tok = shared_tokenizer(dir);
    CHECK_THROWS_WITH(tok.encode("bad \xFF byte"), Catch::Contains("UTF-8"));
}
