// config.json parsing: typed accessors, defaults for absent keys, errors naming file and key.
#include "tests/support/catch.h"

#include <cmath>
#include <limits>

#include "core/io/json_config.h"
#include "core/util/error.h"
#include "tests/support/fixtures.h"

using pictor::JsonConfig;

TEST_CASE("json config typed accessors and defaults") {
    const JsonConfig c = JsonConfig::parse(R"({
        "hidden_size": 32, "eps": 1e-5, "scale": 2, "whole": 3.0, "act": "quick_gelu", "flag": true,
        "dims": [1, 2, 3], "means": [0.5, 1], "names": ["a", "b"], "nothing": null,
        "text_config": {"hidden_size": 64}})",
                                           "cfg.json");
    CHECK(c.source() == "cfg.json");
    CHECK(c.get_int("hidden_size", 0) == 32);
    CHECK(c.get_int("absent", 7) == 7);
    CHECK(c.get_int("nothing", 7) == 7);  // null counts as absent (Python's None)
    CHECK(c.get_int("whole", 0) == 3);
    CHECK(c.get_double("eps", 0) == 1e-5);
    CHECK(c.get_double("scale", 0) == 2.0);
    CHECK(c.get_bool("flag", false));
    CHECK(c.get_string("act", "") == "quick_gelu");
    CHECK(c.get_int_list("dims", {}) == std::vector<int64_t>{1, 2, 3});
    CHECK(c.get_double_list("means", {}) == std::vector<double>{0.5, 1.0});
    CHECK(c.get_string_list("names", {}) == std::vector<std::string>{"a", "b"});
    CHECK(c.get_string_list("absent", {"x"}) == std::vector<std::string>{"x"});
    CHECK(c.has("act"));
    CHECK_FALSE(c.has("nothing"));
    CHECK(c.require_int("hidden_size") == 32);
    CHECK(c.child("text_config").get_int("hidden_size", 0) == 64);
    CHECK(c.child("vision_config").get_int("hidden_size", 768) == 768);  // absent child: defaults
    CHECK(JsonConfig().get_int("x", 5) == 5);
}

TEST_CASE("json config wrong types name the file and the key") {
    const JsonConfig c = JsonConfig::parse(
        R"({"n": "32", "f": 2.5, "b": 1, "l": [1, "x"], "s": 3, "o": 4, "d": [0.5, "y"], "sl": [1]})", "cfg.json");
    CHECK_THROWS_WITH(c.get_int("n", 0), Catch::Contains("cfg.json") && Catch::Contains("\"n\"") &&
                                             Catch::Contains("integer"));
    CHECK_THROWS_WITH(c.get_int("f", 0), Catch::Contains("\"f\""));
    CHECK_THROWS_WITH(c.get_double("n", 0), Catch::Contains("\"n\"") && Catch::Contains("number"));
    CHECK_THROWS_WITH(c.get_bool("b", false), Catch::Contains("\"b\""));
    CHECK_THROWS_WITH(c.get_int_list("l", {}), Catch::Contains("l[1]"));
    CHECK_THROWS_WITH(c.get_int_list("n", {}), Catch::Contains("\"n\""));
    CHECK_THROWS_WITH(c.get_double_list("d", {}), Catch::Contains("d[1]"));
    CHECK_THROWS_WITH(c.get_string_list("sl", {}), Catch::Contains("sl[0]"));
    CHECK_THROWS_WITH(c.get_string("s", ""), Catch::Contains("\"s\"") && Catch::Contains("string"));
    CHECK_THROWS_WITH(c.child("o"), Catch::Contains("\"o\"") && Catch::Contains("object"));
    CHECK_THROWS_WITH(c.require_int("missing"), Catch::Contains("cfg.json") && Catch::Contains("\"missing\""));
    CHECK_THROWS_WITH(c.require_string("missing"), Catch::Contains("\"missing\""));
    CHECK_THROWS_AS(c.get_int("n", 0), pictor::Error);
}

// Regression (fuzz/fuzz_model_config): casting Infinity / NaN / 1e300 to int64_t was undefined
// behaviour; an unsigned above INT64_MAX wrapped to a negative value.
TEST_CASE("json config integers out of the 64-bit range are errors, not undefined casts") {
    const JsonConfig c = JsonConfig::parse(
        R"({"low": -Infinity, "high": Infinity, "list": [1, NaN], "big": 1e300, "u": 18446744073709551615,
            "edge": -9223372036854775808.0, "max": 9223372036854775807})",
        "cfg.json");
    CHECK_THROWS_WITH(c.get_int("low", 0), Catch::Contains("\"low\"") && Catch::Contains("integer"));
    CHECK_THROWS_WITH(c.get_int("high", 0), Catch::Contains("\"high\""));
    CHECK_THROWS_WITH(c.get_int_list("list", {}), Catch::Contains("list[1]"));
    CHECK_THROWS_WITH(c.get_int("big", 0), Catch::Contains("\"big\""));
    CHECK_THROWS_WITH(c.get_int("u", 0), Catch::Contains("\"u\"") && Catch::Contains("64-bit"));
    CHECK(c.get_int("edge", 0) == std::numeric_limits<int64_t>::min());
    CHECK(c.get_int("max", 0) == std::numeric_limits<int64_t>::max());
    CHECK(std::isinf(c.get_double("high", 0)));  // as a number it is fine
    // A literal beyond double's range is a JSON error of the file, not nlohmann's out_of_range.
    CHECK_THROWS_WITH(JsonConfig::parse(R"({"x": 1e400})", "huge.json"),
                      Catch::Contains("huge.json") && Catch::Contains("not valid JSON"));
    CHECK_THROWS_AS(JsonConfig::parse("1e400", "huge.json"), pictor::Error);
}

TEST_CASE("json config syntax errors give the line and column") {
    CHECK_THROWS_WITH(JsonConfig::parse("{\n  \"a\": 1,\n  \"b\": }\n", "broken.json"),
                      Catch::Contains("broken.json") && Catch::Contains("line 3"));
    CHECK_THROWS_WITH(JsonConfig::parse("[1, 2]", "list.json"), Catch::Contains("object"));
    CHECK_THROWS_WITH(JsonConfig::parse("", "empty.json"), Catch::Contains("empty.json"));
    pictor::test::TempDir dir;
    CHECK_THROWS_WITH(JsonConfig::load(dir / "none.json"), Catch::Contains("none.json"));
}

TEST_CASE("json config reads Python's Infinity and NaN tokens as numbers, anywhere but in strings") {
    const JsonConfig c = JsonConfig::parse(
        R"({"low": -Infinity, "high": Infinity, "list": [1, NaN, -Infinity], "inner": {"x": Infinity},
            "text": "Infinity, \" NaN"})",
        "python.json");
    CHECK(c.get_double("low", 0) == -std::numeric_limits<double>::infinity());
    CHECK(c.get_double("high", 0) == std::numeric_limits<double>::infinity());
    const std::vector<double> list = c.get_double_list("list", {});
    REQUIRE(list.size() == 3);
    CHECK(std::isnan(list[1]));
    CHECK(list[2] == -std::numeric_limits<double>::infinity());
    CHECK(c.child("inner").get_double("x", 0) == std::numeric_limits<double>::infinity());
    CHECK(c.get_string("text", "") == "Infinity, \" NaN");
}

TEST_CASE("json config reads the real fixture configs") {
    PICTOR_REQUIRE_FIXTURES(dir, "clip-tiny");
    const JsonConfig c = JsonConfig::load(dir / "config.json");
    CHECK(c.source() == (dir / "config.json").string());
    CHECK(c.get_string_list("architectures", {}) == std::vector<std::string>{"CLIPModel"});
    CHECK(c.child("text_config").get_int("hidden_size", 512) > 0);
    const JsonConfig pre = JsonConfig::load(dir / "preprocessor_config.json");
    CHECK(pre.get_int("crop_size", 0) == 224);
    CHECK(pre.get_double_list("image_mean", {}).size() == 3);
}
