// core/hub/download: torchvision weights into $TORCH_HOME/hub/checkpoints with the hash-prefix check.
#include "tests/support/catch.h"

#include <fstream>

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

std::vector<std::string> listing(const fs::path& dir) {
    std::vector<std::string> out;
    if (!fs::exists(dir)) return out;
    for (const auto& e : fs::directory_iterator(dir)) {
        const std::string name = e.path().filename().string();
        if (name.size() < 5 || name.substr(name.size() - 5) != ".lock") out.push_back(name);
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST_CASE("torch.hub hash prefixes are read from file names as torch.hub reads them", "[hub][torch]") {
    CHECK(torch_hash_prefix("resnet50-11ad3fa6.pth") == std::optional<std::string>("11ad3fa6"));
    CHECK(torch_hash_prefix("resnet18-f37072fd.pth") == std::optional<std::string>("f37072fd"));
    CHECK(torch_hash_prefix("efficientnet_b0_rwightman-3dd342df.pth") == std::optional<std::string>("3dd342df"));
    CHECK(torch_hash_prefix("resnet-50-abc1.pth") == std::optional<std::string>("abc1"));
    CHECK_FALSE(torch_hash_prefix("weights.pth").has_value());
    CHECK_FALSE(torch_hash_prefix("model-XYZ.pth").has_value());
}

TEST_CASE("torchvision weights with the right hash prefix land atomically in checkpoints/", "[hub][torch]") {
    FakeHub hub;
    test::TempDir dir;
    const std::string content = pseudo_random_bytes(120000, 7);
    const std::string name = "resnet18-" + FakeHub::sha256(content).substr(0, 8) + ".pth";
    hub.add_plain_file(name, content);
    TorchHubOptions options;
    options.checkpoints_dir = dir / "torch" / "hub" / "checkpoints";
    options.max_attempts = 1;

    struct Sink : DownloadSink {
        DownloadProgress last;
        void on_download(const DownloadProgress& p) override { last = p; }
    } sink;
    // Through a redirect, as download.pytorch.org answers from its CDN.
    const TorchHubResult result = download_url_to_torch_hub(hub.url() + "/redirect/models/" + name, options, &sink);
    CHECK_FALSE(result.cancelled);
    CHECK_FALSE(result.already_present);
    CHECK(result.path == options.checkpoints_dir / name);
    CHECK(read_binary_file(result.path) == content);
    CHECK(result.bytes_downloaded == content.size());
    CHECK(sink.last.total == content.size());
    CHECK(sink.last.done == content.size());
    CHECK(listing(options.checkpoints_dir) == std::vector<std::string>{name});

    const TorchHubResult again = download_url_to_torch_hub(hub.url() + "/models/" + name, options);
    CHECK(again.already_present);
    CHECK(again.bytes_downloaded == 0);
}

TEST_CASE("torchvision weights whose SHA-256 does not match the name are discarded", "[hub][torch]") {
    FakeHub hub;
    test::TempDir dir;
    const std::string content = pseudo_random_bytes(50000, 8);
    std::string wrong = FakeHub::sha256(content).substr(0, 8);
    wrong[0] = wrong[0] == '0' ? '1' : '0';
    const std::string name = "resnet50-" + wrong + ".pth";
    hub.add_plain_file(name, content);
    TorchHubOptions options;
    options.checkpoints_dir = dir / "checkpoints";
    CHECK_THROWS_WITH(download_url_to_torch_hub(hub.url() + "/models/" + name, options),
                      Catch::Contains("hash mismatch") && Catch::Contains("'" + wrong + "'") &&
                          Catch::Contains(FakeHub::sha256(content)));
    CHECK(listing(options.checkpoints_dir).empty());

    options.check_hash = false;  // as torch.hub's check_hash=False
    CHECK(read_binary_file(download_url_to_torch_hub(hub.url() + "/models/" + name, options).path) == content);
}

TEST_CASE("torchvision downloads resume and report HTTP errors", "[hub][torch]") {
    FakeHub hub;
    test::TempDir dir;
    const std::string content = pseudo_random_bytes(90000, 9);
    const std::string name = "resnet18-" + FakeHub::sha256(content).substr(0, 8) + ".pth";
    hub.add_plain_file(name, content);
    TorchHubOptions options;
    options.checkpoints_dir = dir / "checkpoints";
    options.max_attempts = 1;

    hub.cut_transfers(1, 30000);
    CHECK_THROWS_WITH(download_url_to_torch_hub(hub.url() + "/models/" + name, options),
                      Catch::Contains("interrupted after"));
    CHECK(listing(options.checkpoints_dir) == std::vector<std::string>{"." + name + ".incomplete"});
    hub.clear_log();
    const TorchHubResult result = download_url_to_torch_hub(hub.url() + "/models/" + name, options);
    CHECK(result.bytes_downloaded == content.size() - 30000);
    CHECK(read_binary_file(result.path) == content);
    bool ranged = false;
    for (const auto& e : hub.log()) ranged = ranged || (e.headers.count("range") && e.headers.at("range") == "bytes=30000-");
    CHECK(ranged);

    CHECK_THROWS_WITH(download_url_to_torch_hub(hub.url() + "/models/resnet99-00000000.pth", options),
                      Catch::Contains("HTTP 404") && Catch::Contains("resnet99-00000000.pth"));
    CHECK_THROWS_WITH(download_url_to_torch_hub("not a url", options), Catch::Contains("not a URL"));
}
