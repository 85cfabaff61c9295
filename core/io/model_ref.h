// Model references: what a user types to name a model, resolved to files on disk.
//
// A reference is, tried in this order:
//   1. a local file or folder (`~/` expanded): a weight file, a diffusers pipeline folder (with
//      `model_index.json`) or a model folder (with `config.json`);
//   2. a Hugging Face repo id `ORG/NAME` (optionally `ORG/NAME@REVISION`), found in the Hugging Face
//      cache: `<hub>/models--ORG--NAME/refs/<revision>` holds a commit, whose files are
//      `snapshots/<commit>/…` (symlinks into `blobs/`). A 40-hex revision names the commit directly;
//   3. a bare `.pth`/`.pt` file name (torchvision's `resnet50-11ad3fa6.pth`), found in the torch hub
//      cache `<torch home>/hub/checkpoints/`.
// Nothing is downloaded here (core/hub does that, into the same caches).
//
// Failure contract: pictor::Error; for an unresolvable reference the message lists every place
// that was looked at. Thread-safety: reads the environment and the file system only.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace pictor {

// The Hugging Face hub cache: $HF_HUB_CACHE, else $HUGGINGFACE_HUB_CACHE (legacy), else
// $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub
// (huggingface_hub's own order; "~" expanded, XDG_CACHE_HOME used only when absolute).
std::filesystem::path hf_hub_cache_dir();

// torch.hub's checkpoint folder: <torch home>/hub/checkpoints with torch home = $TORCH_HOME, else
// $XDG_CACHE_HOME/torch, else ~/.cache/torch (torch.hub's own order; as for the hub cache).
std::filesystem::path torch_hub_checkpoints_dir();

// `ORG/NAME` → the repo's folder in the hub cache, `<hub>/models--ORG--NAME` (it may not exist).
std::filesystem::path hf_repo_cache_dir(const std::string& repo_id);

// True when `text` has the shape of a Hugging Face repo id (`ORG/NAME`, [A-Za-z0-9._-] parts).
bool is_hf_repo_id(const std::string& text);

enum class ModelSource { LocalFile, LocalFolder, HuggingFaceCache, TorchHubCache };

struct ResolvedModel {
    std::string reference;        // as given
    ModelSource source = ModelSource::LocalFile;
    std::filesystem::path path;   // the file, or the folder (for the HF cache: the snapshot folder)
    std::string revision;         // HF: the commit hash of the snapshot; empty otherwise
    bool is_file() const { return source == ModelSource::LocalFile || source == ModelSource::TorchHubCache; }
    // Folder layouts (false for files).
    bool is_diffusers_pipeline() const;  // has model_index.json
    bool has_config() const;             // has config.json
};

// Resolves `reference` as described above. `revision` applies to HF repo ids ("main" by default;
// an `@REVISION` suffix in the reference wins). Throws pictor::Error listing where it looked.
ResolvedModel resolve_model_ref(const std::string& reference, const std::string& revision = "main");

// The weight file of a model folder: model.safetensors, diffusion_pytorch_model.safetensors,
// then pytorch_model.bin, diffusion_pytorch_model.bin, model.pth/.pt/.ckpt. With a `variant`
// (e.g. "fp16") the variant files (`diffusion_pytorch_model.fp16.safetensors`) are preferred, the
// plain ones are the fallback; a folder with only `.fp16.` files (an fp16-variant download) gives
// those. Files that are dangling symlinks (an incomplete download) do not
// count. Throws pictor::Error listing the names it tried.
std::filesystem::path find_weight_file(const std::filesystem::path& folder, const std::string& variant = "");

}  // namespace pictor
