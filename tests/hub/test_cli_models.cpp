// app/cli/cmd_models.cpp: `pictor-cli models ...` end to end against the fake Hub, with the
// command's own sources linked in (main.cpp's dispatcher is replaced by a direct call).
#include "tests/support/catch.h"

#include "core/jobs/job_error.h"

#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

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

// The environment the command reads, pointed at the fake Hub and folders under `dir`.
struct HubEnvironment {
    HubEnvironment(const FakeHub& hub, const fs::path& dir)
        : endpoint("HF_ENDPOINT", hub.url()),
          cache("HF_HUB_CACHE", (dir / "hf").string()),
          home("HF_HOME", (dir / "hf-home").string()),
          token("HF_TOKEN", ""),
          legacy_token("HUGGING_FACE_HUB_TOKEN", ""),
          torch("TORCH_HOME", (dir / "torch").string()),
          config("XDG_CONFIG_HOME", (dir / "config").string()) {}
    ScopedEnv endpoint, cache, home, token, legacy_token, torch, config;
};

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
    const HubEnvironment env(hub, dir.path());

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

namespace {

// Starts `pictor-cli models <words>` in a child process (fork: the fake Hub stays in this one),
// kills it with SIGKILL after `delay`; returns true if it was still running then.
bool killed_during(const std::vector<std::string>& words, std::chrono::milliseconds delay) {
    std::cout.flush();
    std::cerr.flush();
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) _exit(models(words).code);  // no Catch2 teardown in the child
    std::this_thread::sleep_for(delay);
    int status = 0;
    const bool running = waitpid(child, &status, WNOHANG) == 0;
    if (running) {
        kill(child, SIGKILL);
        waitpid(child, &status, 0);
    }
    return running;
}

// Files under `root`, by path, with their contents.
std::map<fs::path, std::string> files_under(const fs::path& root) {
    std::map<fs::path, std::string> files;
    if (!fs::exists(root)) return files;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
        if (e.is_regular_file()) files[e.path()] = test::read_binary_file(e.path());
    }
    return files;
}

// After a kill: every visible file is the whole content, every .incomplete one a prefix of it.
// Returns the bytes kept in .incomplete files (what a resumed download need not fetch again).
std::size_t check_after_kill(const fs::path& root, const std::string& content, const std::string& file_name) {
    std::size_t kept = 0;
    for (const auto& [path, bytes] : files_under(root)) {
        const std::string name = path.filename().string();
        INFO(path.string());
        if (name.ends_with(".incomplete")) {
            CHECK(bytes.size() <= content.size());
            CHECK(content.compare(0, bytes.size(), bytes) == 0);
            kept += bytes.size();
        } else if (name == file_name || name == FakeHub::sha256(content)) {
            CHECK(bytes == content);
        }
    }
    return kept;
}

}  // namespace

TEST_CASE("pictor-cli models pull killed 20 times at random moments resumes and never shows a partial file",
          "[hub][cli][crash]") {
    FakeHub hub(std::chrono::seconds(240));
    test::TempDir dir;
    const std::string weights = test::pseudo_random_bytes(1'200'000, 5);
    hub.add_repo("org/big", {kCommit, {{"config.json", R"({"a": 1})", false}, {"model.safetensors", weights, true}}, ""});
    const std::string pth = "resnet50-" + FakeHub::sha256(weights).substr(0, 8) + ".pth";
    hub.add_plain_file(pth, weights);
    hub.limit_rate(1'000'000);  // 1.2 s a download: room for a kill in the middle
    const HubEnvironment env(hub, dir.path());
    REQUIRE(models({"add", "org/big"}).code == 0);

    struct Case {
        const char* what;
        std::vector<std::string> pull;
        fs::path root;
        std::string file_name;
    };
    const std::vector<Case> cases{
        {"Hub repo", {"pull", "big"}, dir / "hf", "model.safetensors"},
        {"torchvision URL", {"pull", hub.url() + "/models/" + pth}, dir / "torch", pth},
    };
    std::mt19937 random(77);
    for (const Case& c : cases) {
        INFO(c.what);
        int kills = 0, resumed = 0, completed = 0;
        std::size_t kept_before = 0;
        while (kills < 20) {
            const auto delay = std::chrono::milliseconds(std::uniform_int_distribution<int>(30, 900)(random));
            if (killed_during(c.pull, delay)) {
                ++kills;
                const std::size_t kept = check_after_kill(c.root, weights, c.file_name);
                // A restarted download continues from what the killed one kept.
                if (kept_before > 0 && kept >= kept_before) ++resumed;
                kept_before = kept;
            } else {
                // It finished before the kill: complete and correct; start over for more kills.
                ++completed;
                check_after_kill(c.root, weights, c.file_name);
                REQUIRE(models({"verify", c.pull[1]}).code == 0);
                fs::remove_all(c.root);
                kept_before = 0;
            }
        }
        hub.clear_log();
        const Run last = models(c.pull);
        INFO(last.err);
        REQUIRE(last.code == 0);
        CHECK(check_after_kill(c.root, weights, c.file_name) == 0);  // nothing .incomplete left
        CHECK(models({"verify", c.pull[1]}).code == 0);
        INFO(kills << " kills, " << resumed << " resumed, " << completed << " completed before the kill");
        CHECK(resumed >= 5);
        // The last run asked only for what was missing, when anything had been kept.
        if (kept_before > 0) {
            bool ranged = false;
            for (const auto& logged : hub.log()) {
                const auto range = logged.headers.find("range");
                if (range != logged.headers.end() && range->second != "bytes=0-") ranged = true;
            }
            CHECK(ranged);
        }
    }
}
