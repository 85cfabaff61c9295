// The generate job with the few-step options, end to end (the same requests pictor-cli and the
// studio send): the PNGs it writes equal the references' images within one 8-bit level for
// SD-Turbo-style sampling (turbo/), an LCM-distilled model folder (lcm/), LCM sampling on a plain
// model with explicit latents plus a seed for the step noise, and TAESD as the decoder (taesd/).
#include "tests/support/catch.h"

#include <ATen/ATen.h>

#include <filesystem>

#include "core/image/image_io.h"
#include "core/io/safetensors.h"
#include "core/jobs/generate_job.h"
#include "core/jobs/job_error.h"
#include "core/jobs/sd_lora.h"
#include "tests/support/fixtures.h"

using namespace pictor;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kPrompts{"a photo of an astronaut riding a horse on mars",
                                        "a watercolor painting of a fox in the snow"};

struct Quiet : JobSink {
    std::vector<std::string> stages;
    int previews = 0;
    void on_stage(std::string_view s) override { stages.emplace_back(s); }
    void on_preview(const Rgb8Image&) override { ++previews; }
};

// Max |a - b| in 8-bit levels between a written PNG and a reference PNG.
double level_difference(const fs::path& written, const fs::path& reference) {
    const at::Tensor a = to_rgb(read_image(written)).to(at::kInt);
    const at::Tensor b = to_rgb(read_image(reference)).to(at::kInt);
    REQUIRE(a.sizes() == b.sizes());
    return (a - b).abs().max().item<double>();
}

jobs::GenerateRequest request(const fs::path& model, const fs::path& out) {
    jobs::GenerateRequest r;
    r.model = model.string();
    r.prompts = kPrompts;
    r.images_per_prompt = 1;
    r.width = r.height = 64;
    r.out_dir = out;
    return r;
}

fs::path write_latents(const fs::path& file, const at::Tensor& latents) {
    write_safetensors(file, {{"latents", latents}});
    return file;
}

}  // namespace

TEST_CASE("generate job: SD-Turbo style (euler_a, trailing, guidance 0) writes the reference images", "[jobs][turbo][golden]") {
    PICTOR_REQUIRE_FIXTURES(turbo, "turbo");
    PICTOR_REQUIRE_FIXTURES(sd, "sd-tiny");
    test::TempDir tmp;
    jobs::GenerateRequest r = request(sd, tmp.path());
    r.steps = 4;
    r.guidance = 0;
    r.scheduler = "euler_a";
    r.timestep_spacing = "trailing";
    r.seed = 3304;
    Quiet sink;
    const jobs::GenerateResult result = jobs::run_generate(r, sink);
    REQUIRE(result.images.size() == 2);
    for (int i = 0; i < 2; ++i)
        CHECK(level_difference(result.images[size_t(i)].file, turbo / ("gen_n4_image_" + std::to_string(i) + ".png")) <= 1);
    CHECK_THAT(result.images[0].parameters, Contains("Sampler: Euler a") && Contains("CFG scale: 0.0") &&
                                                Contains("Timestep spacing: trailing") && Contains("Seed: 3304"));
    // The PNG reruns itself: spacing and seed come back from the parameters.
    const jobs::GenerateRequest again = jobs::request_from_png(result.images[0].file);
    CHECK(again.timestep_spacing == "trailing");
    CHECK(again.scheduler == "Euler a");
}

TEST_CASE("generate job: an LCM-distilled model folder runs LCM's pipeline", "[jobs][lcm][golden]") {
    PICTOR_REQUIRE_FIXTURES(lcm, "lcm");
    PICTOR_REQUIRE_FIXTURES(sd, "sd-tiny");
    test::TempDir model, out;
    for (const char* part : {"model_index.json", "unet", "scheduler"}) fs::create_symlink(lcm / "lcm-tiny" / part, model / part);
    for (const char* part : {"text_encoder", "tokenizer", "vae"}) fs::create_symlink(sd / part, model / part);
    jobs::GenerateRequest r = request(model.path(), out.path());
    r.prompts = {kPrompts[0]};
    r.images_per_prompt = 2;
    r.steps = 4;
    r.guidance = 8.5;
    r.seed = 1234;
    Quiet sink;
    const jobs::GenerateResult result = jobs::run_generate(r, sink);
    REQUIRE(result.images.size() == 2);
    CHECK(result.sampler == "LCM");
    CHECK(result.unet_calls == 4);
    for (int i = 0; i < 2; ++i)
        CHECK(level_difference(result.images[size_t(i)].file, lcm / ("gen_image_" + std::to_string(i) + ".png")) <= 1);
}

TEST_CASE("generate job: explicit latents and a seed together (LCM step noise)", "[jobs][lcm][golden]") {
    PICTOR_REQUIRE_FIXTURES(lcm, "lcm");
    PICTOR_REQUIRE_FIXTURES(sd, "sd-tiny");
    test::TempDir tmp;
    const SafetensorsFile e(lcm / "expected.safetensors");
    jobs::GenerateRequest r = request(sd, tmp / "out");
    r.steps = 4;
    r.guidance = 1.0;
    r.scheduler = "lcm";
    r.latents_file = write_latents(tmp / "latents.safetensors", e.load("lora_g1_latents_in"));
    r.seed = 8;
    Quiet sink;
    const jobs::GenerateResult result = jobs::run_generate(r, sink);
    REQUIRE(result.images.size() == 2);
    CHECK(result.seed == 8u);
    CHECK(result.images[0].file.filename() == "00000-8.png");
    for (int i = 0; i < 2; ++i)
        CHECK(level_difference(result.images[size_t(i)].file, lcm / ("lora_g1_image_" + std::to_string(i) + ".png")) <= 1);
}

TEST_CASE("generate job: --decoder with a TAESD folder, and TAESD previews", "[jobs][taesd][golden]") {
    PICTOR_REQUIRE_FIXTURES(taesd, "taesd");
    PICTOR_REQUIRE_FIXTURES(sd, "sd-tiny");
    test::TempDir tmp;
    const SafetensorsFile e(taesd / "expected.safetensors");
    jobs::GenerateRequest r = request(sd, tmp / "out");
    r.negative_prompts = {"blurry, low quality", "ugly, deformed"};
    r.steps = 3;
    r.guidance = 7.5;
    r.scheduler = "pndm";
    r.latents_file = write_latents(tmp / "latents.safetensors", e.load("run_latents_in"));
    r.decoder = (taesd / "taesd-tiny").string();
    r.preview_every = 1;
    Quiet sink;
    const jobs::GenerateResult result = jobs::run_generate(r, sink);
    REQUIRE(result.images.size() == 2);
    for (int i = 0; i < 2; ++i)
        CHECK(level_difference(result.images[size_t(i)].file, taesd / ("run_image_" + std::to_string(i) + ".png")) <= 1);
    CHECK_THAT(result.images[0].parameters, Contains("VAE: taesd-tiny"));
    CHECK(std::find(sink.stages.begin(), sink.stages.end(), "loading TAESD") != sink.stages.end());
    CHECK(sink.previews == 3);
}

TEST_CASE("generate job: bad few-step options are refused before any work", "[jobs]") {
    PICTOR_REQUIRE_FIXTURES(sd, "sd-tiny");
    test::TempDir tmp;
    jobs::GenerateRequest r = request(sd, tmp.path());
    r.steps = 2;
    r.timestep_spacing = "sideways";
    CHECK_THROWS_WITH(jobs::validate(r), Contains("timestep spacing must be leading, linspace or trailing"));
    r.timestep_spacing = "";
    r.dtype = "f16";
    CHECK_THROWS_WITH(jobs::validate(r), Contains("f16 runs on CUDA only"));
    r.dtype = "fp8";
    CHECK_THROWS_WITH(jobs::validate(r), Contains("dtype must be f32, bf16 or f16"));
    r.dtype = "";
    r.scheduler = "lcm";
    r.steps = 51;
    CHECK_THROWS_WITH(jobs::validate(r), Contains("at most 50 with the LCM scheduler"));
    Quiet sink;
    r.steps = 2;
    r.scheduler = "";
    r.decoder = (sd / "vae").string();  // an AutoencoderKL folder is not a TAESD
    CHECK_THROWS_WITH(jobs::run_generate(r, sink), Contains("not a diffusers AutoencoderTiny folder"));
    CHECK(fs::is_empty(tmp.path()));  // nothing written
}

TEST_CASE("generate job: a LoRA named by repo id or catalogue name comes from the HF cache", "[jobs][lora]") {
    PICTOR_REQUIRE_FIXTURES(lora, "lora");
    PICTOR_REQUIRE_FIXTURES(sd, "sd-tiny");
    test::TempDir tmp;
    // The HF cache layout `models pull` writes: refs/main -> snapshots/<rev>/ (a diffusers LoRA folder).
    const fs::path repo = tmp / "hub" / "models--latent-consistency--lcm-lora-sdv1-5";
    fs::create_directories(repo / "refs");
    fs::create_directories(repo / "snapshots" / "0123456789abcdef0123456789abcdef01234567");
    test::write_text_file(repo / "refs" / "main", "0123456789abcdef0123456789abcdef01234567");
    fs::create_symlink(lora / "diffusers" / "pytorch_lora_weights.safetensors",
                       repo / "snapshots" / "0123456789abcdef0123456789abcdef01234567" / "pytorch_lora_weights.safetensors");
    setenv("HF_HUB_CACHE", (tmp / "hub").c_str(), 1);
    jobs::GenerateRequest r = request(sd, tmp / "out");
    r.prompts = {kPrompts[0]};
    r.steps = 1;
    r.seed = 1;
    Quiet sink;
    for (const char* reference : {"latent-consistency/lcm-lora-sdv1-5", "lcm-lora-sdv1-5"}) {
        INFO(reference);
        r.loras = {jobs::LoraRequest{reference, 0.5, 0.5}};
        const jobs::GenerateResult result = jobs::run_generate(r, sink);
        REQUIRE(result.images.size() == 1);
        CHECK_THAT(result.images[0].parameters, Contains("<lora:lcm-lora-sdv1-5:0.5>") && Contains("Lora hashes"));
        // The PNG reruns: its tag finds the downloaded LoRA again.
        CHECK_NOTHROW(jobs::validate(jobs::request_from_png(result.images[0].file)));
    }
    r.loras = {jobs::LoraRequest{"no-such-lora-repo", 1, 1}};
    CHECK_THROWS_AS(jobs::run_generate(r, sink), ModelNotFound);
    r.loras = {jobs::LoraRequest{(tmp / "missing.safetensors").string(), 1, 1}};
    CHECK_THROWS_WITH(jobs::validate(r), Contains("does not exist"));
    unsetenv("HF_HUB_CACHE");
}

TEST_CASE("a LoRA in the HF cache is named by its repo, not by its blob hash", "[jobs][lora]") {
    test::TempDir tmp;
    const fs::path snapshot = tmp / "hub" / "models--latent-consistency--lcm-lora-sdv1-5" / "snapshots" / "0123abcd";
    fs::create_directories(snapshot);
    fs::create_directories(tmp / "hub" / "blobs");
    test::write_text_file(tmp / "hub" / "blobs" / "e3b0c44298fc", "x");
    fs::create_symlink(tmp / "hub" / "blobs" / "e3b0c44298fc", snapshot / "pytorch_lora_weights.safetensors");
    CHECK(jobs::detail::lora_name_of_file(snapshot.string()) == "lcm-lora-sdv1-5");
    CHECK(jobs::detail::lora_name_of_file((snapshot / "pytorch_lora_weights.safetensors").string()) == "lcm-lora-sdv1-5");
    test::write_text_file(tmp / "my_style.safetensors", "x");
    CHECK(jobs::detail::lora_name_of_file((tmp / "my_style.safetensors").string()) == "my_style");
}

TEST_CASE("generate job: previews are TAESD decodes when the catalogue's TAESD is on disk", "[jobs][taesd]") {
    PICTOR_REQUIRE_FIXTURES(taesd, "taesd");
    PICTOR_REQUIRE_FIXTURES(sd, "sd-tiny");
    test::TempDir tmp;
    struct Previews : JobSink {
        std::vector<std::pair<int, int>> sizes;
        void on_preview(const Rgb8Image& image) override { sizes.emplace_back(image.width, image.height); }
    };
    jobs::GenerateRequest r = request(sd, tmp / "out");
    r.prompts = {kPrompts[0]};
    r.steps = 3;
    r.seed = 1;
    r.preview_every = 1;
    // Without a TAESD: the latent→RGB approximation, at latent size (8×8 for 64×64).
    setenv("HF_HUB_CACHE", (tmp / "empty-hub").c_str(), 1);
    Previews approx;
    jobs::run_generate(r, approx);
    REQUIRE_FALSE(approx.sizes.empty());
    CHECK(approx.sizes[0] == std::pair{8, 8});
    // madebyollin/taesd in the HF cache (here the tiny one): the preview is the decode, at image size.
    const fs::path snapshot = tmp / "hub" / "models--madebyollin--taesd" / "snapshots" / "0123456789abcdef0123456789abcdef01234567";
    fs::create_directories(snapshot);
    fs::create_directories(tmp / "hub" / "models--madebyollin--taesd" / "refs");
    test::write_text_file(tmp / "hub" / "models--madebyollin--taesd" / "refs" / "main", "0123456789abcdef0123456789abcdef01234567");
    for (const char* file : {"config.json", "diffusion_pytorch_model.safetensors"})
        fs::create_symlink(taesd / "taesd-tiny" / file, snapshot / file);
    setenv("HF_HUB_CACHE", (tmp / "hub").c_str(), 1);
    Previews sharp;
    jobs::run_generate(r, sharp);
    REQUIRE_FALSE(sharp.sizes.empty());
    CHECK(sharp.sizes[0] == std::pair{64, 64});
    unsetenv("HF_HUB_CACHE");
}
