// core/hub/local_models: what the studio's model pickers list, from a fake HF cache, torch hub
// cache, AUTOMATIC1111 and ComfyUI installs and a plain models folder laid out in a temp folder.
#include "tests/support/catch.h"

#include <algorithm>
#include <fstream>

#include "core/hub/local_models.h"
#include "core/settings/settings.h"
#include "tests/support/fixtures.h"

namespace fs = std::filesystem;
using namespace pictor;
using namespace pictor::hub;
using pictor::test::write_text_file;

namespace {

void write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    write_text_file(path, text);
}

// A .safetensors file whose header names `tensors` (each one F32 scalar; the data is never read).
void write_safetensors_header(const fs::path& path, const std::vector<std::string>& tensors) {
    std::string header = "{";
    for (size_t i = 0; i < tensors.size(); ++i) {
        header += (i ? "," : "") + std::string("\"") + tensors[i] + "\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[" +
                  std::to_string(4 * i) + "," + std::to_string(4 * i + 4) + "]}";
    }
    header += "}";
    std::string bytes(8, '\0');
    for (int i = 0; i < 8; ++i) bytes[i] = char((uint64_t(header.size()) >> (8 * i)) & 0xff);
    bytes += header + std::string(4 * tensors.size(), '\0');
    write(path, bytes);
}

// A hub-cache repo: refs/main → commit, the files in snapshots/<commit>/.
fs::path hf_repo(const fs::path& hub, const std::string& id, const std::map<std::string, std::string>& files,
                 bool with_main_ref = true, const std::string& commit = "0123456789abcdef0123456789abcdef01234567") {
    std::string folder = "models--" + id;
    folder.replace(folder.find('/'), 1, "--");
    const fs::path repo = hub / folder;
    if (with_main_ref) write(repo / "refs" / "main", commit);
    for (const auto& [name, text] : files) write(repo / "snapshots" / commit / name, text);
    fs::create_directories(repo / "snapshots" / commit);
    return repo / "snapshots" / commit;
}

const LocalModel* find_model(const std::vector<LocalModel>& models, const std::string& name) {
    const auto it = std::find_if(models.begin(), models.end(), [&](const LocalModel& m) { return m.name == name; });
    return it == models.end() ? nullptr : &*it;
}

std::vector<std::string> names_of(const std::vector<LocalModel>& models, ModelRole role) {
    std::vector<std::string> out;
    for (const LocalModel& m : models)
        if (m.role == role) out.push_back(m.name);
    return out;
}

}  // namespace

TEST_CASE("local models: HF cache, torch hub, A1111, ComfyUI and a plain folder, each by its config files",
          "[hub][local_models]") {
    test::TempDir dir;
    LocalModelPlaces places;
    places.hf_hub_dir = dir / "hf" / "hub";
    places.torch_checkpoints_dir = dir / "torch" / "hub" / "checkpoints";
    const std::string sd_index = R"({"_class_name": "StableDiffusionPipeline", "unet": ["diffusers", "UNet2DConditionModel"]})";
    const fs::path sd_snapshot = hf_repo(places.hf_hub_dir, "runwayml/sd-copy", {{"model_index.json", sd_index},
                                                                                  {"unet/config.json", "{}"}});
    hf_repo(places.hf_hub_dir, "org/lcm", {{"model_index.json", R"({"_class_name": "LatentConsistencyModelPipeline"})"}},
            /*with_main_ref=*/false, "fedcba9876543210fedcba9876543210fedcba98");
    hf_repo(places.hf_hub_dir, "stabilityai/sdxl", {{"model_index.json", R"({"_class_name": "StableDiffusionXLPipeline"})"}});
    hf_repo(places.hf_hub_dir, "openai/clip-vit-base-patch32",
            {{"config.json", R"({"model_type": "clip", "text_config": {"model_type": "clip_text_model"}})"}});
    hf_repo(places.hf_hub_dir, "org/clip-text-only", {{"config.json", R"({"model_type": "clip_text_model"})"}});
    hf_repo(places.hf_hub_dir, "madebyollin/taesd", {{"config.json", R"({"_class_name": "AutoencoderTiny"})"}});
    const fs::path lcm_lora = hf_repo(places.hf_hub_dir, "latent-consistency/lcm-lora-sdv1-5",
                                      {{"pytorch_lora_weights.safetensors", "x"}});
    hf_repo(places.hf_hub_dir, "org/broken", {{"model_index.json", "{not json"}});
    write(places.hf_hub_dir / "datasets--org--data" / "refs" / "main", "0123");
    write(places.hf_hub_dir / "version.txt", "1");

    write(places.torch_checkpoints_dir / "resnet50-11ad3fa6.pth", "pth");
    write(places.torch_checkpoints_dir / "resnet18-f37072fd.pth", "pth");
    write(places.torch_checkpoints_dir / "efficientnet_b0-3dd342df.pth", "pth");

    // AUTOMATIC1111's install folder, ComfyUI's models folder, a plain folder of the user's.
    const fs::path webui = dir / "stable-diffusion-webui";
    write(webui / "models" / "Stable-diffusion" / "v1-5-pruned-emaonly.safetensors", "weights");
    write(webui / "models" / "Stable-diffusion" / "anime" / "anything-v3.ckpt", "weights");
    write(webui / "models" / "Stable-diffusion" / "Put Stable Diffusion checkpoints here.txt", "");
    write(webui / "models" / "Lora" / "ink.safetensors", "lora");
    write(webui / "models" / "VAE" / "vae-ft-mse.safetensors", "vae");
    const fs::path comfy_models = dir / "ComfyUI" / "models";
    write(comfy_models / "checkpoints" / "dreamshaper_8.safetensors", "weights");
    write(comfy_models / "loras" / "pixel.safetensors", "lora");
    const fs::path mine = dir / "my models";
    write(mine / "sd-tiny" / "model_index.json", sd_index);
    write(mine / "sd-tiny" / "unet" / "config.json", R"({"_class_name": "UNet2DConditionModel"})");
    write(mine / "clips" / "clip-tiny" / "config.json", R"({"model_type": "clip"})");
    write_safetensors_header(mine / "merged.safetensors", {"cond_stage_model.x", "model.diffusion_model.input_blocks.0"});
    write_safetensors_header(mine / "style-lora.safetensors", {"lora_unet_down_blocks_0.lora_down.weight"});
    write_safetensors_header(mine / "embedding.safetensors", {"emb_params"});
    write(mine / "truncated.safetensors", "\x10\x00");
    write(mine / "backbones" / "resnet18-custom.pth", "pth");
    write(mine / "broken" / "config.json", "[1, 2");
    places.model_folders = {webui, comfy_models, mine, dir / "does not exist"};
    places.lora_folders = {dir / "loras", webui / "models" / "Lora"};
    write(dir / "loras" / "sub" / "detail.pt", "lora");

    const std::vector<LocalModel> models = scan_local_models(places);

    CHECK(names_of(models, ModelRole::stable_diffusion) ==
          std::vector<std::string>{"org/lcm", "runwayml/sd-copy", "anything-v3.ckpt", "v1-5-pruned-emaonly.safetensors",
                                   "dreamshaper_8.safetensors", "merged.safetensors", "sd-tiny"});
    CHECK(names_of(models, ModelRole::clip) == std::vector<std::string>{"openai/clip-vit-base-patch32", "clip-tiny"});
    CHECK(names_of(models, ModelRole::taesd) == std::vector<std::string>{"madebyollin/taesd"});
    CHECK(names_of(models, ModelRole::resnet50) == std::vector<std::string>{"resnet50-11ad3fa6.pth"});
    CHECK(names_of(models, ModelRole::resnet18) == std::vector<std::string>{"resnet18-f37072fd.pth", "resnet18-custom.pth"});
    // ink.safetensors is in a model folder's layout and a LoRA folder: listed once.
    CHECK(names_of(models, ModelRole::lora) == std::vector<std::string>{"latent-consistency/lcm-lora-sdv1-5", "ink.safetensors",
                                                                        "pixel.safetensors", "style-lora.safetensors",
                                                                        "detail.pt"});

    // References are what settings take: the repo id (at its commit without refs/main), the torch
    // hub file name, a path otherwise.
    const LocalModel* sd = find_model(models, "runwayml/sd-copy");
    REQUIRE(sd);
    CHECK(sd->reference == "runwayml/sd-copy");
    CHECK(sd->source == LocalSource::hf_cache);
    CHECK(sd->path == sd_snapshot);
    CHECK(sd->detail == "StableDiffusionPipeline");
    CHECK(find_model(models, "org/lcm")->reference == "org/lcm@fedcba9876543210fedcba9876543210fedcba98");
    CHECK(find_model(models, "latent-consistency/lcm-lora-sdv1-5")->reference == lcm_lora.string());
    const LocalModel* r50 = find_model(models, "resnet50-11ad3fa6.pth");
    CHECK(r50->reference == "resnet50-11ad3fa6.pth");
    CHECK(r50->source == LocalSource::torch_hub);
    const LocalModel* a1111 = find_model(models, "v1-5-pruned-emaonly.safetensors");
    CHECK(a1111->reference == (webui / "models" / "Stable-diffusion" / "v1-5-pruned-emaonly.safetensors").string());
    CHECK(a1111->detail == "single-file checkpoint");
    CHECK(a1111->place == webui);
    CHECK(find_model(models, "sd-tiny")->reference == (mine / "sd-tiny").string());
    CHECK(find_model(models, "detail.pt")->source == LocalSource::lora_folder);
}

TEST_CASE("local models: a models folder pointed at A1111's Stable-diffusion folder itself, and the settings key",
          "[hub][local_models]") {
    test::TempDir dir;
    write(dir / "Stable-diffusion" / "a.safetensors", "w");
    write(dir / "Stable-diffusion" / "b.ckpt", "w");
    LocalModelPlaces places;
    places.model_folders = {dir / "Stable-diffusion"};
    CHECK(names_of(scan_local_models(places), ModelRole::stable_diffusion) == std::vector<std::string>{"a.safetensors", "b.ckpt"});

    // model_folders round-trips through settings.yaml and expands "~/".
    const SettingsLoadResult loaded = parse_settings("model_folders: [/opt/models, ~/sd]\n", "settings.yaml");
    REQUIRE(loaded.settings.model_folders == std::vector<std::string>{"/opt/models", "~/sd"});
    CHECK(parse_settings(settings_to_yaml(loaded.settings), "again").settings.model_folders == loaded.settings.model_folders);
    CHECK(model_folders(loaded.settings).front() == fs::path("/opt/models"));
    CHECK(model_folders(loaded.settings).back().filename() == "sd");
    CHECK_FALSE(defaults().model_folders.empty());
}

TEST_CASE("local models: the real fixtures are recognised by their contents", "[hub][local_models]") {
    PICTOR_REQUIRE_FIXTURES(root, "");
    LocalModelPlaces places;
    places.model_folders = {root / "sd-tiny", root / "clip-tiny", root / "taesd", root / "lcm", root / "single-file", root / "lora"};
    const std::vector<LocalModel> models = scan_local_models(places);
    CHECK(find_model(models, "sd-tiny")->role == ModelRole::stable_diffusion);
    CHECK(find_model(models, "clip-tiny")->role == ModelRole::clip);
    CHECK(find_model(models, "lcm-tiny")->role == ModelRole::stable_diffusion);
    CHECK(find_model(models, "sd-tiny.safetensors")->role == ModelRole::stable_diffusion);
    CHECK(find_model(models, "sd-tiny-lora-kohya.safetensors")->role == ModelRole::lora);
    CHECK(names_of(models, ModelRole::taesd).size() >= 1);
}
