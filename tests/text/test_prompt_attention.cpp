// A1111 prompt attention syntax: every case of prompt-weights/expected.json (the output of A1111's
// own parse_prompt_attention), and edge cases whose expected values were produced by the same
// reference function (prompt_parser.py at 28bd8e14).
#include "tests/support/catch.h"

#include <nlohmann/json.hpp>

#include "core/text/prompt_attention.h"
#include "core/util/error.h"
#include "tests/support/fixtures.h"

namespace fs = std::filesystem;
using pictor::WeightedText;
using pictor::parse_prompt_attention;

namespace {

const nlohmann::json& expected(const fs::path& dir) {
    static const nlohmann::json j = nlohmann::json::parse(pictor::test::read_text_file(dir / "expected.json"));
    return j;
}

std::vector<WeightedText> parsed_of(const nlohmann::json& parsed) {
    std::vector<WeightedText> out;
    for (const auto& item : parsed) out.push_back({item[0].get<std::string>(), item[1].get<double>()});
    return out;
}

std::string show(const std::vector<WeightedText>& segments) {
    std::string s;
    for (const auto& w : segments) s += "[" + nlohmann::json(w.text).dump() + ", " + nlohmann::json(w.weight).dump() + "] ";
    return s;
}

void check_parse(const std::string& prompt, const std::vector<WeightedText>& want) {
    const std::vector<WeightedText> got = parse_prompt_attention(prompt);
    INFO("prompt " << nlohmann::json(prompt).dump() << "\n  got  " << show(got) << "\n  want " << show(want));
    CHECK((got == want));  // weights compared exactly
}

}  // namespace

TEST_CASE("prompt attention: every fixture case as A1111's parse_prompt_attention", "[text][prompt][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "prompt-weights");
    const auto& j = expected(dir);
    REQUIRE(j["cases"].size() == 24);
    for (const auto& c : j["cases"]) {
        INFO("case " << c["name"].get<std::string>());
        CHECK(pictor::strip_trailing_space(c["prompt"].get<std::string>()) == c["encoder_text"].get<std::string>());
        check_parse(c["encoder_text"].get<std::string>(), parsed_of(c["parsed"]));
    }
    for (const auto& c : j["negative_cases"]) {
        INFO("negative case " << c["name"].get<std::string>());
        check_parse(c["positive"]["encoder_text"].get<std::string>(), parsed_of(c["positive"]["parsed"]));
        check_parse(c["negative"]["encoder_text"].get<std::string>(), parsed_of(c["negative"]["parsed"]));
    }
}

TEST_CASE("prompt attention: exact weights of nested brackets", "[text][prompt]") {
    // Multiplied in closing order, in double: 1.1 * 1.1 is not 1.21.
    check_parse("((a))", {{"a", 1.1 * 1.1}});
    CHECK(parse_prompt_attention("((a))")[0].weight == 1.2100000000000002);
    check_parse("[[a]]", {{"a", 0.8264462809917354}});
    check_parse("((a) b:0.5) c", {{"a", 0.55}, {" b", 0.5}, {" c", 1.0}});
    check_parse("(a: +2 )", {{"a", 2.0}});
    check_parse("(a:-.5)", {{"a", -0.5}});
    check_parse("(a:1.)", {{"a", 1.0}});
}

TEST_CASE("prompt attention: unbalanced brackets and stray weights are A1111's", "[text][prompt]") {
    check_parse("(a:1.5", {{"a:1.5", 1.1}});      // the weight needs its ')': the open '(' applies to the end
    check_parse("a:1.5) b", {{"a:1.5) b", 1.0}});  // a weight with no '(' open is text
    check_parse("x) (y", {{"x) ", 1.0}, {"y", 1.1}});
    check_parse(":", {{":", 1.0}});
    check_parse("(:2)", {{"", 1.0}});  // a weight over nothing
    // Prompt editing is not this parser's: [a:b:0.5] reads as de-emphasised text.
    check_parse("[a:b:0.5]", {{"a:b:0.5", 0.9090909090909091}});
}

TEST_CASE("prompt attention: escapes and lone backslashes", "[text][prompt]") {
    check_parse(R"(\(literal\])", {{"(literal]", 1.0}});
    check_parse(R"(a\)", {{"a", 1.0}});  // a lone trailing '\' adds ""
    check_parse(R"(\\\\()", {{R"(\\)", 1.0}});
    check_parse(R"(a\b)", {{"ab", 1.0}});
}

TEST_CASE("prompt attention: BREAK is an upper-case whole word", "[text][prompt]") {
    const WeightedText marker{"BREAK", -1.0};
    CHECK(pictor::is_break_marker(marker));
    check_parse("BREAK", {{"", 1.0}, marker, {"", 1.0}});
    check_parse("a BREAK", {{"a", 1.0}, marker, {"", 1.0}});
    check_parse("a BREAK BREAK b", {{"a", 1.0}, marker, {"", 1.0}, marker, {"b", 1.0}});
    check_parse("a  BREAK\n b", {{"a", 1.0}, marker, {"b", 1.0}});
    check_parse("a,BREAK,b", {{"a,", 1.0}, marker, {",b", 1.0}});
    check_parse("a break b", {{"a break b", 1.0}});
    check_parse("xBREAK y", {{"xBREAK y", 1.0}});
    check_parse("a_BREAK b", {{"a_BREAK b", 1.0}});
    check_parse("1BREAK2", {{"1BREAK2", 1.0}});
    check_parse("\xc3\xa9" "BREAK y", {{"\xc3\xa9" "BREAK y", 1.0}});  // é is a word character
    // Inside brackets the marker's -1 is multiplied: it is then the word "break".
    check_parse("(a BREAK b)", {{"a", 1.1}, {"BREAK", -1.1}, {"b", 1.1}});
    CHECK_FALSE(pictor::is_break_marker({"BREAK", -1.1}));
    check_parse("(BREAK:-1)", {{"", -1.0}, {"BREAK", 1.0}, {"", -1.0}});
}

TEST_CASE("prompt attention: empty text, trailing space, bad input", "[text][prompt]") {
    check_parse("", {{"", 1.0}});
    check_parse("()", {{"", 1.0}});
    CHECK(pictor::strip_trailing_space("a b \t\n") == "a b");
    CHECK(pictor::strip_trailing_space("a\xc2\xa0") == "a");  // U+00A0 is Python whitespace
    CHECK(pictor::strip_trailing_space("   ") == "");
    CHECK_THROWS_WITH(parse_prompt_attention("(x:1.2.3)"), Catch::Contains("weight '1.2.3' is not a number"));
    CHECK_THROWS_WITH(parse_prompt_attention("(x:.)"), Catch::Contains("weight '.'"));
    CHECK_THROWS_AS(parse_prompt_attention("a \xff b"), pictor::Error);
}

TEST_CASE("prompt attention: spans locate the weighted text for highlighting", "[text][prompt]") {
    using pictor::WeightedSpan;
    const std::string text = R"(a ((red)) \(x\) [dim] BREAK (b BREAK c:1.5) d)";
    const std::vector<WeightedSpan> spans = pictor::prompt_attention_spans(text);
    std::vector<std::string> pieces;
    for (const WeightedSpan& s : spans) pieces.push_back(text.substr(s.begin, s.end - s.begin));
    CHECK(pieces == std::vector<std::string>{"a ", "red", " ", R"(\()", "x", R"(\))", " ", "dim", "BREAK", "b", "BREAK", "c",
                                             " d"});  // " BREAK " is one match: its spaces go with it
    REQUIRE(spans.size() == 13);
    CHECK(spans[1].weight == 1.1 * 1.1);
    CHECK(spans[7].weight == 1.0 / 1.1);
    CHECK(spans[8].is_break);
    CHECK(spans[8].weight == -1.0);
    CHECK_FALSE(spans[10].is_break);  // inside brackets: the word "break"
    CHECK(spans[10].weight == -1.5);
    CHECK(spans[9].weight == 1.5);
    CHECK(spans[12].weight == 1.0);
    // Spans and the merged parse agree on the text.
    std::string joined, merged;
    for (const WeightedSpan& s : spans)
        if (!s.is_break) joined += text.substr(s.begin, s.end - s.begin);
    for (const WeightedText& w : parse_prompt_attention(text))
        if (!pictor::is_break_marker(w)) merged += w.text;
    CHECK(joined.size() > merged.size());  // escapes are two bytes in the text, one in the parse
    CHECK(pictor::prompt_attention_spans("").empty());
}
