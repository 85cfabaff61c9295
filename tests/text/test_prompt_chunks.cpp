// A1111 chunking (tokenize_line): segment ids, 75-token chunks with comma backtracking, BREAK,
// multipliers and token counts for every case of prompt-weights/expected.json (exact), plus edge
// cases: only BREAK, a 300-token prompt, plain syntax, SD 2.x pad ids.
#include "tests/support/catch.h"

#include <nlohmann/json.hpp>

#include "core/text/clip_tokenizer.h"
#include "core/text/prompt_chunks.h"
#include "core/util/error.h"
#include "tests/support/fixtures.h"

namespace fs = std::filesystem;
using namespace pictor;

namespace {

const nlohmann::json& expected(const fs::path& dir) {
    static const nlohmann::json j = nlohmann::json::parse(test::read_text_file(dir / "expected.json"));
    return j;
}

const ClipTokenizer& tokenizer(const fs::path& dir) {
    static const ClipTokenizer tok = ClipTokenizer::load(dir.parent_path() / "sd-tiny" / "tokenizer");
    return tok;
}

// One prompt's expected object (a case, or the positive/negative of a negative case).
void check_prompt(const ClipTokenizer& tok, const std::string& prompt, const nlohmann::json& e) {
    const TokenizedPrompt t = tokenize_prompt(tok, prompt);
    // Segment ids: each parsed text tokenized alone, without bos/eos.
    REQUIRE(t.parsed.size() == e["segment_token_ids"].size());
    for (size_t i = 0; i < t.parsed.size(); ++i) {
        std::vector<int64_t> ids = tok.encode(t.parsed[i].text);
        ids = std::vector<int64_t>(ids.begin() + 1, ids.end() - 1);
        CHECK(ids == e["segment_token_ids"][i].get<std::vector<int64_t>>());
    }
    CHECK(int(t.chunks.size()) == e["num_chunks"].get<int>());
    CHECK(t.token_count == e["token_count"].get<int>());
    CHECK(t.target_token_count() == e["target_token_count"].get<int>());
    REQUIRE(t.chunks.size() == e["chunks"].size());
    for (size_t k = 0; k < t.chunks.size(); ++k) {
        INFO("chunk " << k);
        CHECK(t.chunks[k].tokens == e["chunks"][k]["tokens"].get<std::vector<int64_t>>());
        CHECK(t.chunks[k].multipliers == e["chunks"][k]["multipliers"].get<std::vector<double>>());  // exact
    }
}

}  // namespace

TEST_CASE("prompt chunks: options of the fixture are the tokenizer's", "[text][prompt][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "prompt-weights");
    const auto& o = expected(dir)["options"];
    const ClipTokenizer& tok = tokenizer(dir);
    CHECK(tok.token_to_id(",</w>") == o["comma_token"].get<int64_t>());
    CHECK(tok.bos_id() == o["id_start"].get<int64_t>());
    CHECK(tok.eos_id() == o["id_end"].get<int64_t>());
    CHECK(tok.pad_id() == o["id_pad"].get<int64_t>());
    CHECK(o["chunk_length"].get<int>() == 75);
    CHECK(o["comma_padding_backtrack"].get<int>() == 20);
}

TEST_CASE("prompt chunks: every fixture case as A1111's tokenize_line", "[text][prompt][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "prompt-weights");
    const auto& j = expected(dir);
    const ClipTokenizer& tok = tokenizer(dir);
    for (const auto& c : j["cases"]) {
        INFO("case " << c["name"].get<std::string>());
        check_prompt(tok, c["prompt"].get<std::string>(), c);
    }
    for (const auto& c : j["negative_cases"]) {
        INFO("negative case " << c["name"].get<std::string>());
        check_prompt(tok, c["prompt"].get<std::string>(), c["positive"]);
        check_prompt(tok, c["negative_prompt"].get<std::string>(), c["negative"]);
    }
}

TEST_CASE("prompt chunks: only BREAK, trailing BREAK, empty", "[text][prompt]") {
    PICTOR_REQUIRE_FIXTURES(dir, "prompt-weights");
    const ClipTokenizer& tok = tokenizer(dir);
    const std::vector<int64_t> empty_chunk = [&] {
        std::vector<int64_t> ids(77, tok.eos_id());
        ids[0] = tok.bos_id();
        return ids;
    }();
    // "BREAK" closes the (empty) first chunk; nothing follows, so that is all.
    const TokenizedPrompt only = tokenize_prompt(tok, "BREAK");
    REQUIRE(only.chunks.size() == 1);
    CHECK(only.chunks[0].tokens == empty_chunk);
    CHECK(only.token_count == 75);
    const TokenizedPrompt twice = tokenize_prompt(tok, "BREAK BREAK");
    CHECK(twice.chunks.size() == 2);
    CHECK(tokenize_prompt(tok, "red BREAK").chunks.size() == 1);
    const TokenizedPrompt empty = tokenize_prompt(tok, "");
    REQUIRE(empty.chunks.size() == 1);
    CHECK(empty.chunks[0].tokens == empty_chunk);
    CHECK(empty.token_count == 0);
    CHECK(empty.target_token_count() == 75);
    CHECK_FALSE(empty.weighted());
}

TEST_CASE("prompt chunks: a 300-token prompt takes 4 chunks, nothing is dropped", "[text][prompt]") {
    PICTOR_REQUIRE_FIXTURES(dir, "prompt-weights");
    const ClipTokenizer& tok = tokenizer(dir);
    const std::vector<std::string> words{"red", "blue", "green", "cat", "dog", "tree", "house", "sky", "river", "stone"};
    std::string prompt;
    std::vector<int64_t> all_ids;
    for (int i = 0; i < 300; ++i) {
        prompt += (i ? " " : "") + words[size_t(i) % words.size()];
        all_ids.push_back(tok.encode(words[size_t(i) % words.size()])[1]);  // one-token words
    }
    const TokenizedPrompt t = tokenize_prompt(tok, prompt);
    REQUIRE(t.chunks.size() == 4);
    CHECK(t.token_count == 300);
    CHECK(t.target_token_count() == 300);
    std::vector<int64_t> joined;
    for (const PromptChunk& c : t.chunks) {
        REQUIRE(c.tokens.size() == 77);
        CHECK(c.tokens.front() == tok.bos_id());
        CHECK(c.tokens.back() == tok.eos_id());
        joined.insert(joined.end(), c.tokens.begin() + 1, c.tokens.end() - 1);
    }
    CHECK(joined == all_ids);  // no comma: hard splits every 75 tokens

    // 301 tokens: a fifth chunk holding one token.
    const TokenizedPrompt t5 = tokenize_prompt(tok, prompt + " red");
    CHECK(t5.chunks.size() == 5);
    CHECK(t5.token_count == 301);
    CHECK(t5.target_token_count() == 375);
}

TEST_CASE("prompt chunks: backtracking off splits hard", "[text][prompt]") {
    PICTOR_REQUIRE_FIXTURES(dir, "prompt-weights");
    const auto& j = expected(dir);
    const ClipTokenizer& tok = tokenizer(dir);
    for (const auto& c : j["cases"]) {
        if (c["name"] != "long_backtrack") continue;
        const TokenizedPrompt with = tokenize_prompt(tok, c["prompt"].get<std::string>());
        const TokenizedPrompt without = tokenize_prompt(tok, c["prompt"].get<std::string>(), PromptSyntax::a1111, 0);
        REQUIRE(with.chunks.size() == 2);
        REQUIRE(without.chunks.size() == 2);
        CHECK(with.chunks[0].tokens != without.chunks[0].tokens);
        CHECK(without.chunks[0].tokens[75] != tok.eos_id());  // the first chunk is full: 75 real tokens
        CHECK(with.token_count == 105);  // 69 tokens counted as 75, then 30
        CHECK(without.token_count == 99);  // 75 + 24: every token counted once
    }
}

TEST_CASE("prompt chunks: plain syntax is diffusers' truncated window", "[text][prompt]") {
    PICTOR_REQUIRE_FIXTURES(dir, "prompt-weights");
    const ClipTokenizer& tok = tokenizer(dir);
    const std::string weighted = "a (red:1.5) apple BREAK on a table";
    const TokenizedPrompt plain = tokenize_prompt(tok, weighted, PromptSyntax::plain);
    REQUIRE(plain.chunks.size() == 1);
    CHECK(plain.chunks[0].tokens == tok.encode_padded(weighted, 77).input_ids);
    CHECK_FALSE(plain.weighted());
    CHECK((plain.parsed == std::vector<WeightedText>{{weighted, 1.0}}));
    CHECK(tokenize_prompt(tok, weighted).weighted());

    // A prompt without syntax gives diffusers' ids in either mode.
    const std::string text = "a photo of an astronaut riding a horse on mars";
    CHECK(tokenize_prompt(tok, text).chunks[0].tokens == tok.encode_padded(text, 77).input_ids);

    // Past 75 tokens plain truncates: one chunk.
    std::string long_text;
    for (int i = 0; i < 100; ++i) long_text += "cat ";
    const TokenizedPrompt truncated = tokenize_prompt(tok, long_text, PromptSyntax::plain);
    CHECK(truncated.chunks.size() == 1);
    CHECK(truncated.token_count == 75);
    CHECK(tokenize_prompt(tok, long_text).chunks.size() == 2);

    CHECK(parse_prompt_syntax("plain") == PromptSyntax::plain);
    CHECK(parse_prompt_syntax("a1111") == PromptSyntax::a1111);
    CHECK_THROWS_WITH(parse_prompt_syntax("compel"), Catch::Contains("a1111 or plain"));
}

TEST_CASE("prompt chunks: a tokenizer with its own pad id pads after the first eos (SD 2.x)", "[text][prompt]") {
    PICTOR_REQUIRE_FIXTURES(dir, "prompt-weights");
    // The sd-tiny vocabulary with SD 2.x's pad token "!" (id 0).
    test::TempDir tmp;
    const fs::path src = dir.parent_path() / "sd-tiny" / "tokenizer";
    fs::copy_file(src / "vocab.json", tmp / "vocab.json");
    fs::copy_file(src / "merges.txt", tmp / "merges.txt");
    test::write_text_file(tmp / "tokenizer_config.json", R"({"pad_token": "!", "model_max_length": 77})");
    const ClipTokenizer tok = ClipTokenizer::load(tmp.path());
    REQUIRE(tok.pad_id() == 0);
    const std::string text = "a red apple BREAK on a table";
    const TokenizedPrompt t = tokenize_prompt(tok, text);
    REQUIRE(t.chunks.size() == 2);
    CHECK(t.chunks[0].tokens == tok.encode_padded("a red apple", 77).input_ids);
    CHECK(t.chunks[1].tokens == tok.encode_padded("on a table", 77).input_ids);
    CHECK(t.chunks[1].tokens[4] == tok.eos_id());
    CHECK(t.chunks[1].tokens[5] == 0);
}
