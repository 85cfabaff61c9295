// Models already on this computer, per role, for the studio's model pickers and model manager.
//
// Looked at (nothing is downloaded, no weights are loaded):
//   - the Hugging Face hub cache: every `models--ORG--NAME` repo, read at its `refs/main` snapshot
//     (else its newest snapshot, named ORG/NAME@COMMIT). model_index.json with _class_name
//     StableDiffusionPipeline or LatentConsistencyModelPipeline → Stable Diffusion; config.json with
//     model_type "clip" → CLIP; config.json with _class_name AutoencoderTiny → TAESD; a snapshot with
//     pytorch_lora_weights.safetensors → LoRA;
//   - the torch hub checkpoints folder: resnet50*.pth / resnet18*.pth → ResNet50 / ResNet18;
//   - the user's model folders (settings' model_folders). A folder that holds AUTOMATIC1111's
//     (models/Stable-diffusion, models/Lora) or ComfyUI's (models/checkpoints, models/loras) layout,
//     or that is one of those subfolders, is read as such: every .safetensors/.ckpt there is a
//     single-file Stable Diffusion checkpoint (a LoRA in the LoRA folders). In any other folder
//     (and its subfolders, a few levels down) diffusers / transformers folders are recognised by
//     their config files as above, and single .safetensors files by their header's tensor names
//     (model.diffusion_model.* → Stable Diffusion, lora_* → LoRA); resnet50*/resnet18* .pth by name;
//   - the LoRA folders (settings' lora_folders): .safetensors/.pt/.ckpt/.bin files → LoRA.
//
// Failure contract: never throws for what it finds on disk — an unreadable folder, a corrupt
// config or a truncated header just is not listed. Thread-safety: reads the file system only;
// call it off the UI thread (a big models folder takes a moment).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace pictor {
struct Settings;
}

namespace pictor::hub {

enum class ModelRole { stable_diffusion, clip, resnet50, resnet18, taesd, lora };

// "Stable Diffusion", "CLIP", "ResNet50", "ResNet18", "TAESD", "LoRA".
std::string role_title(ModelRole role);

enum class LocalSource { hf_cache, torch_hub, model_folder, lora_folder };

struct LocalModel {
    ModelRole role = ModelRole::stable_diffusion;
    LocalSource source = LocalSource::model_folder;
    // What settings and requests take: the repo id (HF cache), the file name (torch hub cache), the
    // path otherwise.
    std::string reference;
    std::string name;             // for display: the repo id, or the file or folder name
    std::filesystem::path path;   // the snapshot folder, the file or the folder
    std::string detail;           // how it was recognised: "StableDiffusionPipeline", "single-file checkpoint", …
    std::filesystem::path place;  // the folder it was found under (cache root or model folder)
};

struct LocalModelPlaces {
    std::filesystem::path hf_hub_dir;             // empty: not scanned
    std::filesystem::path torch_checkpoints_dir;  // empty: not scanned
    std::vector<std::filesystem::path> model_folders;
    std::vector<std::filesystem::path> lora_folders;
};

// The caches of core/io/model_ref.h (environment) and the settings' model and LoRA folders ("~/" expanded).
LocalModelPlaces local_model_places(const Settings& settings);

// Every model found, in the order of the places above (each place sorted by name); a model found
// twice (the same path) is listed once.
std::vector<LocalModel> scan_local_models(const LocalModelPlaces& places);

}  // namespace pictor::hub
