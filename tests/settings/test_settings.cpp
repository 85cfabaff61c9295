// settings.yaml: built-in defaults, overlay, round trip, errors with line:column, unknown keys.
#include "core/settings/settings.h"

#include "tests/support/catch.h"

#include <cstdlib>

#include "core/util/error.h"
#include "tests/support/fixtures.h"

using namespace pictor;
namespace fs = std::filesystem;

namespace {

// The message of the pictor::Error thrown by parse_settings(yaml).
std::string parse_error(const std::string& yaml) {
    try {
        parse_settings(yaml, "user.yaml");
    } catch (const Error& e) {
        return e.what();
    }
    FAIL("no error for:\n" << yaml);
    return "";
}

// Sets an environment variable for the scope of the object.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const std::optional<std::string>& value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        if (value) ::setenv(name, value->c_str(), 1);
        else ::unsetenv(name);
    }
    ~ScopedEnv() {
        if (old_) ::setenv(name_, old_->c_str(), 1);
        else ::unsetenv(name_);
    }

private:
    const char* name_;
    std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("defaults are what the issue specifies", "[settings]") {
    const Settings s = defaults();
    CHECK(s.models.stable_diffusion == "stable-diffusion-v1-5/stable-diffusion-v1-5");
    CHECK(s.models.clip == "openai/clip-vit-base-patch32");
    CHECK(s.models.resnet50 == "resnet50-11ad3fa6.pth");
    CHECK(s.models.resnet18 == "resnet18-f37072fd.pth");
    CHECK(s.device == "cpu");
    CHECK(s.threads == 0);
    CHECK(s.output_folder.empty());

    CHECK(s.generation.guidance_scale == 7.5);
    CHECK(s.generation.steps == 50);
    CHECK(s.generation.images_per_prompt == 2);
    CHECK(s.generation.width == 512);
    CHECK(s.generation.height == 512);
    CHECK(s.generation.scheduler == "pndm");
    CHECK(s.generation.seed == -1);
    CHECK(s.generation.prompt.empty());
    CHECK(s.generation.negative_prompt.empty());

    REQUIRE(s.label_presets.size() == 1);
    CHECK(s.label_presets[0].expanded_labels() ==
          std::vector<std::string>{"a watercolor painting of a fox", "a watercolor painting of a dog",
                                   "an oil painting of a fox", "an oil painting of a dog", "a photo of a fox",
                                   "a photo of a dog"});

    const TrainingPreset& t = s.training;
    CHECK(t.name == "fox vs dog (watercolor)");
    CHECK((t.classes == std::vector<TrainingClass>{{"fox", "a watercolor painting of a fox"},
                                                   {"dog", "a watercolor painting of a dog"}}));
    CHECK(t.images_per_class == 20);
    CHECK(t.epochs == 5);
    CHECK(t.learning_rate == 1e-3);
    CHECK(t.batch_size == 16);
    CHECK(t.split == 0.8);
    CHECK(t.optimizer == "sgd");
    CHECK(t.seed == 0);
    CHECK_NOTHROW(validate_settings(s));
}

TEST_CASE("a user file overlays the defaults", "[settings]") {
    const auto r = parse_settings(R"(
generation:
  steps: 30
  scheduler: Euler a       # display names are accepted too
  prompt: "a fox in the snow"
training:
  classes:
    - {name: cat, prompt: a photo of a cat}
    - {name: owl, prompt: a photo of an owl}
    - {name: frog, prompt: a photo of a frog}
device: cuda:1
)", "user.yaml");
    CHECK(r.warnings.empty());
    CHECK(r.file_found);
    CHECK(r.settings.generation.steps == 30);
    CHECK(r.settings.generation.scheduler == "Euler a");
    CHECK(r.settings.generation.prompt == "a fox in the snow");
    CHECK(r.settings.generation.guidance_scale == 7.5);  // untouched keys keep the default
    CHECK(r.settings.training.classes.size() == 3);      // lists replace the default list
    CHECK(r.settings.training.epochs == 5);
    CHECK(r.settings.device == "cuda:1");
    CHECK(r.settings.models == defaults().models);

    SECTION("an empty file or a comment-only file gives the defaults") {
        CHECK(parse_settings("", "e.yaml").settings == defaults());
        CHECK(parse_settings("# nothing here\n", "e.yaml").settings == defaults());
    }
    SECTION("an empty string value is allowed for strings") {
        CHECK(parse_settings("generation:\n  negative_prompt:\n", "e.yaml").settings.generation.negative_prompt.empty());
    }
}

TEST_CASE("unknown keys are reported with line and column, not fatal", "[settings]") {
    const auto r = parse_settings("device: cpu\ngeneration:\n  stepz: 20\n  steps: 25\ncolour: blue\n", "user.yaml");
    CHECK(r.settings.generation.steps == 25);
    REQUIRE(r.warnings.size() == 2);
    CHECK(r.warnings[0].find("user.yaml:3:3: unknown key 'generation.stepz'") == 0);
    CHECK(r.warnings[1].find("user.yaml:5:1: unknown key 'colour'") == 0);
}

TEST_CASE("invalid YAML gives file, line and column", "[settings]") {
    const std::string m1 = parse_error("generation:\n  steps: [1, 2\n");
    CHECK(m1.find("user.yaml:") == 0);
    CHECK(m1.find("invalid YAML") != std::string::npos);
    const std::string m2 = parse_error("generation:\n  steps: 20\n   width: 8\n");
    INFO(m2);
    CHECK(m2.find("user.yaml:3:") == 0);
    const std::string m3 = parse_error("models: {clip: \"unterminated\n");
    CHECK(m3.find("user.yaml:") == 0);
    const std::string m4 = parse_error("\t- tab\n");
    CHECK(m4.find("user.yaml") == 0);
}

TEST_CASE("wrong types name the key with its position", "[settings]") {
    CHECK(parse_error("generation:\n  steps: fifty\n") ==
          "user.yaml:2:10: generation.steps: expected an integer, got 'fifty'");
    CHECK(parse_error("generation:\n  steps: 7.5\n") == "user.yaml:2:10: generation.steps: expected an integer, got '7.5'");
    CHECK(parse_error("generation:\n  guidance_scale: high\n").find("user.yaml:2:19: generation.guidance_scale: expected a number") == 0);
    CHECK(parse_error("generation: 5\n").find("user.yaml:1:13: generation: expected a mapping") == 0);
    CHECK(parse_error("threads: [1]\n").find("user.yaml:1:10: threads: expected an integer, got a list") == 0);
    CHECK(parse_error("threads: 99999999999999999999\n").find("threads: integer 99999999999999999999 is out of range") != std::string::npos);
    CHECK(parse_error("label_presets: {a: 1}\n").find("user.yaml:1:16: label_presets: expected a list") == 0);
    CHECK(parse_error("label_presets:\n  - name: x\n    styles: a\n").find("user.yaml:3:13: label_presets[0].styles: expected a list of strings") == 0);
    CHECK(parse_error("models:\n  clip: {a: b}\n").find("user.yaml:2:9: models.clip: expected a string, got a mapping") == 0);
    CHECK(parse_error("- just\n- a list\n").find("user.yaml:1:1: settings: expected a mapping") == 0);
}

TEST_CASE("invalid values name the key with its position", "[settings]") {
    CHECK(parse_error("generation:\n  steps: 0\n") == "user.yaml:2:10: generation.steps: must be in 1..1000, got 0");
    CHECK(parse_error("generation:\n  width: 500\n").find("user.yaml:2:10: generation.width: must be a multiple of 8") == 0);
    CHECK(parse_error("generation:\n  guidance_scale: -1\n").find("user.yaml:2:19: generation.guidance_scale: must be in [0, 100]") == 0);
    CHECK(parse_error("generation:\n  scheduler: heun\n").find("user.yaml:2:14: generation.scheduler: unknown scheduler 'heun'") == 0);
    CHECK(parse_error("generation:\n  seed: -2\n").find("generation.seed: must be -1 (random) or >= 0") != std::string::npos);
    CHECK(parse_error("device: gpu\n").find("user.yaml:1:9: device: expected cpu, cuda or cuda:N") == 0);
    CHECK(parse_error("threads: -1\n").find("user.yaml:1:10: threads:") == 0);
    CHECK(parse_error("training:\n  split: 1.0\n").find("user.yaml:2:10: training.split: must be in (0, 1)") == 0);
    CHECK(parse_error("training:\n  split: 0\n").find("training.split") != std::string::npos);
    CHECK(parse_error("training:\n  learning_rate: 0\n").find("training.learning_rate: must be in (0, 10]") != std::string::npos);
    CHECK(parse_error("training:\n  optimizer: rmsprop\n").find("training.optimizer: expected sgd or adam") != std::string::npos);
    CHECK(parse_error("training:\n  epochs: 0\n").find("training.epochs") != std::string::npos);
    CHECK(parse_error("training:\n  batch_size: 0\n").find("training.batch_size") != std::string::npos);
    CHECK(parse_error("training:\n  images_per_class: 1\n").find("training.images_per_class") != std::string::npos);
    CHECK(parse_error("training:\n  classes:\n    - {name: fox, prompt: a fox}\n") .find("user.yaml:3:5: training.classes: needs at least 2 classes") == 0);
    CHECK(parse_error("training:\n  classes:\n    - {name: fox, prompt: a}\n    - {name: fox, prompt: b}\n")
              .find("user.yaml:4:14: training.classes[1].name: duplicate class name 'fox'") == 0);
    CHECK(parse_error("training:\n  classes:\n    - {name: a/b, prompt: a}\n    - {name: c, prompt: b}\n").find("training.classes[0].name") != std::string::npos);
    CHECK(parse_error("label_presets: []\n").find("label_presets: needs at least one preset") != std::string::npos);
    CHECK(parse_error("label_presets:\n  - name: x\n    styles: [a]\n").find("label_presets[0].objects") != std::string::npos);
    CHECK(parse_error("label_presets:\n  - name: x\n").find("user.yaml:2:5: label_presets[0]: gives no labels") == 0);
    CHECK(parse_error("label_presets:\n  - name: x\n    template: \"{style}\"\n    styles: [a]\n    objects: [b]\n")
              .find("label_presets[0].template: must contain {style} and {object}") != std::string::npos);
}

TEST_CASE("label presets: explicit labels and custom templates", "[settings]") {
    const auto r = parse_settings(R"(
label_presets:
  - name: animals
    labels: [a fox, a dog, a cat]
  - name: styled
    template: "{style}, showing {object}"
    styles: [a sketch]
    objects: [a fox, an owl]
    labels: [something else]
)", "user.yaml");
    REQUIRE(r.settings.label_presets.size() == 2);
    CHECK(r.settings.label_presets[0].expanded_labels() == std::vector<std::string>{"a fox", "a dog", "a cat"});
    CHECK(r.settings.label_presets[1].expanded_labels() ==
          std::vector<std::string>{"a sketch, showing a fox", "a sketch, showing an owl", "something else"});
}

TEST_CASE("save_settings / load_settings round trip", "[settings]") {
    test::TempDir tmp;
    Settings s = defaults();
    s.generation.prompt = "\xe7\x8b\x90\xe7\x8b\xb8 in the snow: \"quoted\", #not a comment\nsecond line";
    s.generation.negative_prompt = "null";  // must stay the string "null"
    s.generation.guidance_scale = 0.1 + 0.2;  // not exactly representable as a short decimal
    s.generation.seed = 9007199254740993LL;
    s.generation.width = 768;
    s.training.split = 0.7;
    s.training.learning_rate = 3e-4;
    s.training.optimizer = "adam";
    s.output_folder = "~/Bilder/Pictor";
    s.models.clip = "/models/clip vit";
    s.label_presets.push_back({"extra", "{style} {object}", {"yes", "true"}, {"~"}, {"123", ""}});
    s.label_presets.back().labels.pop_back();

    const fs::path path = tmp / "sub" / "settings.yaml";
    save_settings(path, s);
    const auto r = load_settings(path);
    CHECK(r.file_found);
    CHECK(r.warnings.empty());
    CHECK(r.settings == s);
    CHECK(settings_to_yaml(r.settings) == test::read_text_file(path));

    SECTION("invalid settings are not saved and leave the old file") {
        Settings bad = s;
        bad.generation.steps = 0;
        try {
            save_settings(path, bad);
            FAIL("saved invalid settings");
        } catch (const Error& e) {
            CHECK(std::string(e.what()).find("generation.steps") != std::string::npos);
        }
        CHECK(load_settings(path).settings == s);
    }
    SECTION("a missing file gives the defaults, a folder is an error") {
        const auto missing = load_settings(tmp / "none.yaml");
        CHECK_FALSE(missing.file_found);
        CHECK(missing.settings == defaults());
        CHECK_THROWS_AS(load_settings(tmp.path()), Error);
    }
    SECTION("errors from a file name the file") {
        test::write_text_file(tmp / "broken.yaml", "generation:\n  steps: x\n");
        try {
            load_settings(tmp / "broken.yaml");
            FAIL("no error");
        } catch (const Error& e) {
            CHECK(std::string(e.what()).find((tmp / "broken.yaml").string() + ":2:10: generation.steps") == 0);
        }
    }
}

TEST_CASE("settings_path and output folders follow XDG", "[settings]") {
    {
        ScopedEnv xdg("XDG_CONFIG_HOME", "/tmp/xdg-config");
        CHECK(settings_path() == fs::path("/tmp/xdg-config/pictor/settings.yaml"));
    }
    {
        ScopedEnv xdg("XDG_CONFIG_HOME", std::nullopt);
        ScopedEnv home("HOME", "/home/someone");
        CHECK(settings_path() == fs::path("/home/someone/.config/pictor/settings.yaml"));
        ScopedEnv relative("XDG_CONFIG_HOME", "relative/path");  // ignored: the spec wants absolute paths
        CHECK(settings_path() == fs::path("/home/someone/.config/pictor/settings.yaml"));
    }
    test::TempDir tmp;
    {
        ScopedEnv home("HOME", tmp.path().string());
        ScopedEnv xdg("XDG_CONFIG_HOME", std::nullopt);
        ScopedEnv pics("XDG_PICTURES_DIR", std::nullopt);
        CHECK(default_output_folder() == tmp.path() / "Pictures" / "Pictor");
        fs::create_directories(tmp / ".config");
        test::write_text_file(tmp / ".config" / "user-dirs.dirs",
                              "# written by xdg-user-dirs-update\nXDG_DESKTOP_DIR=\"$HOME/Desktop\"\nXDG_PICTURES_DIR=\"$HOME/Bilder\"\n");
        CHECK(default_output_folder() == tmp.path() / "Bilder" / "Pictor");
        ScopedEnv pics2("XDG_PICTURES_DIR", "/srv/pictures");
        CHECK(default_output_folder() == fs::path("/srv/pictures/Pictor"));

        Settings s = defaults();
        CHECK(output_folder(s) == fs::path("/srv/pictures/Pictor"));
        s.output_folder = "~/out";
        CHECK(output_folder(s) == tmp.path() / "out");
        s.output_folder = "/abs/out";
        CHECK(output_folder(s) == fs::path("/abs/out"));
    }
}

TEST_CASE("few-step and LoRA generation settings: defaults, round trip, invalid values", "[settings]") {
    const Settings d = defaults();
    CHECK(d.generation.timestep_spacing.empty());
    CHECK(d.generation.decoder.empty());
    CHECK(d.generation.dtype.empty());
    CHECK(d.generation.prompt_syntax == "a1111");
    CHECK(d.generation.clip_skip == 1);
    CHECK(d.generation.loras.empty());

    test::TempDir tmp;
    Settings s = d;
    s.generation.scheduler = "lcm";
    s.generation.guidance_scale = 0;
    s.generation.timestep_spacing = "trailing";
    s.generation.decoder = "/models/taesd, tiny";
    s.generation.dtype = "bf16";
    s.generation.prompt_syntax = "plain";
    s.generation.clip_skip = 2;
    s.generation.loras = {{"/loras/fox: v2.safetensors", 0.7}, {"lcm-lora-sdv1-5", -1.5}};
    save_settings(tmp / "settings.yaml", s);
    const auto r = load_settings(tmp / "settings.yaml");
    CHECK(r.warnings.empty());
    CHECK(r.settings == s);

    const auto user = parse_settings("generation:\n  loras:\n    - {file: a.safetensors}\n", "user.yaml");
    REQUIRE(user.settings.generation.loras.size() == 1);
    CHECK(user.settings.generation.loras[0].strength == 1.0);  // the default strength

    CHECK(parse_error("generation:\n  timestep_spacing: evenly\n").find("generation.timestep_spacing: expected") != std::string::npos);
    CHECK(parse_error("generation:\n  dtype: f64\n").find("generation.dtype: expected") != std::string::npos);
    CHECK(parse_error("generation:\n  prompt_syntax: comfy\n").find("generation.prompt_syntax: expected a1111 or plain") != std::string::npos);
    CHECK(parse_error("generation:\n  clip_skip: 13\n").find("generation.clip_skip: must be in 1..12") != std::string::npos);
    CHECK(parse_error("generation:\n  loras:\n    - {file: \"\"}\n").find("generation.loras[0].file: must not be empty") != std::string::npos);
    CHECK(parse_error("generation:\n  loras:\n    - {file: a, strength: .inf}\n").find("generation.loras[0].strength") != std::string::npos);
    const auto unknown = parse_settings("generation:\n  loras:\n    - {file: a, scale: 1}\n", "user.yaml");
    REQUIRE(unknown.warnings.size() == 1);
    CHECK(unknown.warnings[0].find("generation.loras[0].scale") != std::string::npos);
}

TEST_CASE("the studio's scoring labels and dataset folder: defaults, round trip, wrong types", "[settings]") {
    const Settings d = defaults();
    CHECK(d.scoring_labels.empty());
    CHECK(d.training.dataset_folder.empty());

    test::TempDir tmp;
    Settings s = d;
    s.scoring_labels = {"a photo of a cat", "a sketch, \"quoted\""};
    s.training.dataset_folder = "~/datasets/cat-vs-dog";
    s.training.name = "cats";
    const fs::path path = tmp / "settings.yaml";
    save_settings(path, s);
    const auto r = load_settings(path);
    CHECK(r.warnings.empty());
    CHECK(r.settings.scoring_labels == s.scoring_labels);
    CHECK(r.settings.training.dataset_folder == "~/datasets/cat-vs-dog");
    CHECK(r.settings.training.name == "cats");

    try {
        parse_settings("scoring_labels: 3\n", "user.yaml");
        FAIL("a number was taken as a label list");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find("user.yaml:1:17: scoring_labels") == 0);
    }
}

// Regression (fuzz/fuzz_settings): yaml-cpp read the invalid UTF-8 bytes of a label into the
// settings as they were, and settings_to_yaml wrote U+FFFD for them, so save + load changed the
// settings. A line that is not UTF-8 is now an error naming it.
TEST_CASE("settings text that is not UTF-8 is an error naming the line") {
    const std::string yaml = "label_presets:\n  - name: styled\n    objects: [a fox\x80\x80, an owl]\n";
    CHECK(parse_error(yaml).find("user.yaml:3:") == 0);
    CHECK(parse_error(yaml).find("not valid UTF-8") != std::string::npos);
    CHECK(parse_error("device: \"cpu\xc3\"\n").find("user.yaml:1:") == 0);  // a cut 2-byte sequence
    // Valid UTF-8 beyond ASCII reads and round-trips.
    const auto ok = parse_settings("generation:\n  prompt: \"caf\xc3\xa9 \xe2\x9c\xa8\"\n", "user.yaml");
    CHECK(ok.settings.generation.prompt == "caf\xc3\xa9 \xe2\x9c\xa8");
    CHECK(parse_settings(settings_to_yaml(ok.settings), "again.yaml").settings == ok.settings);
}
