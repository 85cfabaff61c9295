// core/hub/catalogue + verify: built-in entries, user entries in models.yaml, status from the caches,
// pull into the caches the io resolver reads, verification of every blob.
#include "tests/support/catch.h"

#include <fstream>

#include "core/hub/catalogue.h"
#include "core/io/model_ref.h"
#include "core/util/error.h"
#include "tests/hub/fake_hub.h"
#include "tests/support/fixtures.h"

namespace fs = std::filesystem;
using namespace pictor;
using namespace pictor::hub;
using pictor::test::FakeHub;
using pictor::test::pseudo_random_bytes;
using pictor::test::read_binary_file;
using pictor::test::ScopedEnv;

namespace {

const std::string kCommit = "89abcdef0123456789abcdef0123456789abcdef";

// A fake Hub with a small diffusers-like repo and a torchvision-like file, caches in a temp folder
// (HF_HUB_CACHE / TORCH_HOME point there, so io's resolver sees what the hub wrote).
struct World {
    FakeHub hub;
    test::TempDir dir;
    ScopedEnv hf_cache{"HF_HUB_CACHE", (dir / "hf").string()};
    ScopedEnv torch_home{"TORCH_HOME", (dir / "torch").string()};
    HubConfig config;
    std::string unet = pseudo_random_bytes(60000, 11);
    std::string unet_fp16 = pseudo_random_bytes(30000, 12);
    std::string resnet = pseudo_random_bytes(40000, 13);
    std::string resnet_name = "resnet18-" + FakeHub::sha256(resnet).substr(0, 8) + ".pth";
    CatalogueEntry sd;
    CatalogueEntry torch;

    World() {
        hub.add_repo("org/sd-tiny", {kCommit,
                                     {{"model_index.json", R"({"_class_name": "StableDiffusionPipeline"})", false},
                                      {"unet/config.json", R"({"sample_size": 8})", false},
                                      {"unet/diffusion_pytorch_model.safetensors", unet, true},
                                      {"unet/diffusion_pytorch_model.fp16.safetensors", unet_fp16, true},
                                      {"safety_checker/model.safetensors", "not needed", true}},
                                     ""});
        hub.add_plain_file(resnet_name, resnet);
        config.endpoint = hub.url();
        config.cache_dir = hf_hub_cache_dir();
        sd.name = "sd-tiny";
        sd.kind = ModelKind::hf_repo;
        sd.repo_id = "org/sd-tiny";
        sd.files = {{"model_index.json"},
                    {"unet/config.json"},
                    {"unet/diffusion_pytorch_model.safetensors", "unet/diffusion_pytorch_model.bin"}};
        sd.variants = {"fp16"};
        sd.builtin = true;
        torch.name = "resnet18-tiny";
        torch.kind = ModelKind::torch_hub;
        torch.url = hub.url() + "/models/" + resnet_name;
    }
};

}  // namespace

TEST_CASE("the built-in catalogue lists the studio's models with their files and sizes", "[hub][catalogue]") {
    const auto& entries = builtin_catalogue();
    REQUIRE(entries.size() == 8);
    const CatalogueEntry& sd = entries[0];
    CHECK(sd.name == "sd15");
    CHECK(sd.repo_id == "stable-diffusion-v1-5/stable-diffusion-v1-5");
    CHECK(sd.variants == std::vector<std::string>{"fp16"});
    CHECK(sd.approx_size_for("fp16") < sd.approx_size_for(""));
    std::set<std::string> folders;
    for (const auto& group : sd.files) {
        const auto slash = group.front().find('/');
        folders.insert(slash == std::string::npos ? group.front() : group.front().substr(0, slash));
    }
    CHECK(folders == std::set<std::string>{"model_index.json", "scheduler", "text_encoder", "tokenizer", "unet", "vae"});
    CHECK(variant_file_name(sd.files[9].front(), "fp16") == "unet/diffusion_pytorch_model.fp16.safetensors");
    CHECK(entries[1].repo_id == "openai/clip-vit-base-patch32");
    CHECK(entries[2].url == "https://download.pytorch.org/models/resnet50-11ad3fa6.pth");
    CHECK(entries[2].reference() == "resnet50-11ad3fa6.pth");
    CHECK(torch_hash_prefix(entries[2].file_name()) == std::optional<std::string>("11ad3fa6"));
    CHECK(entries[3].url == "https://download.pytorch.org/models/resnet18-f37072fd.pth");
    // The few-step models of CPU generation.
    CHECK(entries[4].repo_id == "madebyollin/taesd");
    CHECK(entries[5].repo_id == "latent-consistency/lcm-lora-sdv1-5");
    CHECK(entries[6].repo_id == "SimianLuo/LCM_Dreamshaper_v7");
    CHECK(entries[7].repo_id == "stabilityai/sd-turbo");
    CHECK(entries[7].files == sd.files);
    for (const auto& e : entries) {
        CHECK(e.builtin);
        CHECK(e.approx_size > 0);
    }
}

TEST_CASE("user entries persist in models.yaml and are validated", "[hub][catalogue]") {
    test::TempDir dir;
    const fs::path path = dir / "config" / "models.yaml";
    Catalogue c = Catalogue::load(path);
    const size_t builtins = builtin_catalogue().size();
    CHECK(c.entries().size() == builtins);
    c.add_hf_repo("org/tiny", "", "main", {"*.json"});
    fs::create_directories(dir / "my-folder");
    c.add_local_folder(dir / "my-folder", "mine");
    CHECK_THROWS_WITH(c.add_hf_repo("other/tiny"), Catch::Contains("already in the catalogue"));
    CHECK_THROWS_WITH(c.add_hf_repo("not-a-repo"), Catch::Contains("not a Hugging Face repo id"));
    CHECK_THROWS_WITH(c.add_local_folder(dir / "absent"), Catch::Contains("is not a folder"));
    c.save();

    const Catalogue again = Catalogue::load(path);
    REQUIRE(again.entries().size() == builtins + 2);
    const CatalogueEntry* tiny = again.find("tiny");
    REQUIRE(tiny);
    CHECK(tiny->repo_id == "org/tiny");
    CHECK(tiny->include == std::vector<std::string>{"*.json"});
    CHECK_FALSE(tiny->builtin);
    CHECK(again.find("org/tiny") == tiny);
    CHECK(again.find("mine")->path == fs::absolute(dir / "my-folder").lexically_normal());
    CHECK(again.find("resnet50-11ad3fa6.pth")->name == "resnet50");
    CHECK(again.find("stable-diffusion-v1-5/stable-diffusion-v1-5")->name == "sd15");
    CHECK(again.find("nothing") == nullptr);

    Catalogue edit = again;
    CHECK_THROWS_WITH(edit.remove("sd15"), Catch::Contains("built-in"));
    CHECK(edit.remove("tiny"));
    CHECK_FALSE(edit.remove("tiny"));
    edit.save();
    CHECK(Catalogue::load(path).entries().size() == builtins + 1);
}

TEST_CASE("a malformed models.yaml names the file, line and field", "[hub][catalogue]") {
    test::TempDir dir;
    const auto load_text = [&](const std::string& text) {
        test::write_text_file(dir / "models.yaml", text);
        return Catalogue::load(dir / "models.yaml");
    };
    CHECK_THROWS_WITH(load_text("models:\n  - name: x\n    repoo: org/x\n"),
                      Catch::Contains("models.yaml:2") && Catch::Contains("unknown key 'repoo'"));
    CHECK_THROWS_WITH(load_text("models:\n  - name: x\n"), Catch::Contains("exactly one of 'repo' and 'path'"));
    CHECK_THROWS_WITH(load_text("models: [\n"), Catch::Contains("models.yaml:"));
    CHECK_THROWS_WITH(load_text("models: 3\n"), Catch::Contains("'models' must be a list"));
    CHECK_THROWS_WITH(load_text("models:\n  - repo: bad\n"), Catch::Contains("not a Hugging Face repo id"));
    CHECK_THROWS_WITH(load_text("models:\n  - repo: a/sd15x\n    name: sd15\n"), Catch::Contains("already in the catalogue"));
    CHECK(load_text("").entries().size() == builtin_catalogue().size());
}

TEST_CASE("pull, status and verify of a Hub model, and io's resolver reads the result", "[hub][catalogue]") {
    World w;
    CHECK(model_status(w.sd).state == ModelStatus::State::missing);

    const PullResult pulled = pull_model(w.sd, {}, w.config);
    CHECK_FALSE(pulled.cancelled);
    CHECK(pulled.files_downloaded == 3);
    const fs::path snapshot = hf_hub_cache_dir() / "models--org--sd-tiny" / "snapshots" / kCommit;
    CHECK(pulled.location == snapshot);
    CHECK_FALSE(fs::exists(snapshot / "safety_checker"));

    // The io resolver finds the snapshot through refs/main, as it finds one written by huggingface_hub.
    const ResolvedModel resolved = resolve_model_ref("org/sd-tiny");
    CHECK(resolved.source == ModelSource::HuggingFaceCache);
    CHECK(resolved.path == snapshot);
    CHECK(resolved.revision == kCommit);
    CHECK(resolved.is_diffusers_pipeline());
    CHECK(read_binary_file(find_weight_file(resolved.path / "unet")) == w.unet);

    ModelStatus status = model_status(w.sd);
    CHECK(status.state == ModelStatus::State::complete);
    CHECK(status.location == snapshot);
    CHECK(status.commit == kCommit);
    CHECK(status.complete_variants == std::vector<std::string>{""});
    CHECK(status.size_on_disk >= w.unet.size());
    CHECK(model_status(w.sd, "fp16").missing_files ==
          std::vector<std::string>{"unet/diffusion_pytorch_model.fp16.safetensors"});

    PullOptions fp16;
    fp16.variant = "fp16";
    CHECK(pull_model(w.sd, fp16, w.config).files_downloaded == 1);
    CHECK(model_status(w.sd, "fp16").complete_variants == std::vector<std::string>{"", "fp16"});
    CHECK(read_binary_file(find_weight_file(resolved.path / "unet", "fp16")) == w.unet_fp16);
    PullOptions bad;
    bad.variant = "bf16";
    CHECK_THROWS_WITH(pull_model(w.sd, bad, w.config), Catch::Contains("no variant 'bf16'"));

    VerifyReport report = verify_model(w.sd);
    CHECK(report.ok());
    CHECK(report.files.size() == 4);
    CHECK(report.count(FileCheck::Result::ok) == 4);

    // A blob damaged after the download is found, and named.
    const fs::path blob = hf_hub_cache_dir() / "models--org--sd-tiny" / "blobs" / FakeHub::sha256(w.unet);
    {
        std::fstream f(blob, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(100);
        f.put('\x7f');
    }
    report = verify_model(w.sd);
    CHECK_FALSE(report.ok());
    REQUIRE(report.count(FileCheck::Result::mismatch) == 1);
    for (const auto& f : report.files) {
        if (f.result == FileCheck::Result::mismatch) {
            CHECK(f.file == "unet/diffusion_pytorch_model.safetensors");
            CHECK(f.algorithm == "SHA-256");
            CHECK(f.expected == FakeHub::sha256(w.unet));
        }
    }
    // A missing blob makes the default variant partial; the fp16 copy alone still makes the model usable.
    fs::remove(blob);
    CHECK(model_status(w.sd).state == ModelStatus::State::complete);
    CHECK(model_status(w.sd).complete_variants == std::vector<std::string>{"fp16"});
    status = model_status(w.sd, "fp16");
    CHECK(status.state == ModelStatus::State::complete);
    CHECK(verify_model(w.sd).count(FileCheck::Result::missing) == 1);
    fs::remove(hf_hub_cache_dir() / "models--org--sd-tiny" / "blobs" / FakeHub::sha256(w.unet_fp16));
    status = model_status(w.sd);
    CHECK(status.state == ModelStatus::State::partial);
    CHECK(status.missing_files == std::vector<std::string>{"unet/diffusion_pytorch_model.safetensors"});
}

TEST_CASE("pull, status and verify of a torchvision model", "[hub][catalogue]") {
    World w;
    CHECK(model_status(w.torch).state == ModelStatus::State::missing);
    CHECK_THROWS_WITH(verify_model(w.torch), Catch::Contains("not downloaded"));
    const PullResult pulled = pull_model(w.torch, {}, w.config);
    CHECK(pulled.location == torch_hub_checkpoints_dir() / w.resnet_name);
    const ModelStatus status = model_status(w.torch);
    CHECK(status.state == ModelStatus::State::complete);
    CHECK(status.size_on_disk == w.resnet.size());
    CHECK(resolve_model_ref(w.resnet_name).path == pulled.location);
    CHECK(verify_model(w.torch).ok());
    {
        std::ofstream f(pulled.location, std::ios::binary | std::ios::app);
        f << "x";
    }
    const VerifyReport report = verify_model(w.torch);
    REQUIRE(report.files.size() == 1);
    CHECK(report.files[0].result == FileCheck::Result::mismatch);
    CHECK(report.files[0].algorithm == "SHA-256 prefix");
}
