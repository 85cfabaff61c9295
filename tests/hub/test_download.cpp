// core/hub/download: Hugging Face downloads against a local fake Hub (tests/hub/fake_hub.h).
#include "tests/support/catch.h"

#include <csignal>
#include <fstream>
#include <set>
#include <thread>

#include <sys/resource.h>

#include "core/hub/download.h"
#include "core/util/error.h"
#include "tests/hub/fake_hub.h"
#include "tests/support/fixtures.h"

namespace fs = std::filesystem;
using namespace pictor;
using namespace pictor::hub;
using pictor::test::FakeHub;
using pictor::test::pseudo_random_bytes;
using pictor::test::read_binary_file;

namespace {

const std::string kCommit = "0123456789abcdef0123456789abcdef01234567";

struct Fixture {
    FakeHub hub;
    test::TempDir dir;
    HubConfig config;
    std::string config_json = R"({"hidden_size": 32})";
    std::string vocab = R"({"a": 0, "b": 1})";
    std::string weights = pseudo_random_bytes(200000, 1);
    std::string weights_fp16 = pseudo_random_bytes(100000, 2);
    std::string unet = pseudo_random_bytes(150000, 3);

    Fixture() {
        hub.add_repo("org/tiny", {kCommit,
                                  {{"README.md", "# tiny\n", false},
                                   {"config.json", config_json, false},
                                   {"model.safetensors", weights, true},
                                   {"model.fp16.safetensors", weights_fp16, true},
                                   {"tokenizer/vocab.json", vocab, false},
                                   {"unet/diffusion_pytorch_model.safetensors", unet, true}},
                                  ""});
        config.endpoint = hub.url();
        config.cache_dir = dir / "hub";
        config.max_attempts = 1;
    }
    fs::path repo_dir() const { return config.cache_dir / "models--org--tiny"; }
    fs::path snapshot() const { return repo_dir() / "snapshots" / kCommit; }
    RepoDownloadRequest request() const {
        RepoDownloadRequest r;
        r.repo_id = "org/tiny";
        r.include = {"*.json", "*.safetensors"};
        return r;
    }
};


// Every file and symlink under `root` (relative paths; symlinks with their targets), except lock files.
std::set<std::string> tree(const fs::path& root) {
    std::set<std::string> out;
    if (!fs::exists(root)) return out;
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
        const std::string rel = it->path().lexically_relative(root).string();
        if (rel.rfind(".locks", 0) == 0) continue;
        if (it->is_symlink()) {
            out.insert(rel + " -> " + fs::read_symlink(it->path()).string());
        } else if (it->is_regular_file()) {
            out.insert(rel + " (" + std::to_string(it->file_size()) + ")");
        }
    }
    return out;
}

int count_requests(const FakeHub& hub, const std::string& method, const std::string& prefix) {
    int n = 0;
    for (const auto& e : hub.log()) n += e.method == method && e.target.rfind(prefix, 0) == 0;
    return n;
}

}  // namespace

TEST_CASE("a repo download writes the huggingface_hub cache layout", "[hub][download]") {
    Fixture f;
    const DownloadResult result = download_repo(f.request(), f.config);
    CHECK_FALSE(result.cancelled);
    CHECK(result.commit == kCommit);
    CHECK(result.snapshot_dir == f.snapshot());
    CHECK(result.files == std::vector<std::string>{"config.json", "model.safetensors", "tokenizer/vocab.json",
                                                   "unet/diffusion_pytorch_model.safetensors"});
    CHECK(result.files_downloaded == 4);
    const std::uint64_t expected_bytes = f.config_json.size() + f.weights.size() + f.vocab.size() + f.unet.size();
    CHECK(result.bytes_downloaded == expected_bytes);
    CHECK(result.bytes_total == expected_bytes);

    // refs/main holds the bare commit (no newline), as huggingface_hub writes it.
    CHECK(read_binary_file(f.repo_dir() / "refs" / "main") == kCommit);
    // snapshots/<commit>/<file> are relative symlinks into blobs/<etag>.
    const std::string lfs_etag = FakeHub::sha256(f.weights);
    CHECK(fs::read_symlink(f.snapshot() / "model.safetensors") == fs::path("../../blobs/" + lfs_etag));
    CHECK(fs::read_symlink(f.snapshot() / "config.json") ==
          fs::path("../../blobs/" + FakeHub::git_sha1(f.config_json)));
    CHECK(fs::read_symlink(f.snapshot() / "unet" / "diffusion_pytorch_model.safetensors") ==
          fs::path("../../../blobs/" + FakeHub::sha256(f.unet)));
    CHECK(fs::read_symlink(f.snapshot() / "tokenizer" / "vocab.json") ==
          fs::path("../../../blobs/" + FakeHub::git_sha1(f.vocab)));
    CHECK(read_binary_file(f.snapshot() / "model.safetensors") == f.weights);
    CHECK(read_binary_file(f.snapshot() / "unet" / "diffusion_pytorch_model.safetensors") == f.unet);
    CHECK(read_binary_file(f.snapshot() / "tokenizer" / "vocab.json") == f.vocab);
    CHECK(fs::is_regular_file(f.repo_dir() / "blobs" / lfs_etag));
    CHECK(fs::exists(f.config.cache_dir / ".locks" / "models--org--tiny" / (lfs_etag + ".lock")));
    // Unselected files and the fp16 variant copies are not fetched; no partial file is left.
    CHECK_FALSE(fs::exists(f.snapshot() / "README.md"));
    CHECK_FALSE(fs::exists(f.snapshot() / "model.fp16.safetensors"));
    for (const auto& entry : tree(f.config.cache_dir)) CHECK(entry.find(".incomplete") == std::string::npos);

    // The metadata requests went to the listed commit, the LFS bytes came from the CDN path.
    CHECK(count_requests(f.hub, "HEAD", "/org/tiny/resolve/" + kCommit + "/") == 4);
    CHECK(count_requests(f.hub, "GET", "/cdn/") == 2);

    SECTION("a second call finds everything cached and transfers nothing") {
        f.hub.clear_log();
        const DownloadResult again = download_repo(f.request(), f.config);
        CHECK(again.files_downloaded == 0);
        CHECK(again.bytes_downloaded == 0);
        CHECK(count_requests(f.hub, "GET", "/cdn/") == 0);
    }
}

TEST_CASE("the fp16 variant replaces the full-precision weight files", "[hub][download]") {
    Fixture f;
    RepoDownloadRequest r = f.request();
    r.variant = "fp16";
    const DownloadResult result = download_repo(r, f.config);
    CHECK(result.files == std::vector<std::string>{"config.json", "model.fp16.safetensors", "tokenizer/vocab.json",
                                                   "unet/diffusion_pytorch_model.safetensors"});
    CHECK(read_binary_file(f.snapshot() / "model.fp16.safetensors") == f.weights_fp16);
    CHECK_FALSE(fs::exists(f.snapshot() / "model.safetensors"));
}

TEST_CASE("file selection: required alternatives, globs, variants", "[hub][download]") {
    const std::vector<RepoFile> files{{"model_index.json", {}},
                                      {"unet/config.json", {}},
                                      {"unet/diffusion_pytorch_model.bin", {}},
                                      {"unet/diffusion_pytorch_model.safetensors", {}},
                                      {"unet/diffusion_pytorch_model.fp16.safetensors", {}},
                                      {"v1-5-pruned.ckpt", {}},
                                      {"pytorch_model.bin", {}}};
    RepoDownloadRequest r;
    r.repo_id = "org/x";
    r.required = {{"model_index.json"}, {"unet/diffusion_pytorch_model.safetensors", "unet/diffusion_pytorch_model.bin"}};
    r.include = {"unet/*.json"};
    CHECK(select_files(r, files) ==
          std::vector<std::string>{"model_index.json", "unet/config.json", "unet/diffusion_pytorch_model.safetensors"});
    r.variant = "fp16";
    CHECK(select_files(r, files) == std::vector<std::string>{"model_index.json", "unet/config.json",
                                                             "unet/diffusion_pytorch_model.fp16.safetensors"});
    // A folder pattern ending in '/' takes everything below it; exclusions apply to globs.
    RepoDownloadRequest g;
    g.repo_id = "org/x";
    g.include = {"unet/"};
    g.exclude = {"*.bin"};
    CHECK(select_files(g, files) ==
          std::vector<std::string>{"unet/config.json", "unet/diffusion_pytorch_model.safetensors"});
    // Alternatives: the first the repo has.
    RepoDownloadRequest a;
    a.repo_id = "org/x";
    a.required = {{"model.safetensors", "pytorch_model.bin"}};
    CHECK(select_files(a, files) == std::vector<std::string>{"pytorch_model.bin"});
    a.required = {{"model.safetensors", "tf_model.h5"}};
    CHECK_THROWS_WITH(select_files(a, files), Catch::Contains("has no model.safetensors or tf_model.h5"));
}

TEST_CASE("an interrupted transfer resumes with Range and nothing partial is visible", "[hub][download]") {
    Fixture f;
    RepoDownloadRequest r;
    r.repo_id = "org/tiny";
    r.required = {{"model.safetensors"}};
    const std::string etag = FakeHub::sha256(f.weights);
    const fs::path incomplete = f.repo_dir() / "blobs" / (etag + ".incomplete");

    f.hub.cut_transfers(1, 80000);
    CHECK_THROWS_WITH(download_repo(r, f.config), Catch::Contains("interrupted after") &&
                                                      Catch::Contains("model.safetensors") &&
                                                      Catch::Contains("resume"));
    CHECK(fs::file_size(incomplete) == 80000);
    CHECK_FALSE(fs::exists(f.repo_dir() / "blobs" / etag));
    CHECK_FALSE(fs::exists(f.snapshot() / "model.safetensors"));
    CHECK_FALSE(fs::exists(f.repo_dir() / "refs" / "main"));

    f.hub.clear_log();
    const DownloadResult result = download_repo(r, f.config);
    CHECK(result.bytes_downloaded == f.weights.size() - 80000);
    CHECK(read_binary_file(f.snapshot() / "model.safetensors") == f.weights);
    CHECK_FALSE(fs::exists(incomplete));
    bool ranged = false;
    for (const auto& e : f.hub.log()) {
        if (e.method == "GET" && e.target == "/cdn/" + etag) ranged = e.headers.count("range") && e.headers.at("range") == "bytes=80000-";
    }
    CHECK(ranged);
}

TEST_CASE("a cut transfer is retried within one call when attempts remain", "[hub][download]") {
    Fixture f;
    f.config.max_attempts = 3;
    f.hub.cut_transfers(2, 50000);
    RepoDownloadRequest r;
    r.repo_id = "org/tiny";
    r.required = {{"model.safetensors"}};
    struct Messages : DownloadSink {
        std::vector<std::string> messages;
        void on_message(std::string_view m) override { messages.emplace_back(m); }
    } sink;
    const DownloadResult result = download_repo(r, f.config, &sink);
    CHECK(read_binary_file(f.snapshot() / "model.safetensors") == f.weights);
    CHECK(result.bytes_downloaded == f.weights.size());
    REQUIRE(sink.messages.size() >= 2);
    CHECK_THAT(sink.messages[0], Catch::Contains("retrying"));
    CHECK_THAT(sink.messages[1], Catch::Contains("resuming"));
}

TEST_CASE("a server that ignores Range makes the download start over", "[hub][download]") {
    Fixture f;
    f.config.max_attempts = 2;
    f.hub.cut_transfers(1, 60000);
    f.hub.ignore_range(true);
    RepoDownloadRequest r;
    r.repo_id = "org/tiny";
    r.required = {{"model.safetensors"}};
    download_repo(r, f.config);
    CHECK(read_binary_file(f.snapshot() / "model.safetensors") == f.weights);
}

TEST_CASE("a corrupt download is rejected and leaves the cache as it was", "[hub][download]") {
    Fixture f;
    // Start from a cache that already holds config.json.
    download_file("org/tiny", "config.json", "main", f.config);
    const auto before = tree(f.config.cache_dir);
    f.hub.corrupt_content(true);

    RepoDownloadRequest r;
    r.repo_id = "org/tiny";
    r.required = {{"model.safetensors"}};
    CHECK_THROWS_WITH(download_repo(r, f.config),
                      Catch::Contains("hash mismatch") && Catch::Contains("SHA-256 " + FakeHub::sha256(f.weights)) &&
                          Catch::Contains("cache is unchanged"));
    CHECK(tree(f.config.cache_dir) == before);

    // A small (non-LFS) file is checked against its git blob SHA-1.
    CHECK_THROWS_WITH(download_file("org/tiny", "tokenizer/vocab.json", "main", f.config),
                      Catch::Contains("hash mismatch") && Catch::Contains("git SHA-1"));
    CHECK(tree(f.config.cache_dir) == before);

    f.hub.corrupt_content(false);
    download_repo(r, f.config);
    CHECK(read_binary_file(f.snapshot() / "model.safetensors") == f.weights);
}

TEST_CASE("private repos: 401 without a token, the token never leaves the Hub's origin", "[hub][download]") {
    Fixture f;
    FakeHub cdn;
    f.hub.add_repo("org/private", {kCommit, {{"model.safetensors", f.weights, true}}, "secret"});
    cdn.add_repo("org/private", {kCommit, {{"model.safetensors", f.weights, true}}, ""});
    f.hub.set_cdn(cdn.url());
    RepoDownloadRequest r;
    r.repo_id = "org/private";

    CHECK_THROWS_WITH(download_repo(r, f.config),
                      Catch::Contains("HTTP 401") && Catch::Contains("gated or private: set HF_TOKEN"));
    f.config.token = "wrong";
    CHECK_THROWS_WITH(download_repo(r, f.config),
                      Catch::Contains("HTTP 401") && Catch::Contains("token in HF_TOKEN was refused"));
    CHECK_FALSE(fs::exists(f.config.cache_dir / "models--org--private"));

    f.config.token = "secret";
    f.hub.clear_log();
    download_repo(r, f.config);
    CHECK(read_binary_file(f.config.cache_dir / "models--org--private" / "snapshots" / kCommit / "model.safetensors") ==
          f.weights);
    for (const auto& e : f.hub.log()) {
        if (e.target.find("org/private") != std::string::npos && e.headers.count("authorization")) {
            CHECK(e.headers.at("authorization") == "Bearer secret");
        }
    }
    REQUIRE(count_requests(cdn, "GET", "/cdn/") == 1);
    for (const auto& e : cdn.log()) CHECK(e.headers.count("authorization") == 0);
}

TEST_CASE("404s say whether the repo, the revision or the file is missing", "[hub][download]") {
    Fixture f;
    RepoDownloadRequest r;
    r.repo_id = "org/missing";
    CHECK_THROWS_WITH(download_repo(r, f.config),
                      Catch::Contains("HTTP 404") && Catch::Contains("repository 'org/missing' not found"));
    r.repo_id = "org/tiny";
    r.revision = "v9";
    CHECK_THROWS_WITH(download_repo(r, f.config),
                      Catch::Contains("HTTP 404") && Catch::Contains("revision 'v9' not found in 'org/tiny'"));
    CHECK_THROWS_WITH(download_file("org/tiny", "nope.bin", "main", f.config),
                      Catch::Contains("HTTP 404") && Catch::Contains("file 'nope.bin' not found in 'org/tiny'"));
    CHECK_FALSE(fs::exists(f.repo_dir()));
}

TEST_CASE("unreachable endpoint and malformed input are clear errors", "[hub][download]") {
    Fixture f;
    int free_port = 0;
    {
        FakeHub closed;
        free_port = closed.port();
    }
    f.config.endpoint = "http://127.0.0.1:" + std::to_string(free_port);
    f.config.connect_timeout_s = 5;
    CHECK_THROWS_WITH(download_file("org/tiny", "config.json", "main", f.config), Catch::Contains("cannot reach"));
    CHECK_THROWS_WITH(download_file("not a repo", "x", "main", f.config), Catch::Contains("not a Hugging Face repo id"));
    CHECK_THROWS_WITH(download_file("org/tiny", "../escape", "main", f.config), Catch::Contains("safe relative path"));
    CHECK(repo_folder_name("openai/clip-vit-base-patch32") == "models--openai--clip-vit-base-patch32");
    CHECK_THROWS_WITH(repo_folder_name("a/b/c"), Catch::Contains("not a Hugging Face repo id"));
}

TEST_CASE("a listing with a file name escaping the snapshot is refused", "[hub][download]") {
    Fixture f;
    f.hub.add_repo("org/evil", {kCommit, {{"../../escape.txt", "x", false}}, ""});
    RepoDownloadRequest r;
    r.repo_id = "org/evil";
    CHECK_THROWS_WITH(download_repo(r, f.config), Catch::Contains("not a safe relative path"));
}

TEST_CASE("cancel stops the transfer, keeps the partial file, shows nothing", "[hub][download]") {
    Fixture f;
    RepoDownloadRequest r;
    r.repo_id = "org/tiny";
    r.required = {{"model.safetensors"}};
    struct CancelOnFirstBytes : DownloadSink {
        std::atomic<bool> stop{false};
        DownloadProgress last;
        int stages = 0;
        void on_stage(std::string_view) override { ++stages; }
        void on_download(const DownloadProgress& p) override {
            last = p;
            if (p.item_done > 0) stop = true;
        }
        bool cancelled() const override { return stop; }
    } sink;
    const DownloadResult result = download_repo(r, f.config, &sink);
    CHECK(result.cancelled);
    CHECK(sink.last.item == "model.safetensors");
    CHECK(sink.last.item_total == f.weights.size());
    CHECK(sink.last.total == f.weights.size());
    CHECK(sink.last.item_count == 1);
    CHECK_FALSE(fs::exists(f.snapshot() / "model.safetensors"));
    CHECK_FALSE(fs::exists(f.repo_dir() / "refs" / "main"));
    CHECK(fs::exists(f.repo_dir() / "blobs" / (FakeHub::sha256(f.weights) + ".incomplete")));

    const DownloadResult resumed = download_repo(r, f.config);
    CHECK_FALSE(resumed.cancelled);
    CHECK(read_binary_file(f.snapshot() / "model.safetensors") == f.weights);
}

TEST_CASE("a write error (file size limit, like a full disk) is reported, not swallowed", "[hub][download]") {
    Fixture f;
    RepoDownloadRequest r;
    r.repo_id = "org/tiny";
    r.required = {{"model.safetensors"}};
    // RLIMIT_FSIZE makes write(2) fail with EFBIG past the limit (SIGXFSZ ignored), as a full disk fails with ENOSPC.
    rlimit old{};
    getrlimit(RLIMIT_FSIZE, &old);
    auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    rlimit small = old;
    small.rlim_cur = 50000;
    setrlimit(RLIMIT_FSIZE, &small);
    std::string message;
    try {
        download_repo(r, f.config);
    } catch (const Error& e) {
        message = e.what();
    }
    setrlimit(RLIMIT_FSIZE, &old);
    std::signal(SIGXFSZ, old_handler);
    CHECK_THAT(message, Catch::Contains("cannot write") && Catch::Contains("disk full"));
    CHECK_FALSE(fs::exists(f.snapshot() / "model.safetensors"));
}

TEST_CASE("a renamed repo's relative redirect is followed and the cache keeps the asked-for name", "[hub][download]") {
    Fixture f;
    f.hub.add_rename("org/old-tiny", "org/tiny");
    const DownloadResult result = download_file("org/old-tiny", "config.json", "main", f.config);
    CHECK(result.commit == kCommit);
    const fs::path repo = f.config.cache_dir / "models--org--old-tiny";
    CHECK(read_binary_file(repo / "snapshots" / kCommit / "config.json") == f.config_json);
    CHECK(read_binary_file(repo / "refs" / "main") == kCommit);
}

TEST_CASE("two threads pulling the same repo share the blobs through the lock files", "[hub][download]") {
    Fixture f;
    DownloadResult a, b;
    std::string error_a, error_b;
    const auto pull = [&](DownloadResult& out, std::string& error) {
        try {
            out = download_repo(f.request(), f.config);
        } catch (const std::exception& e) {
            error = e.what();
        }
    };
    std::thread first(pull, std::ref(a), std::ref(error_a));
    std::thread second(pull, std::ref(b), std::ref(error_b));
    first.join();
    second.join();
    CHECK(error_a.empty());
    CHECK(error_b.empty());
    // Every file was transferred exactly once, by one thread or the other.
    CHECK(a.files_downloaded + b.files_downloaded == 4);
    CHECK(count_requests(f.hub, "GET", "/cdn/") == 2);
    CHECK(read_binary_file(f.snapshot() / "model.safetensors") == f.weights);
    CHECK(read_binary_file(f.snapshot() / "unet" / "diffusion_pytorch_model.safetensors") == f.unet);
}
