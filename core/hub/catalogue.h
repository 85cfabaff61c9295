// The studio's model catalogue: the models Pictor's jobs use, where each is found on disk, how
// complete it is, and how to fetch it. Front ends (pictor-cli models, the studio's model manager)
// show and act on these entries; the engine loads models through core/io/model_ref.h with
// `CatalogueEntry::reference()`.
//
// Built-in entries (sizes are approximate, from the publishers' listings, for display and disk
// checks; the download itself uses the sizes the servers announce):
//   sd15       stable-diffusion-v1-5/stable-diffusion-v1-5, diffusers layout without safety checker:
//              model_index.json, scheduler/, tokenizer/, text_encoder/, unet/, vae/ (safetensors).
//              Default ≈ 4.27 GB (unet 3.44 GB, text encoder 492 MB, vae 335 MB);
//              variant fp16 ≈ 2.13 GB (unet 1.72 GB, text encoder 246 MB, vae 167 MB).
//   clip-vit-base-patch32   openai/clip-vit-base-patch32: configs, tokenizer files, weights
//              (model.safetensors, else pytorch_model.bin) ≈ 608 MB.
//   resnet50   torchvision ResNet50 IMAGENET1K_V2, resnet50-11ad3fa6.pth ≈ 102.5 MB (97.8 MiB).
//   resnet18   torchvision ResNet18 IMAGENET1K_V1, resnet18-f37072fd.pth ≈ 46.8 MB (44.7 MiB).
// User entries (any HF repo id, or a local folder) persist in models.yaml beside settings.yaml
// (`$XDG_CONFIG_HOME/pictor/models.yaml`, else `~/.config/pictor/models.yaml`):
//   models:
//     - name: my-model
//       repo: org/name            # or: path: /home/me/models/x
//       revision: main
//       include: ["*.json", "*.safetensors"]   # optional: empty = every file of the repo
//
// Failure contract: pictor::Error for a malformed models.yaml (file, line and field named), an
// invalid repo id, a name clash or removing a built-in entry; model_status never throws for a
// missing or half-downloaded model (that is what it reports). pull_model/verify_model: see
// download.h / verify.h.
// Thread-safety: Catalogue objects are plain values (no sharing); model_status reads the file
// system only and may run on any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/hub/download.h"
#include "core/hub/verify.h"

namespace pictor::hub {

enum class ModelKind { hf_repo, torch_hub, local_folder };

struct CatalogueEntry {
    std::string name;                      // short name used by the CLI ("sd15")
    std::string title;                     // "Stable Diffusion v1.5"
    std::string description;               // what the studio uses it for
    ModelKind kind = ModelKind::hf_repo;
    std::string repo_id;                   // hf_repo
    std::string revision = "main";         // hf_repo
    std::string url;                       // torch_hub
    std::filesystem::path path;            // local_folder
    // hf_repo: files a complete copy has, each a list of alternatives (first present wins).
    std::vector<std::vector<std::string>> files;
    // hf_repo: further files fetched when present (globs); files and include both empty = all files.
    std::vector<std::string> include;
    std::vector<std::string> variants;     // offered weight variants ("fp16")
    std::uint64_t approx_size = 0;         // bytes of a default download, approximate; 0 = unknown
    std::map<std::string, std::uint64_t> approx_variant_size;
    bool builtin = false;

    // What core/io/model_ref.h resolves: the repo id, the checkpoint's file name, or the folder.
    std::string reference() const;
    // torch_hub: the file name in the URL ("resnet50-11ad3fa6.pth").
    std::string file_name() const;
    std::uint64_t approx_size_for(const std::string& variant) const;
};

// The studio's own models (sd15, clip-vit-base-patch32, resnet50, resnet18, then the few-step
// ones: taesd, lcm-lora-sdv1-5, lcm-dreamshaper-v7, sd-turbo), in that order.
const std::vector<CatalogueEntry>& builtin_catalogue();

// models.yaml beside core/settings' settings.yaml.
std::filesystem::path user_catalogue_path();

class Catalogue {
public:
    // Built-ins followed by the user entries of `path` (a missing file means none).
    static Catalogue load(const std::filesystem::path& path = user_catalogue_path());

    const std::vector<CatalogueEntry>& entries() const { return entries_; }
    // By name, repo id, torch file name or URL, or local path; nullptr when unknown.
    const CatalogueEntry* find(const std::string& key) const;

    // User entries; the name defaults to the repo's NAME part / the folder's name. Throw on a clash
    // with an existing name or an invalid id / a folder that does not exist.
    const CatalogueEntry& add_hf_repo(const std::string& repo_id, const std::string& name = "",
                                      const std::string& revision = "main",
                                      const std::vector<std::string>& include = {});
    const CatalogueEntry& add_local_folder(const std::filesystem::path& folder, const std::string& name = "");
    // Removes a user entry; throws for a built-in, returns false when unknown.
    bool remove(const std::string& name);
    // Writes the user entries to the path it was loaded from, atomically.
    void save() const;
    const std::filesystem::path& path() const { return path_; }

private:
    const CatalogueEntry& append(CatalogueEntry entry);  // checks the name
    std::vector<CatalogueEntry> entries_;
    std::filesystem::path path_;
};

// What is on disk for an entry (no network).
struct ModelStatus {
    enum class State { missing, partial, complete };
    State state = State::missing;
    std::filesystem::path location;         // snapshot folder, checkpoint file or local folder
    std::string commit;                     // hf_repo: the snapshot's commit
    std::uint64_t size_on_disk = 0;         // bytes of the files found at `location`
    std::vector<std::string> missing_files; // hf_repo: required files absent for the asked variant
    std::vector<std::string> complete_variants;  // "" (default) and/or offered variants complete
    bool resumable = false;                 // an interrupted download (.incomplete) is waiting
    std::string summary() const;            // "complete", "partial: 2 files missing", "missing"
};

// Status for `variant`; with "" the model is complete when the default or any offered variant is
// (complete_variants tells which). Uses the caches of core/io/model_ref.h (environment).
ModelStatus model_status(const CatalogueEntry& entry, const std::string& variant = "");

struct PullOptions {
    std::string variant;                    // "" or one of entry.variants (hf_repo)
    std::string revision;                   // "" = the entry's
    std::vector<std::string> include;       // extra globs (hf_repo)
};

struct PullResult {
    bool cancelled = false;
    std::filesystem::path location;
    std::uint64_t bytes_downloaded = 0;
    int files_downloaded = 0;
};

// Downloads what `entry` needs into the standard caches (download_repo / download_url_to_torch_hub).
// A local folder entry cannot be pulled (pictor::Error); an unknown variant is an error.
PullResult pull_model(const CatalogueEntry& entry, const PullOptions& options, const HubConfig& hub,
                      const TorchHubOptions& torch = {}, ProgressSink* sink = nullptr);

// verify_snapshot / verify_torch_checkpoint on what model_status finds; a missing model is an error.
VerifyReport verify_model(const CatalogueEntry& entry, ProgressSink* sink = nullptr);

}  // namespace pictor::hub
