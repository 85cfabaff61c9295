// app/cli/cmd_models.cpp: `pictor-cli models ...` end to end against the fake Hub, with the
// command's own sources linked in (main.cpp's dispatcher is replaced by a direct call).
#include "tests/support/catch.h"

#include "core/jobs/job_error.h"

#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "app/cli/args.h"
#include "app/cli/command.h"
#include "core/hub/catalogue.h"
#include "core/util/error.h"
#include "tests/hub/fake_hub.h"
#include "tests/support/fixtures.h"

namespace pictor::cli {
std::map<std::string, Command>& commands() {
    static std::map<std::string, Command> registry;
    return registry;
}
}  // namespace pictor::cli

namespace fs = std::filesystem;
using namespace pictor;
using pictor::test::FakeHub;
using pictor::test::ScopedEnv;

namespace {

const std::string kCommit = "fedcba9876543210fedcba9876543210fedcba98";

struct Run {
    int code = 0;
    std::string out, err;
};

// Runs `pictor-cli models <words>` as main() would (exit codes: usage 2, engine error 1).
Run models(const std::vector<std::string>& words) {
    Run r;
    std::ostringstream out, err;
    auto* old_out = std::cout.rdbuf(out.rdbuf());
    auto* old_err = std::cerr.rdbuf(err.rdbuf());
    try {
        cli::Args args("models", words);
        r.code = cli::commands().at("models").run(args);
    } catch (const cli::UsageError& e) {
        err << "error: " << e.what() << "\n";
        r.code = 2;
    } catch (const InvalidRequest& e) {
        err << "error: " << e.what() << "\n";
        r.code = 2;
    } catch (const Error& e) {
        err << "error: " << e.what() << "\n";
        r.code = 1;
    }
    std::cout.rdbuf(old_out);
    std::cerr.rdbuf(old_err);
    r.out = out.str();
    r.err = err.str();
    return r;
}

nlohmann::json entry(const nlohmann::json& list, const std::string& name) {
    for (const auto& e : list) {
        if (e["name"] == name) return e;
    }
    FAIL("no entry " << name);
    return {};
}

}  // namespace

TEST_CASE("pictor-cli models: add, list, pull, verify, remove", "[hub][cli]") {
    FakeHub hub;
    test::TempDir dir;
    const std::string weights = test::pseudo_random_bytes(70000, 21);
    hub.add_repo("org/tiny", {kCommit,
                              {{"config.json", R"({"a": 1})", false},
                               {"model.safetensors", weights, true},
                               {"README.md", "# tiny", false}},
                              ""});
    const std::string pth = "resnet18-" + FakeHub::sha256(weights).substr(0, 8) + ".pth";
    hub.add_plain_file(pth, weights);
    ScopedEnv endpoint("HF_ENDPOINT", hub.url());
    ScopedEnv cache("HF_HUB_CACHE", (dir / "hf").string());
    ScopedEnv home("HF_HOME", (dir / "hf-home").string());
    ScopedEnv token("HF_TOKEN", "");
    ScopedEnv legacy_token("HUGGING_FACE_HUB_TOKEN", "");
    ScopedEnv torch("TORCH_HOME", (dir / "torch").string());
    ScopedEnv config("XDG_CONFIG_HOME", (dir / "config").string());

    Run r = models({"add", "org/tiny", "--include", "*.json", "*.safetensors"});
    REQUIRE(r.code == 0);
    CHECK_THAT(r.out, Catch::Contains("added 'tiny'"));
    CHECK(fs::exists(dir / "config" / "pictor" / "models.yaml"));

    r = models({"list", "--json"});
    REQUIRE(r.code == 0);
    nlohmann::json list = nlohmann::json::parse(r.out);
    CHECK(list.size() == hub::builtin_catalogue().size() + 1);
    CHECK(entry(list, "sd15")["status"] == "missing");
    CHECK(entry(list, "sd15")["approx_variant_size_bytes"]["fp16"].get<std::uint64_t>() > 0);
    CHECK(entry(list, "tiny")["status"] == "missing");

    r = models({"pull", "tiny"});
    REQUIRE(r.code == 0);
    CHECK_THAT(r.out, Catch::Contains("tiny: downloaded 2 file(s)"));
    r = models({"pull", "tiny"});
    CHECK_THAT(r.out, Catch::Contains("already complete"));

    list = nlohmann::json::parse(models({"list", "--json"}).out);
    const nlohmann::json tiny = entry(list, "tiny");
    CHECK(tiny["status"] == "complete");
    CHECK(tiny["location"] == (dir / "hf" / "models--org--tiny" / "snapshots" / kCommit).string());
    CHECK(tiny["commit"] == kCommit);
    const Run text = models({"list"});
    CHECK_THAT(text.out, Catch::Contains("tiny") && Catch::Contains("complete") && Catch::Contains("found: "));

    r = models({"verify", "tiny"});
    CHECK(r.code == 0);
    CHECK_THAT(r.out, Catch::Contains("ok        model.safetensors  (SHA-256)") &&
                          Catch::Contains("ok        config.json  (git SHA-1)") && Catch::Contains("2 ok, 0 damaged"));
    {
        std::ofstream blob(dir / "hf" / "models--org--tiny" / "blobs" / FakeHub::sha256(weights),
                           std::ios::binary | std::ios::app);
        blob << "garbage";
    }
    r = models({"verify", "org/tiny"});
    CHECK(r.code == 1);
    CHECK_THAT(r.out, Catch::Contains("DAMAGED   model.safetensors") && Catch::Contains("pull it again"));

    // torchvision weights by URL.
    r = models({"pull", hub.url() + "/models/" + pth});
    REQUIRE(r.code == 0);
    CHECK(fs::exists(dir / "torch" / "hub" / "checkpoints" / pth));

    r = models({"remove", "tiny"});
    CHECK(r.code == 0);
    CHECK(nlohmann::json::parse(models({"list", "--json"}).out).size() == hub::builtin_catalogue().size());
}

TEST_CASE("pictor-cli models: usage and download errors", "[hub][cli]") {
    FakeHub hub;
    test::TempDir dir;
    ScopedEnv endpoint("HF_ENDPOINT", hub.url());
    ScopedEnv cache("HF_HUB_CACHE", (dir / "hf").string());
    ScopedEnv config("XDG_CONFIG_HOME", (dir / "config").string());

    CHECK(models({"--help"}).code == 0);
    CHECK_THAT(models({"pull", "--help"}).out, Catch::Contains("usage: pictor-cli models list"));
    CHECK(models({}).code == 2);
    CHECK(models({"frobnicate"}).code == 2);
    CHECK(models({"list", "--variant", "fp16"}).code == 2);
    CHECK(models({"pull"}).code == 2);
    Run r = models({"pull", "no-such-model"});
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Catch::Contains("unknown model 'no-such-model'"));
    r = models({"pull", "org/missing"});
    CHECK(r.code == 1);
    CHECK_THAT(r.err, Catch::Contains("HTTP 404") && Catch::Contains("repository 'org/missing' not found"));
    r = models({"verify", "sd15"});
    CHECK(r.code == 1);
    CHECK_THAT(r.err, Catch::Contains("not downloaded"));
    r = models({"pull", "resnet50", "--variant", "fp16"});
    CHECK(r.code == 1);
    CHECK_THAT(r.err, Catch::Contains("has no variants"));
}
