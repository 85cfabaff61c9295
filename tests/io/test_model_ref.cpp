// Model references resolved through local paths, a Hugging Face cache tree and a torch hub cache
// tree built here (with real symlinks into blobs/, as huggingface_hub writes them).
#include "tests/support/catch.h"

#include <cstdlib>

#include "core/io/model_ref.h"
#include "core/util/error.h"
#include "tests/support/fixtures.h"

using pictor::ModelSource;
using pictor::resolve_model_ref;
using pictor::test::TempDir;
using pictor::test::write_text_file;
namespace fs = std::filesystem;

namespace {

// Sets (or unsets, with nullptr) an environment variable for the lifetime of the object.
class EnvVar {
public:
    EnvVar(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        if (value) ::setenv(name, value, 1);
        else ::unsetenv(name);
    }
    ~EnvVar() {
        if (old_) ::setenv(name_.c_str(), old_->c_str(), 1);
        else ::unsetenv(name_.c_str());
    }

private:
    std::string name_;
    std::optional<std::string> old_;
};

// Every variable the cache roots read, cleared, with HOME pointing into `home`.
struct CleanEnv {
    explicit CleanEnv(const fs::path& home) : home_("HOME", home.c_str()) {}
    EnvVar home_;
    EnvVar a{"HF_HUB_CACHE", nullptr}, b{"HUGGINGFACE_HUB_CACHE", nullptr}, c{"HF_HOME", nullptr},
        d{"XDG_CACHE_HOME", nullptr}, e{"TORCH_HOME", nullptr};
};

const std::string kCommit = "39593d5650112b4cc580433f6b0435385882d819";
const std::string kCommit2 = "aaaabbbbccccddddeeeeffff0000111122223333";

// A snapshot file as huggingface_hub stores it: the content in blobs/<name>, a relative symlink
// from snapshots/<commit>/<file>.
void add_cached_file(const fs::path& repo, const std::string& commit, const std::string& file,
                     const std::string& content, const std::string& blob) {
    fs::create_directories(repo / "blobs");
    write_text_file(repo / "blobs" / blob, content);
    const fs::path link = repo / "snapshots" / commit / file;
    fs::create_directories(link.parent_path());
    fs::path up;
    const fs::path sub = fs::path(file).parent_path();
    for (auto it = sub.begin(); it != sub.end(); ++it) up /= "..";
    fs::create_symlink(up / ".." / ".." / "blobs" / blob, link);  // e.g. ../../../blobs/x for unet/x
}

fs::path make_sd_repo(const fs::path& hub) {
    const fs::path repo = hub / "models--stable-diffusion-v1-5--stable-diffusion-v1-5";
    add_cached_file(repo, kCommit, "model_index.json", "{}", "b1");
    add_cached_file(repo, kCommit, "unet/config.json", "{}", "b2");
    add_cached_file(repo, kCommit, "unet/diffusion_pytorch_model.safetensors", "weights", "b3");
    add_cached_file(repo, kCommit2, "unet/diffusion_pytorch_model.fp16.safetensors", "half", "b4");
    add_cached_file(repo, kCommit2, "unet/diffusion_pytorch_model.safetensors", "full", "b5");
    add_cached_file(repo, kCommit2, "model_index.json", "{}", "b1");
    fs::create_directories(repo / "refs");
    write_text_file(repo / "refs" / "main", kCommit);  // no newline, as huggingface_hub writes it
    write_text_file(repo / "refs" / "fp16", kCommit2 + "\n");
    return repo;
}

}  // namespace

TEST_CASE("cache roots follow the environment variables in the tools' order") {
    TempDir dir;
    CleanEnv env(dir / "home");
    CHECK(pictor::hf_hub_cache_dir() == dir / "home" / ".cache" / "huggingface" / "hub");
    CHECK(pictor::torch_hub_checkpoints_dir() == dir / "home" / ".cache" / "torch" / "hub" / "checkpoints");
    {
        EnvVar x("XDG_CACHE_HOME", (dir / "xdg").c_str());
        CHECK(pictor::hf_hub_cache_dir() == dir / "xdg" / "huggingface" / "hub");
        CHECK(pictor::torch_hub_checkpoints_dir() == dir / "xdg" / "torch" / "hub" / "checkpoints");
        EnvVar h("HF_HOME", (dir / "hf").c_str());
        EnvVar t("TORCH_HOME", (dir / "th").c_str());
        CHECK(pictor::hf_hub_cache_dir() == dir / "hf" / "hub");
        CHECK(pictor::torch_hub_checkpoints_dir() == dir / "th" / "hub" / "checkpoints");
        EnvVar legacy("HUGGINGFACE_HUB_CACHE", (dir / "legacy").c_str());
        CHECK(pictor::hf_hub_cache_dir() == dir / "legacy");
        EnvVar c("HF_HUB_CACHE", (dir / "hubcache").c_str());
        CHECK(pictor::hf_hub_cache_dir() == dir / "hubcache");
    }
    EnvVar tilde("TORCH_HOME", "~/t");
    CHECK(pictor::torch_hub_checkpoints_dir() == dir / "home" / "t" / "hub" / "checkpoints");
    CHECK(pictor::hf_repo_cache_dir("openai/clip-vit-base-patch32") ==
          dir / "home" / ".cache" / "huggingface" / "hub" / "models--openai--clip-vit-base-patch32");
    CHECK_THROWS_AS(pictor::hf_repo_cache_dir("../etc"), pictor::Error);
}

TEST_CASE("repo id syntax") {
    CHECK(pictor::is_hf_repo_id("openai/clip-vit-base-patch32"));
    CHECK(pictor::is_hf_repo_id("stable-diffusion-v1-5/stable-diffusion-v1-5"));
    CHECK_FALSE(pictor::is_hf_repo_id("resnet50-11ad3fa6.pth"));
    CHECK_FALSE(pictor::is_hf_repo_id("a/b/c"));
    CHECK_FALSE(pictor::is_hf_repo_id("../x"));
    CHECK_FALSE(pictor::is_hf_repo_id("/abs"));
    CHECK_FALSE(pictor::is_hf_repo_id("a b/c"));
}

TEST_CASE("a Hugging Face repo id resolves to its snapshot through refs and symlinked blobs") {
    TempDir dir;
    CleanEnv env(dir / "home");
    EnvVar hub("HF_HUB_CACHE", (dir / "hub").c_str());
    const fs::path repo = make_sd_repo(dir / "hub");

    const auto r = resolve_model_ref("stable-diffusion-v1-5/stable-diffusion-v1-5");
    CHECK(r.source == ModelSource::HuggingFaceCache);
    CHECK(r.revision == kCommit);
    CHECK(r.path == repo / "snapshots" / kCommit);
    CHECK(r.is_diffusers_pipeline());
    CHECK_FALSE(r.is_file());
    const fs::path unet = pictor::find_weight_file(r.path / "unet");
    CHECK(unet == r.path / "unet" / "diffusion_pytorch_model.safetensors");
    CHECK(fs::is_symlink(unet));
    CHECK(pictor::test::read_text_file(unet) == "weights");  // through the symlink into blobs/

    // A branch, an @suffix and a commit hash.
    CHECK(resolve_model_ref("stable-diffusion-v1-5/stable-diffusion-v1-5", "fp16").revision == kCommit2);
    CHECK(resolve_model_ref("stable-diffusion-v1-5/stable-diffusion-v1-5@fp16").revision == kCommit2);
    const auto by_hash = resolve_model_ref("stable-diffusion-v1-5/stable-diffusion-v1-5@" + kCommit2);
    CHECK(by_hash.path == repo / "snapshots" / kCommit2);
    CHECK(pictor::find_weight_file(by_hash.path / "unet", "fp16").filename() ==
          "diffusion_pytorch_model.fp16.safetensors");
    CHECK(pictor::find_weight_file(r.path / "unet", "fp16").filename() == "diffusion_pytorch_model.safetensors");
    // Only the fp16 files (an fp16-variant download): those are the weights, asked for or not.
    const fs::path half_only = dir / "half-only";
    fs::create_directories(half_only);
    write_text_file(half_only / "diffusion_pytorch_model.fp16.safetensors", "half");
    CHECK(pictor::find_weight_file(half_only).filename() == "diffusion_pytorch_model.fp16.safetensors");

    CHECK_THROWS_WITH(resolve_model_ref("stable-diffusion-v1-5/stable-diffusion-v1-5@nope"),
                      Catch::Contains((repo / "refs" / "nope").string()) && Catch::Contains("no such revision"));
    CHECK_THROWS_WITH(resolve_model_ref("stable-diffusion-v1-5/stable-diffusion-v1-5@../../x"),
                      Catch::Contains("not a valid revision"));
    // refs/main pointing at a snapshot that is not there.
    write_text_file(repo / "refs" / "gone", std::string(40, 'f'));
    CHECK_THROWS_WITH(resolve_model_ref("stable-diffusion-v1-5/stable-diffusion-v1-5@gone"),
                      Catch::Contains("snapshot of revision 'gone' missing"));
}

TEST_CASE("a dangling blob symlink (incomplete download) is not a weight file") {
    TempDir dir;
    CleanEnv env(dir / "home");
    EnvVar hub("HF_HUB_CACHE", (dir / "hub").c_str());
    const fs::path repo = make_sd_repo(dir / "hub");
    fs::remove(repo / "blobs" / "b3");
    const auto r = resolve_model_ref("stable-diffusion-v1-5/stable-diffusion-v1-5");
    CHECK_THROWS_WITH(pictor::find_weight_file(r.path / "unet"),
                      Catch::Contains("no weight file") && Catch::Contains("diffusion_pytorch_model.safetensors"));
}

TEST_CASE("torchvision file names resolve through the torch hub cache") {
    TempDir dir;
    CleanEnv env(dir / "home");
    EnvVar th("TORCH_HOME", (dir / "torch").c_str());
    const fs::path ckpt = dir / "torch" / "hub" / "checkpoints" / "resnet50-11ad3fa6.pth";
    fs::create_directories(ckpt.parent_path());
    write_text_file(ckpt, "x");
    const auto r = resolve_model_ref("resnet50-11ad3fa6.pth");
    CHECK(r.source == ModelSource::TorchHubCache);
    CHECK(r.path == ckpt);
    CHECK(r.is_file());
    CHECK_THROWS_WITH(resolve_model_ref("resnet18-f37072fd.pth"),
                      Catch::Contains("torch hub cache " +
                                      (dir / "torch" / "hub" / "checkpoints" / "resnet18-f37072fd.pth").string()));
}

TEST_CASE("local files and folders win and an unresolvable reference lists every place looked") {
    TempDir dir;
    CleanEnv env(dir / "home");
    write_text_file(dir / "w.safetensors", "x");
    fs::create_directories(dir / "clip");
    write_text_file(dir / "clip" / "config.json", "{}");
    write_text_file(dir / "clip" / "pytorch_model.bin", "x");
    CHECK(resolve_model_ref((dir / "w.safetensors").string()).source == ModelSource::LocalFile);
    const auto folder = resolve_model_ref((dir / "clip").string());
    CHECK(folder.source == ModelSource::LocalFolder);
    CHECK(folder.has_config());
    CHECK_FALSE(folder.is_diffusers_pipeline());
    CHECK(pictor::find_weight_file(folder.path).filename() == "pytorch_model.bin");
    write_text_file(dir / "clip" / "model.safetensors", "x");
    CHECK(pictor::find_weight_file(folder.path).filename() == "model.safetensors");  // safetensors first
    {
        EnvVar home("HOME", dir.path().c_str());
        CHECK(resolve_model_ref("~/clip").path == dir / "clip");
    }

    try {
        resolve_model_ref("openai/clip-vit-base-patch32");
        FAIL("resolved a model that is nowhere");
    } catch (const pictor::Error& e) {
        const std::string msg = e.what();
        CHECK_THAT(msg, Catch::Contains("'openai/clip-vit-base-patch32' not found"));
        CHECK_THAT(msg, Catch::Contains("local path"));
        CHECK_THAT(msg, Catch::Contains((dir / "home" / ".cache" / "huggingface" / "hub" /
                                         "models--openai--clip-vit-base-patch32" / "refs" / "main")
                                            .string()));
    }
    CHECK_THROWS_WITH(resolve_model_ref("no such thing"), Catch::Contains("not a Hugging Face repo id"));
    CHECK_THROWS_WITH(resolve_model_ref(""), Catch::Contains("empty"));
    CHECK_THROWS_WITH(pictor::find_weight_file(dir / "missing"), Catch::Contains("does not exist"));
    fs::create_directories(dir / "sharded");
    write_text_file(dir / "sharded" / "model.safetensors.index.json", "{}");
    CHECK_THROWS_WITH(pictor::find_weight_file(dir / "sharded"), Catch::Contains("sharded"));
}

TEST_CASE("the real fixture folders resolve as local model folders") {
    PICTOR_REQUIRE_FIXTURES(dir, "sd-tiny");
    const auto sd = resolve_model_ref(dir.string());
    CHECK(sd.is_diffusers_pipeline());
    CHECK(pictor::find_weight_file(dir / "unet").filename() == "diffusion_pytorch_model.safetensors");
    CHECK(pictor::find_weight_file(dir / "text_encoder").filename() == "model.safetensors");
}

TEST_CASE("a relative XDG_CACHE_HOME is ignored as the XDG spec says") {
    TempDir dir;
    CleanEnv env(dir / "home");
    EnvVar x("XDG_CACHE_HOME", "relative/cache");
    CHECK(pictor::hf_hub_cache_dir() == dir / "home" / ".cache" / "huggingface" / "hub");
    CHECK(pictor::torch_hub_checkpoints_dir() == dir / "home" / ".cache" / "torch" / "hub" / "checkpoints");
}
