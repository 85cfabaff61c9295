#include "tests/support/catch.h"

// The AUTOMATIC1111 "parameters" text (core/jobs/parameters.h): texts as the web UI writes them
// read into the struct, the struct written back in the same format, and junk that must not throw.

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/image/a1111_parameters.h"

using pictor::format_parameters;
using pictor::GenerationParameters;
using pictor::parse_parameters;
using pictor::python_float;

namespace {

using Extras = std::vector<std::pair<std::string, std::string>>;

// The same struct after a write and a read, with every field named when it is not.
void require_round_trip(const GenerationParameters& p) {
    const std::string text = format_parameters(p);
    INFO("text: " << text);
    const auto back = parse_parameters(text);
    REQUIRE(back.has_value());
    CHECK(back->prompt == p.prompt);
    CHECK(back->negative_prompt == p.negative_prompt);
    CHECK(back->steps == p.steps);
    CHECK(back->sampler == p.sampler);
    CHECK(back->schedule_type == p.schedule_type);
    CHECK(back->cfg_scale == p.cfg_scale);
    CHECK(back->seed == p.seed);
    CHECK(back->width == p.width);
    CHECK(back->height == p.height);
    CHECK(back->model == p.model);
    CHECK(back->model_hash == p.model_hash);
    CHECK(back->clip_skip == p.clip_skip);
    CHECK(back->batch_size == p.batch_size);
    CHECK(back->batch_pos == p.batch_pos);
    CHECK(back->denoising_strength == p.denoising_strength);
    CHECK(back->extra == p.extra);
    CHECK(*back == p);
}

// What A1111 1.9.4 writes for a hires-fix txt2img with a LoRA and a textual inversion.
const std::string new_style_text =
    "photo of a woman in a red coat, city street at night, <lora:add_detail:0.5>\n"
    "Negative prompt: (worst quality:1.4), (low quality:1.4), easynegative\n"
    "Steps: 25, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 3054918476, "
    "Size: 512x768, Model hash: 7f96a1a9ca, Model: anythingV5_PrtRE, Denoising strength: 0.45, "
    "Clip skip: 2, Hires upscale: 2, Hires steps: 10, Hires upscaler: R-ESRGAN 4x+ Anime6B, "
    "Lora hashes: \"add_detail: 7c6bad76eb54\", TI hashes: \"easynegative: c74b4e810b03\", Version: v1.9.4";

// How many "Key: value" pairs format_parameters writes for `p`.
std::size_t pair_count(const GenerationParameters& p) {
    return std::size_t(p.steps != 0) + !p.sampler.empty() + !p.schedule_type.empty() +
           p.cfg_scale.has_value() + p.seed.has_value() + (p.width != 0 || p.height != 0) +
           !p.model_hash.empty() + !p.model.empty() + p.denoising_strength.has_value() + (p.clip_skip != 0) +
           (p.batch_size != 0) + (p.batch_pos != -1) + p.extra.size();
}

}  // namespace

TEST_CASE("parameters: an old style A1111 text with batch fields", "[parameters]") {
    const std::string text =
        "masterpiece, best quality, a cat sitting on a windowsill, (sunlight:1.2)\n"
        "Negative prompt: lowres, bad anatomy, bad hands\n"
        "Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512, Model hash: 4c86efd062, "
        "Model: model, Batch size: 2, Batch pos: 1";
    const auto p = parse_parameters(text);
    REQUIRE(p.has_value());
    CHECK(p->prompt == "masterpiece, best quality, a cat sitting on a windowsill, (sunlight:1.2)");
    CHECK(p->negative_prompt == "lowres, bad anatomy, bad hands");
    CHECK(p->steps == 20);
    CHECK(p->sampler == "Euler a");
    CHECK(p->schedule_type.empty());
    REQUIRE(p->cfg_scale.has_value());
    CHECK(*p->cfg_scale == 7.0);
    REQUIRE(p->seed.has_value());
    CHECK(*p->seed == 1u);
    CHECK(p->width == 512);
    CHECK(p->height == 512);
    CHECK(p->model_hash == "4c86efd062");
    CHECK(p->model == "model");
    CHECK(p->batch_size == 2);
    CHECK(p->batch_pos == 1);
    CHECK(p->clip_skip == 0);
    CHECK_FALSE(p->denoising_strength.has_value());
    CHECK(p->extra.empty());
}

TEST_CASE("parameters: a new style A1111 text with schedule type and quoted hashes", "[parameters]") {
    const auto p = parse_parameters(new_style_text);
    REQUIRE(p.has_value());
    CHECK(p->prompt == "photo of a woman in a red coat, city street at night, <lora:add_detail:0.5>");
    CHECK(p->negative_prompt == "(worst quality:1.4), (low quality:1.4), easynegative");
    CHECK(p->steps == 25);
    CHECK(p->sampler == "DPM++ 2M");
    CHECK(p->schedule_type == "Karras");
    CHECK(p->cfg_scale == std::optional<double>(6.5));
    CHECK(p->seed == std::optional<std::uint64_t>(3054918476u));
    CHECK(p->width == 512);
    CHECK(p->height == 768);
    CHECK(p->model_hash == "7f96a1a9ca");
    CHECK(p->model == "anythingV5_PrtRE");
    CHECK(p->denoising_strength == std::optional<double>(0.45));
    CHECK(p->clip_skip == 2);
    CHECK(p->batch_size == 0);
    CHECK(p->batch_pos == -1);
    const Extras expected = {
        {"Hires upscale", "2"},
        {"Hires steps", "10"},
        {"Hires upscaler", "R-ESRGAN 4x+ Anime6B"},
        {"Lora hashes", "add_detail: 7c6bad76eb54"},
        {"TI hashes", "easynegative: c74b4e810b03"},
        {"Version", "v1.9.4"},
    };
    CHECK(p->extra == expected);
}

TEST_CASE("parameters: ADetailer and multi-entry Lora hashes keep their quoted commas", "[parameters]") {
    const std::string text =
        "1girl, solo, looking at viewer <lora:more_details:0.6> <lora:add_detail:0.4>\n"
        "Steps: 30, Sampler: DPM++ SDE Karras, CFG scale: 5.5, Seed: 2882236716, Size: 768x1152, "
        "Model hash: 1d7f6d2b1c, Model: majicmixRealistic_v7, ADetailer model: face_yolov8n.pt, "
        "ADetailer prompt: \"a smiling face, detailed eyes\", ADetailer confidence: 0.3, "
        "Lora hashes: \"more_details: 3b8aa1d351ef, add_detail: 7c6bad76eb54\", Version: v1.6.0";
    const auto p = parse_parameters(text);
    REQUIRE(p.has_value());
    CHECK(p->negative_prompt.empty());
    CHECK(p->sampler == "DPM++ SDE Karras");
    CHECK(p->schedule_type.empty());
    const Extras expected = {
        {"ADetailer model", "face_yolov8n.pt"},
        {"ADetailer prompt", "a smiling face, detailed eyes"},
        {"ADetailer confidence", "0.3"},
        {"Lora hashes", "more_details: 3b8aa1d351ef, add_detail: 7c6bad76eb54"},
        {"Version", "v1.6.0"},
    };
    CHECK(p->extra == expected);
}

TEST_CASE("parameters: multi-line prompt and multi-line negative prompt", "[parameters]") {
    const std::string text =
        "a castle on a hill,\n"
        "sunset, dramatic clouds\n"
        "BREAK\n"
        "oil painting, (impasto:1.1)\n"
        "Negative prompt:   blurry,  \n"
        "jpeg artifacts\n"
        "\n"
        "watermark, signature\n"
        "Steps: 30, Sampler: DPM++ 2M Karras, CFG scale: 7.5, Seed: 987654321, Size: 768x512, "
        "Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Version: v1.6.0";
    const auto p = parse_parameters(text);
    REQUIRE(p.has_value());
    CHECK(p->prompt == "a castle on a hill,\nsunset, dramatic clouds\nBREAK\noil painting, (impasto:1.1)");
    // The first negative line is stripped; the others are kept as they are.
    CHECK(p->negative_prompt == "blurry,\njpeg artifacts\n\nwatermark, signature");
    CHECK(p->cfg_scale == std::optional<double>(7.5));
    CHECK(p->width == 768);
    CHECK(p->height == 512);
    CHECK(p->extra == Extras{{"Version", "v1.6.0"}});
}

TEST_CASE("parameters: a text with no negative prompt", "[parameters]") {
    const std::string text =
        "a watercolor painting of a fox\n"
        "Steps: 20, Sampler: PNDM, CFG scale: 7.5, Seed: 42, Size: 512x512, "
        "Model: runwayml/stable-diffusion-v1-5";
    const auto p = parse_parameters(text);
    REQUIRE(p.has_value());
    CHECK(p->prompt == "a watercolor painting of a fox");
    CHECK(p->negative_prompt.empty());
    CHECK(p->sampler == "PNDM");
    CHECK(p->model == "runwayml/stable-diffusion-v1-5");
    CHECK(p->seed == std::optional<std::uint64_t>(42));
}

TEST_CASE("parameters: only a parameters line gives an empty prompt", "[parameters]") {
    const auto p = parse_parameters("Steps: 20, Sampler: Euler, CFG scale: 7, Seed: 5, Size: 512x512");
    REQUIRE(p.has_value());
    CHECK(p->prompt.empty());
    CHECK(p->negative_prompt.empty());
    CHECK(p->steps == 20);
    CHECK(p->sampler == "Euler");
}

TEST_CASE("parameters: a last line with only 2 pairs is prompt text so there is no parameters line",
          "[parameters]") {
    CHECK_FALSE(parse_parameters("a painting of a lighthouse\nSteps: 20, Seed: 42").has_value());
    CHECK_FALSE(parse_parameters("Steps: 20, Seed: 42").has_value());
    // Prompt attention syntax looks like pairs but is not three of them.
    CHECK_FALSE(parse_parameters("masterpiece, (cat:1.2), [dog:0.8]").has_value());
}

TEST_CASE("parameters: empty text and plain prompts have no parameters", "[parameters]") {
    CHECK_FALSE(parse_parameters("").has_value());
    CHECK_FALSE(parse_parameters("   \n\r\n\t").has_value());
    CHECK_FALSE(parse_parameters("a photo of an astronaut riding a horse on mars").has_value());
    CHECK_FALSE(parse_parameters("line one\nline two\nNegative prompt: ugly").has_value());
}

TEST_CASE("parameters: Windows line ends and a trailing newline are accepted", "[parameters]") {
    const std::string text =
        "a red fox in the snow\r\n"
        "highly detailed\r\n"
        "Negative prompt: blurry\r\n"
        "cropped\r\n"
        "Steps: 28, Sampler: Euler a, CFG scale: 7, Seed: 77, Size: 640x640, Version: v1.7.0\r\n";
    const auto p = parse_parameters(text);
    REQUIRE(p.has_value());
    CHECK(p->prompt == "a red fox in the snow\nhighly detailed");
    CHECK(p->negative_prompt == "blurry\ncropped");
    CHECK(p->steps == 28);
    CHECK(p->width == 640);
    CHECK(p->extra == Extras{{"Version", "v1.7.0"}});
}

TEST_CASE("parameters: JSON escapes in quoted values become UTF-8", "[parameters]") {
    const std::string text =
        "a fox\n"
        "Steps: 20, Sampler: Euler a, CFG scale: 7, "
        "Hires prompt: \"caf\\u00e9, \\ud83e\\udd8a fox\\nsecond line \\\"quoted\\\" \\\\ \\/\", "
        "Version: v1.9.4";
    const auto p = parse_parameters(text);
    REQUIRE(p.has_value());
    const Extras expected = {
        {"Hires prompt", std::string("caf\xC3\xA9") + ", \xF0\x9F\xA6\x8A fox\nsecond line \"quoted\" \\ /"},
        {"Version", "v1.9.4"},
    };
    CHECK(p->extra == expected);
}

TEST_CASE("parameters: a quoted value that is not valid JSON is kept as written", "[parameters]") {
    // A lone surrogate has no UTF-8 spelling and "\q" is no JSON escape.
    const std::string text =
        "Steps: 20, Sampler: Euler, CFG scale: 7, A: \"x\", Broken: \"\\ud800\", Bad escape: \"\\q\", "
        "Stray: \"abc\" def\", Empty: \"\", Lone: \"";
    const auto p = parse_parameters(text);
    REQUIRE(p.has_value());
    // "A" is one character, no key (re_param needs two): that pair is skipped.
    const Extras expected = {
        {"Broken", "\"\\ud800\""}, {"Bad escape", "\"\\q\""}, {"Stray", "\"abc\" def\""},
        {"Empty", ""},             {"Lone", "\""},
    };
    CHECK(p->extra == expected);
}

TEST_CASE("parameters: known keys with unreadable values go to extra unchanged", "[parameters]") {
    const std::string text =
        "a fox\n"
        "Steps: twenty, Sampler: Euler a, CFG scale: high, Seed: -1, Size: 512x, Clip skip: 2.5, "
        "Denoising strength: 0.7, Batch size: 99999999999, Steps: 30, Model: ";
    const auto p = parse_parameters(text);
    REQUIRE(p.has_value());
    CHECK(p->steps == 30);
    CHECK(p->sampler == "Euler a");
    CHECK_FALSE(p->cfg_scale.has_value());
    CHECK_FALSE(p->seed.has_value());
    CHECK(p->width == 0);
    CHECK(p->clip_skip == 0);
    CHECK(p->batch_size == 0);
    CHECK(p->denoising_strength == std::optional<double>(0.7));
    CHECK(p->model.empty());
    const Extras expected = {
        {"Steps", "twenty"}, {"CFG scale", "high"},      {"Seed", "-1"}, {"Size", "512x"},
        {"Clip skip", "2.5"}, {"Batch size", "99999999999"}, {"Model", ""},
    };
    CHECK(p->extra == expected);
}

TEST_CASE("parameters: a repeated known key keeps the first value and lists the repeat", "[parameters]") {
    const auto p = parse_parameters("Steps: 20, Sampler: Euler, Seed: 1, Seed: 2, Sampler: DDIM");
    REQUIRE(p.has_value());
    CHECK(p->seed == std::optional<std::uint64_t>(1));
    CHECK(p->sampler == "Euler");
    CHECK(p->extra == Extras{{"Seed", "2"}, {"Sampler", "DDIM"}});
}

TEST_CASE("parameters: a seed above 2^53 and the largest seed are read exactly", "[parameters]") {
    const auto p = parse_parameters("Steps: 20, Seed: 18446744073709551615, Size: 512x512");
    REQUIRE(p.has_value());
    CHECK(p->seed == std::optional<std::uint64_t>(std::numeric_limits<std::uint64_t>::max()));
    const auto q = parse_parameters("Steps: 20, Seed: 9007199254740993, Size: 512x512");
    REQUIRE(q.has_value());
    CHECK(q->seed == std::optional<std::uint64_t>(9007199254740993ull));
    // One past the largest is no seed.
    const auto r = parse_parameters("Steps: 20, Seed: 18446744073709551616, Size: 512x512");
    REQUIRE(r.has_value());
    CHECK_FALSE(r->seed.has_value());
    CHECK(r->extra == Extras{{"Seed", "18446744073709551616"}});
}

TEST_CASE("parameters: python_float writes what Python's repr writes", "[parameters]") {
    CHECK(python_float(7.0) == "7.0");
    CHECK(python_float(7.5) == "7.5");
    CHECK(python_float(0.45) == "0.45");
    CHECK(python_float(0.1) == "0.1");
    CHECK(python_float(0.0) == "0.0");
    CHECK(python_float(-0.0) == "-0.0");
    CHECK(python_float(-3.25) == "-3.25");
    CHECK(python_float(100.0) == "100.0");
    CHECK(python_float(123456789.123) == "123456789.123");
    CHECK(python_float(0.0001) == "0.0001");
    CHECK(python_float(0.00001) == "1e-05");
    CHECK(python_float(1.5e-7) == "1.5e-07");
    CHECK(python_float(1e15) == "1000000000000000.0");
    CHECK(python_float(1e16) == "1e+16");
    CHECK(python_float(1.2345678901234568e+17) == "1.2345678901234568e+17");
    CHECK(python_float(1e100) == "1e+100");
    CHECK(python_float(5e-324) == "5e-324");
    CHECK(python_float(1.0 / 3.0) == "0.3333333333333333");
    CHECK(python_float(std::numeric_limits<double>::infinity()) == "inf");
    CHECK(python_float(-std::numeric_limits<double>::infinity()) == "-inf");
    CHECK(python_float(std::nan("")) == "nan");
}

TEST_CASE("parameters: the exact text written for a typical generation", "[parameters]") {
    GenerationParameters p;
    p.prompt = "a watercolor painting of a fox";
    p.negative_prompt = "blurry, lowres";
    p.steps = 20;
    p.sampler = "DPM++ 2M";
    p.schedule_type = "Karras";
    p.cfg_scale = 7.0;
    p.seed = 1234;
    p.width = 512;
    p.height = 768;
    p.model_hash = "6ce0161689";
    p.model = "runwayml/stable-diffusion-v1-5";
    p.clip_skip = 2;
    p.extra = {{"Version", "v1.6.0"}};
    CHECK(format_parameters(p) ==
          "a watercolor painting of a fox\n"
          "Negative prompt: blurry, lowres\n"
          "Steps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7.0, Seed: 1234, Size: 512x768, "
          "Model hash: 6ce0161689, Model: runwayml/stable-diffusion-v1-5, Clip skip: 2, Version: v1.6.0");
}

TEST_CASE("parameters: the exact text written for img2img with quoted values", "[parameters]") {
    GenerationParameters p;
    p.prompt = "portrait of an old sailor\nfilm grain";
    p.steps = 30;
    p.sampler = "Euler a";
    p.cfg_scale = 7.5;
    p.seed = 3054918476u;
    p.width = 768;
    p.height = 768;
    p.model = "C:\\models\\sd, v1: pruned.safetensors";
    p.denoising_strength = 0.75;
    p.batch_size = 4;
    p.batch_pos = 3;
    p.extra = {{"Lora hashes", "add_detail: 7c6bad76eb54"}, {"Note", "say \"hi\""}, {"Version", "v1.9.4"}};
    CHECK(format_parameters(p) ==
          "portrait of an old sailor\nfilm grain\n"
          "Steps: 30, Sampler: Euler a, CFG scale: 7.5, Seed: 3054918476, Size: 768x768, "
          "Model: \"C:\\\\models\\\\sd, v1: pruned.safetensors\", Denoising strength: 0.75, Batch size: 4, "
          "Batch pos: 3, Lora hashes: \"add_detail: 7c6bad76eb54\", Note: \"say \\\"hi\\\"\", "
          "Version: v1.9.4");
}

TEST_CASE("parameters: nothing given writes only the prompt", "[parameters]") {
    GenerationParameters p;
    CHECK(format_parameters(p).empty());
    p.prompt = "just a prompt";
    CHECK(format_parameters(p) == "just a prompt");
    CHECK_FALSE(parse_parameters(format_parameters(p)).has_value());
}

TEST_CASE("parameters: round trip of a model path with a comma and a colon", "[parameters]") {
    GenerationParameters p;
    p.prompt = "a lighthouse on a cliff, stormy sea";
    p.negative_prompt = "blurry, (lowres:1.3)";
    p.steps = 25;
    p.sampler = "DPM++ 2M";
    p.schedule_type = "Karras";
    p.cfg_scale = 7.5;
    p.seed = 9007199254740993ull;  // 2^53 + 1: no double holds it
    p.width = 832;
    p.height = 1216;
    p.model = "D:\\stable diffusion\\models\\dreamshaper, v8: inpainting.safetensors";
    p.model_hash = "879db523c3";
    require_round_trip(p);
}

TEST_CASE("parameters: round trip of cfg 7.0 and every numeric field", "[parameters]") {
    GenerationParameters p;
    p.prompt = "a bowl of ramen";
    p.steps = 50;
    p.sampler = "PNDM";
    p.cfg_scale = 7.0;
    p.seed = std::numeric_limits<std::uint64_t>::max();
    p.width = 512;
    p.height = 512;
    p.model = "runwayml/stable-diffusion-v1-5";
    p.clip_skip = 2;
    p.batch_size = 2;
    p.batch_pos = 0;
    p.denoising_strength = 0.3;
    CHECK(format_parameters(p).find("CFG scale: 7.0,") != std::string::npos);
    require_round_trip(p);
    p.cfg_scale = 0.1 + 0.2;  // 0.30000000000000004: the shortest digits still read back exactly
    p.denoising_strength = 1e-5;
    require_round_trip(p);
    p.cfg_scale = 5e-324;  // the smallest subnormal
    p.denoising_strength = std::numeric_limits<double>::max();
    require_round_trip(p);
    p.cfg_scale = -std::numeric_limits<double>::infinity();
    require_round_trip(p);
}

TEST_CASE("parameters: round trip of multi-line prompts and awkward extra values", "[parameters]") {
    GenerationParameters p;
    p.prompt = "  leading spaces kept\n\nan empty line above, (cat:1.2)\nSteps: 20, Seed: 1, Size: 1x1\n";
    p.negative_prompt = "worst quality\n  indented\n";
    p.steps = 20;
    p.sampler = "Euler a";
    p.seed = 0;
    p.extra = {
        {"Version", "v1.9.4"},
        {"Lora hashes", "add_detail: 7c6bad76eb54, more_details: 3b8aa1d351ef"},
        {"Padded", "  spaces around  "},
        {"Empty", ""},
        {"Quotes", "\"fully quoted\""},
        {"Backslash", "C:\\dir\\"},
        {"Controls", "tab\there\r\nnext\x01"},
        {"Unicode", std::string("caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\xA6\x8A")},
        {"Steps", "not a number"},
        {"Hires prompt", "a, b: c"},
    };
    require_round_trip(p);
}

TEST_CASE("parameters: round trip of an empty prompt with a negative prompt", "[parameters]") {
    GenerationParameters p;
    p.negative_prompt = "nsfw";
    p.steps = 4;
    p.sampler = "LCM";
    p.cfg_scale = 1.0;
    require_round_trip(p);
    CHECK(format_parameters(p) == "Negative prompt: nsfw\nSteps: 4, Sampler: LCM, CFG scale: 1.0");
}

TEST_CASE("parameters: the new style A1111 text reads back the same after a rewrite", "[parameters]") {
    const auto p = parse_parameters(new_style_text);
    REQUIRE(p.has_value());
    CHECK(format_parameters(*p) ==
          "photo of a woman in a red coat, city street at night, <lora:add_detail:0.5>\n"
          "Negative prompt: (worst quality:1.4), (low quality:1.4), easynegative\n"
          "Steps: 25, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 3054918476, "
          "Size: 512x768, Model hash: 7f96a1a9ca, Model: anythingV5_PrtRE, Denoising strength: 0.45, "
          "Clip skip: 2, Hires upscale: 2, Hires steps: 10, Hires upscaler: R-ESRGAN 4x+ Anime6B, "
          "Lora hashes: \"add_detail: 7c6bad76eb54\", TI hashes: \"easynegative: c74b4e810b03\", "
          "Version: v1.9.4");
    require_round_trip(*p);
}

TEST_CASE("parameters: random structs round trip", "[parameters]") {
    std::mt19937 rng(20240611);
    // Pieces of valid UTF-8; none can spell "Negative prompt:" or put '\r' at a prompt line's end.
    const std::vector<std::string> prompt_pieces = {
        "a", "fox", " ", ",", ", ", ":", "(cat:1.2)", "\"", "\\", "\n", "\t", "Steps: 20, Seed: 1, Size: 2x2",
        "caf\xC3\xA9", "\xF0\x9F\xA6\x8A", "\xE6\x97\xA5", "<lora:x:0.5>", "BREAK", "/", "-"};
    const std::vector<std::string> value_pieces = {
        "a", "v1.9.4", " ", ",", ", ", ":", "\"", "\\", "\\u00e9", "\n", "\r", "\t", "\x01", "x",
        "7c6bad76eb54", "caf\xC3\xA9", "\xF0\x9F\xA6\x8A", "{", "}", "[", "]"};
    const std::vector<std::string> extra_keys = {"Version",          "Hires upscaler", "Lora hashes",
                                                 "ADetailer model",  "RNG",            "Token merging ratio",
                                                 "Face restoration", "NGMS",           "Emphasis",
                                                 "Hires resize-2",   "Noise/schedule"};
    auto pick = [&](const std::vector<std::string>& pieces, int max_count) {
        std::string s;
        const int count = std::uniform_int_distribution<int>(0, max_count)(rng);
        for (int i = 0; i < count; ++i) s += pieces[rng() % pieces.size()];
        return s;
    };
    auto maybe = [&] { return rng() % 2 == 0; };
    auto random_double = [&] {
        while (true) {
            const std::uint64_t bits = (std::uint64_t(rng()) << 32) | rng();
            double d;
            std::memcpy(&d, &bits, sizeof d);
            if (!std::isnan(d)) return rng() % 2 ? d : std::ldexp(double(rng() % 2000), -8);
        }
    };
    for (int round = 0; round < 300; ++round) {
        GenerationParameters p;
        p.prompt = pick(prompt_pieces, 8);
        p.negative_prompt = pick(prompt_pieces, 5);
        if (!p.negative_prompt.empty()) {
            // The reader strips the first negative line: give it no surrounding spaces.
            p.negative_prompt = "n" + p.negative_prompt;
            const std::size_t newline = p.negative_prompt.find('\n');
            p.negative_prompt.insert(newline == std::string::npos ? p.negative_prompt.size() : newline, "n");
        }
        if (maybe()) p.steps = int(rng() % 200) - 20;
        if (maybe()) p.sampler = pick(value_pieces, 4);
        if (maybe()) p.schedule_type = pick(value_pieces, 3);
        if (maybe()) p.cfg_scale = random_double();
        if (maybe()) p.seed = (std::uint64_t(rng()) << 32) | rng();
        if (maybe()) {
            p.width = int(rng() % 4096);
            p.height = int(rng() % 4096);
        }
        if (maybe()) p.model = pick(value_pieces, 6);
        if (maybe()) p.model_hash = pick(value_pieces, 2);
        if (maybe()) p.denoising_strength = random_double();
        if (maybe()) p.clip_skip = int(rng() % 12);
        if (maybe()) p.batch_size = int(rng() % 8);
        if (maybe()) p.batch_pos = int(rng() % 8) - 1;
        const int extras = int(rng() % 4);
        for (int i = 0; i < extras; ++i) {
            p.extra.emplace_back(extra_keys[rng() % extra_keys.size()], pick(value_pieces, 5));
        }
        // At least 3 pairs on the last line, or it reads as prompt text.
        while (pair_count(p) < 3) {
            p.extra.emplace_back(extra_keys[rng() % extra_keys.size()], pick(value_pieces, 3));
        }
        require_round_trip(p);
    }
}

TEST_CASE("parameters: random bytes and truncated texts never throw", "[parameters]") {
    std::mt19937 rng(12345);
    // Mostly the characters the parser cares about, some arbitrary bytes.
    const std::string alphabet = "ab Z_9-/:,\"\\\n\r\tux0eE.+";
    for (int round = 0; round < 400; ++round) {
        std::string s;
        const int size = int(rng() % 160);
        for (int i = 0; i < size; ++i) {
            s += rng() % 4 == 0 ? static_cast<char>(rng() % 256) : alphabet[rng() % alphabet.size()];
        }
        if (round % 3 == 0) s = "Steps: 20, Sampler: Euler, Seed: 1, " + s;
        REQUIRE_NOTHROW(parse_parameters(s));
        const auto parsed = parse_parameters(s);
        if (parsed) REQUIRE_NOTHROW(parse_parameters(format_parameters(*parsed)));
    }
    for (std::size_t length = 0; length <= new_style_text.size(); ++length) {
        REQUIRE_NOTHROW(parse_parameters(std::string_view(new_style_text).substr(0, length)));
    }
    const std::string escaped = "Steps: 1, Seed: 2, Size: 3x3, X: \"\\u12\", Y: \"\\ud83e\\u0041\", Z: \"\\";
    for (std::size_t length = 0; length <= escaped.size(); ++length) {
        REQUIRE_NOTHROW(parse_parameters(std::string_view(escaped).substr(0, length)));
    }
}

TEST_CASE("parameters: long pathological lines are read in linear time", "[parameters]") {
    const auto started = std::chrono::steady_clock::now();
    std::string unterminated;  // every value opens a quote that never closes
    for (int i = 0; i < 100000; ++i) unterminated += "ab: \"x, ";
    const auto a = parse_parameters(unterminated);
    REQUIRE(a.has_value());
    CHECK(a->extra.size() == 100000);
    const std::string no_colon(1000000, 'a');  // one key run that never reaches ':'
    CHECK_FALSE(parse_parameters(no_colon).has_value());
    std::string escapes = "Steps: 1, Seed: 2, Size: 3x3, K: \"";
    escapes += std::string(1000000, '\\');
    CHECK(parse_parameters(escapes).has_value());
    std::string lines;  // many short prompt lines
    for (int i = 0; i < 100000; ++i) lines += "Negative prompt: x\n";
    lines += "Steps: 1, Seed: 2, Size: 3x3";
    const auto d = parse_parameters(lines);
    REQUIRE(d.has_value());
    CHECK(d->prompt.empty());
    // Quadratic work on these would take minutes; linear takes milliseconds.
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(20));
}
