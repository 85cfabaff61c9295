// A1111's <lora:NAME:SCALE> prompt tags, NAME looked up in the LoRA folders, the "Lora hashes"
// record, and the generate job changing the LoRA set of its cached model without reloading it.
#include <ATen/ATen.h>
#include "tests/support/catch.h"

#include "core/image/a1111_parameters.h"
#include "core/jobs/generate_job.h"
#include "core/jobs/job_error.h"
#include "core/jobs/sd_lora.h"
#include "core/text/extra_networks.h"
#include "tests/support/fixtures.h"

using namespace pictor;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;

TEST_CASE("extra networks: tags are cut out of the prompt as A1111's regex does", "[sd][lora][prompt]") {
    struct Case {
        std::string prompt, stripped;
        std::vector<std::string> tags;
    };
    const Case c = GENERATE(values<Case>({
        {"a fox, <lora:fox_style:0.7>", "a fox, ", {"<lora:fox_style:0.7>"}},
        {"<lora:a:1><lora:b:0.5> fox", " fox", {"<lora:a:1>", "<lora:b:0.5>"}},
        {"a <lora:x> fox", "a  fox", {"<lora:x>"}},
        {"no tags (fox:1.2)", "no tags (fox:1.2)", {}},
        {"<lora:> <:x> <a b:c> <lora:x", "<lora:> <:x> <a b:c> <lora:x", {}},  // \w+ then ':' then [^>]+
        {"<lora:a<b:1>", "", {"<lora:a<b:1>"}},                                // [^>]+ takes '<'
        {"x <hypernet:h:1> y", "x  y", {"<hypernet:h:1>"}},
        {"<lora:mün:1>", "", {"<lora:mün:1>"}},
    }));
    const PromptExtraNetworks parsed = parse_extra_networks(c.prompt);
    CHECK(parsed.prompt == c.stripped);
    CHECK(strip_extra_networks(c.prompt) == c.stripped);
    std::vector<std::string> texts;
    for (const auto& t : parsed.tags) texts.push_back(t.text);
    CHECK(texts == c.tags);
}

TEST_CASE("extra networks: LoRA strengths as A1111 reads them", "[sd][lora][prompt]") {
    const auto tag = [](const std::string& text) {
        const auto tags = parse_extra_networks(text).tags;
        REQUIRE(tags.size() == 1);
        return tags[0];
    };
    LoraTag t = lora_tag(tag("<lora:fox:0.7>"));
    CHECK(t.name == "fox");
    CHECK(t.text_encoder_scale == 0.7);
    CHECK(t.unet_scale == 0.7);
    t = lora_tag(tag("<lora:fox>"));  // missing scale = 1
    CHECK(t.text_encoder_scale == 1.0);
    CHECK(t.unet_scale == 1.0);
    t = lora_tag(tag("<lora:fox:0.5:0.8>"));
    CHECK(t.text_encoder_scale == 0.5);
    CHECK(t.unet_scale == 0.8);
    t = lora_tag(tag("<lora:fox:te=0.25:unet=-1>"));
    CHECK(t.text_encoder_scale == 0.25);
    CHECK(t.unet_scale == -1.0);
    t = lora_tag(tag("<lyco:fox: 0.3 >"));
    CHECK(is_lora_tag(tag("<lyco:fox>")));
    CHECK(t.unet_scale == 0.3);
    CHECK_FALSE(is_lora_tag(tag("<hypernet:h:1>")));
    CHECK_THROWS_WITH(lora_tag(tag("<lora:fox:strong>")), Contains("<lora:fox:strong>") && Contains("'strong' is not a number"));
    CHECK_THROWS_WITH(lora_tag(tag("<lora:te=1>")), Contains("names no LoRA"));
}

TEST_CASE("LoRA folders: NAME is found by its stem, subfolders too, and an unknown NAME lists the folders", "[sd][lora][prompt]") {
    test::TempDir a, b;
    fs::create_directories(b / "styles" / "x");
    test::write_text_file(b / "styles" / "x" / "fox.safetensors", "");
    test::write_text_file(a / "dog.pt", "");
    test::write_text_file(a / "notes.txt", "");
    fs::create_directories(b / "diff");
    test::write_text_file(b / "diff" / "pytorch_lora_weights.safetensors", "");
    const std::vector<fs::path> folders{a.path() / "missing", a.path(), b.path()};
    CHECK(jobs::detail::find_lora("fox", folders) == b / "styles" / "x" / "fox.safetensors");
    CHECK(jobs::detail::find_lora("dog", folders) == a / "dog.pt");
    CHECK(jobs::detail::find_lora("diff", folders) == b / "diff");
    try {
        jobs::detail::find_lora("notes", folders);
        FAIL("no error");
    } catch (const InvalidRequest& e) {
        const std::string m = e.what();
        CHECK_THAT(m, Contains("LoRA 'notes' was not found") && Contains((a.path() / "missing").string()) &&
                          Contains(a.path().string() + ", " + b.path().string()));
    }
    // The set of a request: explicit files first, then each prompt's tags; repeats dropped.
    const auto set = jobs::detail::lora_set_for({{(a / "dog.pt").string(), 0.5, 0.5}},
                                                {"a <lora:fox:0.7> and <lora:dog:0.5>", "b <lora:fox:0.7>"}, folders);
    REQUIRE(set.size() == 2);
    CHECK(set[0].name == "dog");
    CHECK(set[1].name == "fox");
    CHECK(set[1].unet_scale == 0.7);
    CHECK_THROWS_AS(jobs::detail::lora_set_for({}, {"<hypernet:h:1>"}, folders), InvalidRequest);
    CHECK_THROWS_WITH(jobs::detail::lora_set_for({}, {"<lora:fox:nan>"}, folders), Contains("'nan' is not a number"));
    CHECK_THROWS_WITH(jobs::detail::lora_set_for({}, {"<lora:fox:1000>"}, folders), Contains("-100..100"));
    CHECK(jobs::detail::lora_tag_text("fox", 0.7, 0.7) == "<lora:fox:0.7>");
    CHECK(jobs::detail::lora_tag_text("fox", 1, 0.5) == "<lora:fox:1.0:0.5>");
}

TEST_CASE("parameters: Lora hashes written and read as A1111 does", "[sd][lora][prompt]") {
    using Hashes = std::vector<std::pair<std::string, std::string>>;
    GenerationParameters p;
    p.prompt = "a fox <lora:fox:0.7>, <lora:ink:1>";
    p.steps = 20;
    p.sampler = "Euler a";
    p.cfg_scale = 7.0;
    set_lora_hashes(p, {{"fox", "1bf76bd4186f"}, {"ink", "0123456789ab"}});
    const std::string text = format_parameters(p);
    CHECK_THAT(text, Contains("CFG scale: 7.0, Lora hashes: \"fox: 1bf76bd4186f, ink: 0123456789ab\""));
    const auto back = parse_parameters(text);
    REQUIRE(back);
    CHECK(*back == p);
    CHECK(lora_hashes(*back) == Hashes{{"fox", "1bf76bd4186f"}, {"ink", "0123456789ab"}});
    // What A1111 1.6 wrote (with a Version after it): read, and kept in its place when rewritten.
    const std::string a1111 =
        "x <lora:a:1>\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512, Model hash: abc, "
        "Lora hashes: \"a: 0123456789ab\", Version: v1.6.0";
    auto read = parse_parameters(a1111);
    REQUIRE(read);
    CHECK(lora_hashes(*read) == Hashes{{"a", "0123456789ab"}});
    set_lora_hashes(*read, {{"a", "fedcba987654"}});
    CHECK_THAT(format_parameters(*read), Contains("Lora hashes: \"a: fedcba987654\", Version: v1.6.0"));
    set_lora_hashes(*read, {});
    CHECK(format_parameters(*read).find("Lora") == std::string::npos);
    // Names lose ':' and ',' on the way out (A1111's remove_symbols); an unreadable value reads as none.
    set_lora_hashes(p, {{"a:b,c", "00"}});
    CHECK_THAT(format_parameters(p), Contains("Lora hashes: \"abc: 00\""));
    const auto odd = parse_parameters("Steps: 1, Seed: 2, Lora hashes: nohash");
    REQUIRE(odd);
    CHECK(lora_hashes(*odd).empty());
}

TEST_CASE("generate job: the LoRA set changes on the cached model, never reloaded", "[sd][lora][golden]") {
    PICTOR_REQUIRE_FIXTURES(lora, "lora");
    PICTOR_REQUIRE_FIXTURES(tiny, "sd-tiny");
    test::TempDir out;
    ModelCache cache(uint64_t(4) << 30);
    JobSink sink;
    jobs::GenerateRequest r;
    r.model = tiny.string();
    r.prompts = {"a watercolor painting of a fox in the snow"};
    r.steps = 2;
    r.images_per_prompt = 1;
    r.width = r.height = 32;
    r.seed = 3;
    r.out_dir = out.path();
    r.keep_pixels = true;
    r.lora_folders = {lora};
    const auto run = [&](const std::string& prompt, std::vector<jobs::LoraRequest> loras) {
        r.prompts = {prompt};
        r.loras = std::move(loras);
        return jobs::run_generate(r, sink, cache);
    };
    const jobs::GenerateResult base = run("a fox", {});
    const std::vector<std::string> keys = cache.keys();
    const jobs::GenerateResult tagged = run("a fox <lora:sd-tiny-lora-kohya:0.7>", {});
    const jobs::GenerateResult file = run("a fox", {{(lora / "sd-tiny-lora-kohya.safetensors").string(), 0.7, 0.7}});
    const jobs::GenerateResult two = run("a fox <lora:sd-tiny-lora-kohya:0.3>", {{(lora / "diffusers").string(), 0.4, 0.4}});
    const jobs::GenerateResult again = run("a fox", {});
    CHECK(cache.keys() == keys);  // one cached base model the whole time
    CHECK(cache.count() == 1);
    CHECK(base.images[0].pixels.pixels != tagged.images[0].pixels.pixels);
    CHECK(tagged.images[0].pixels.pixels == file.images[0].pixels.pixels);
    CHECK_THAT(tagged.images[0].parameters, Contains("a fox <lora:sd-tiny-lora-kohya:0.7>\n") &&
                                                Contains("Lora hashes: \"sd-tiny-lora-kohya: 1bf76bd4186f\""));
    CHECK_THAT(file.images[0].parameters, Contains("a fox <lora:sd-tiny-lora-kohya:0.7>\n"));
    CHECK_THAT(two.images[0].parameters, Contains("Lora hashes: \"diffusers: ") && Contains(", sd-tiny-lora-kohya: 1bf76bd4186f\""));
    CHECK(again.images[0].pixels.pixels == base.images[0].pixels.pixels);  // the base is back, exactly
    CHECK(again.images[0].parameters.find("Lora") == std::string::npos);

    // A name in none of the folders is an invalid request, before any work.
    r.prompts = {"a fox <lora:nope:1>"};
    r.loras.clear();
    CHECK_THROWS_AS(jobs::validate(r), InvalidRequest);
}
