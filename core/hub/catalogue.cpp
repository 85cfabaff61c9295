#include "core/hub/catalogue.h"

#include <algorithm>
#include <set>

#include <yaml-cpp/yaml.h>

#include "core/io/model_ref.h"
#include "core/settings/settings.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

namespace pictor::hub {

namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kMB = 1000ull * 1000ull;

// What every built-in entry has; the kind-specific fields are filled by the two makers below.
CatalogueEntry builtin_entry(const char* name, const char* title, const char* description, ModelKind kind,
                             std::uint64_t approx_size) {
    CatalogueEntry e;
    e.name = name;
    e.title = title;
    e.description = description;
    e.kind = kind;
    e.approx_size = approx_size;
    e.builtin = true;
    return e;
}

CatalogueEntry torchvision_entry(const char* name, const char* title, const char* description, const char* url,
                                 std::uint64_t approx_size) {
    CatalogueEntry e = builtin_entry(name, title, description, ModelKind::torch_hub, approx_size);
    e.url = url;
    return e;
}

CatalogueEntry hf_entry(const char* name, const char* title, const char* description, const char* repo_id,
                        std::vector<std::vector<std::string>> files, std::uint64_t approx_size) {
    CatalogueEntry e = builtin_entry(name, title, description, ModelKind::hf_repo, approx_size);
    e.repo_id = repo_id;
    e.files = std::move(files);
    return e;
}

std::vector<CatalogueEntry> make_builtins() {
    std::vector<CatalogueEntry> out;

    // Ref: diffusers StableDiffusionPipeline components (safety_checker / feature_extractor not needed).
    // unet 3438 MB + text encoder 492 MB + vae 335 MB + tokenizer/configs ≈ 2 MB (fp16: half the weights).
    CatalogueEntry sd = hf_entry("sd15", "Stable Diffusion v1.5",
                                 "text-to-image generation (UNet, VAE, CLIP ViT-L/14 text encoder, PNDM scheduler)",
                                 "stable-diffusion-v1-5/stable-diffusion-v1-5",
                                 {{"model_index.json"},
                                  {"scheduler/scheduler_config.json"},
                                  {"text_encoder/config.json"},
                                  {"text_encoder/model.safetensors", "text_encoder/pytorch_model.bin"},
                                  {"tokenizer/merges.txt"},
                                  {"tokenizer/special_tokens_map.json"},
                                  {"tokenizer/tokenizer_config.json"},
                                  {"tokenizer/vocab.json"},
                                  {"unet/config.json"},
                                  {"unet/diffusion_pytorch_model.safetensors", "unet/diffusion_pytorch_model.bin"},
                                  {"vae/config.json"},
                                  {"vae/diffusion_pytorch_model.safetensors", "vae/diffusion_pytorch_model.bin"}},
                                 4267 * kMB);
    sd.variants = {"fp16"};
    sd.approx_variant_size["fp16"] = 2134 * kMB;
    out.push_back(sd);

    CatalogueEntry clip = hf_entry("clip-vit-base-patch32", "CLIP ViT-B/32", "zero-shot image/label scoring",
                                   "openai/clip-vit-base-patch32",
                                   {{"config.json"},
                                    {"preprocessor_config.json"},
                                    {"merges.txt"},
                                    {"vocab.json"},
                                    {"special_tokens_map.json"},
                                    {"tokenizer_config.json"},
                                    {"model.safetensors", "pytorch_model.bin"}},
                                   608 * kMB);  // weights 605 MB + tokenizer files ≈ 3.6 MB
    clip.include = {"tokenizer.json"};
    out.push_back(clip);

    // Ref: torchvision/models/resnet.py ResNet50_Weights.IMAGENET1K_V2, ResNet18_Weights.IMAGENET1K_V1.
    out.push_back(torchvision_entry("resnet50", "ResNet50 (IMAGENET1K_V2)", "ImageNet classification, compared with CLIP",
                                    "https://download.pytorch.org/models/resnet50-11ad3fa6.pth",
                                    102540417));  // 97.8 MiB (torchvision docs)
    out.push_back(torchvision_entry("resnet18", "ResNet18 (IMAGENET1K_V1)", "backbone for transfer learning",
                                    "https://download.pytorch.org/models/resnet18-f37072fd.pth",
                                    46830571));  // 44.7 MiB (torchvision docs)

    // Few-step generation on a CPU (sizes are the repos' file sizes, rounded).
    out.push_back(hf_entry("taesd", "TAESD (tiny autoencoder)",
                           "fast decoder for SD 1.x/2.x latents: live previews, --decoder taesd", "madebyollin/taesd",
                           {{"config.json"}, {"diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.bin"}},
                           10 * kMB));  // 2.4M float32 parameters
    out.push_back(hf_entry("lcm-lora-sdv1-5", "LCM-LoRA for SD 1.5",
                           "4-step generation with any SD 1.5 model (--lora, --scheduler lcm, guidance 1)",
                           "latent-consistency/lcm-lora-sdv1-5", {{"pytorch_lora_weights.safetensors"}}, 135 * kMB));
    // The two full few-step models have the SD pipeline's component files.
    out.push_back(hf_entry("lcm-dreamshaper-v7", "LCM Dreamshaper v7",
                           "LCM-distilled SD 1.5: 2-8 steps, guidance as an embedding", "SimianLuo/LCM_Dreamshaper_v7",
                           sd.files, 4270 * kMB));  // float32 UNet 3.44 GB + text encoder + VAE
    CatalogueEntry turbo = hf_entry("sd-turbo", "SD-Turbo", "distilled SD 2.1: 1-4 steps at guidance 0 (Euler a, trailing)",
                                    "stabilityai/sd-turbo", sd.files,
                                    5210 * kMB);  // UNet 3.46 GB + OpenCLIP-H text encoder 1.36 GB + VAE (float32)
    turbo.variants = {"fp16"};
    turbo.approx_variant_size["fp16"] = 2605 * kMB;
    out.push_back(turbo);
    return out;
}

bool valid_name(const std::string& name) {
    return !name.empty() && name.size() <= 100 && name != "." && name != ".." &&
           std::all_of(name.begin(), name.end(), [](char c) {
               return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
           });
}

std::string line_of(const YAML::Node& node) {
    return node.Mark().line >= 0 ? ":" + std::to_string(node.Mark().line + 1) : "";
}

std::string scalar(const YAML::Node& entry, const char* key, const std::string& where) {
    const YAML::Node v = entry[key];
    if (!v) return {};
    if (!v.IsScalar()) fail(where + line_of(v) + ": '" + key + "' must be a text value");
    return v.as<std::string>();
}

// Sum of the sizes of the distinct files below `dir` (symlinks followed, shared blobs counted once).
std::uint64_t folder_size(const fs::path& dir) {
    std::uint64_t total = 0;
    std::set<fs::path> seen;
    std::error_code ec;
    int budget = 100000;  // a pathological folder is not walked forever
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator() && budget-- > 0;
         it.increment(ec)) {
        std::error_code e2;
        if (!fs::is_regular_file(it->path(), e2)) continue;  // follows symlinks; dangling ones are skipped
        const fs::path real = fs::canonical(it->path(), e2);
        if (e2 || !seen.insert(real).second) continue;
        total += fs::file_size(real, e2);
    }
    return total;
}

bool has_incomplete(const fs::path& blobs_dir) {
    std::error_code ec;
    if (!fs::is_directory(blobs_dir, ec)) return false;
    for (const auto& e : fs::directory_iterator(blobs_dir, ec)) {
        if (e.path().extension() == ".incomplete") return true;
    }
    return false;
}

// Required files of `entry` absent from `snapshot` for `variant` (weight files need their variant copy).
std::vector<std::string> missing_files(const CatalogueEntry& entry, const fs::path& snapshot, const std::string& variant) {
    std::vector<std::string> missing;
    std::error_code ec;
    if (entry.files.empty()) {
        // No list: every linked file must resolve, and there must be at least one.
        bool any = false;
        for (auto it = fs::recursive_directory_iterator(snapshot, ec); !ec && it != fs::recursive_directory_iterator();
             it.increment(ec)) {
            if (it->is_directory()) continue;
            any = true;
            if (!fs::exists(it->path())) missing.push_back(it->path().lexically_relative(snapshot).generic_string());
        }
        if (!any) missing.push_back("(any file)");
        return missing;
    }
    for (const auto& alternatives : entry.files) {
        bool found = false;
        for (const auto& alt : alternatives) found = found || fs::is_regular_file(snapshot / variant_file_name(alt, variant), ec);
        if (!found) missing.push_back(variant_file_name(alternatives.front(), variant));
    }
    return missing;
}

}  // namespace

// ----- entries -----

std::string CatalogueEntry::file_name() const {
    const auto slash = url.rfind('/');
    return slash == std::string::npos ? url : url.substr(slash + 1);
}

std::string CatalogueEntry::reference() const {
    switch (kind) {
        case ModelKind::hf_repo: return repo_id;
        case ModelKind::torch_hub: return file_name();
        case ModelKind::local_folder: return path.string();
    }
    return {};
}

std::uint64_t CatalogueEntry::approx_size_for(const std::string& variant) const {
    const auto it = approx_variant_size.find(variant);
    return it == approx_variant_size.end() ? approx_size : it->second;
}

const std::vector<CatalogueEntry>& builtin_catalogue() {
    static const std::vector<CatalogueEntry> entries = make_builtins();
    return entries;
}

fs::path user_catalogue_path() { return settings_path().parent_path() / "models.yaml"; }

// ----- catalogue -----

Catalogue Catalogue::load(const fs::path& path) {
    Catalogue c;
    c.path_ = path;
    c.entries_ = builtin_catalogue();
    std::error_code ec;
    if (!fs::exists(path, ec)) return c;
    const std::string where = path.string();
    YAML::Node root;
    try {
        root = YAML::LoadFile(path.string());
    } catch (const YAML::ParserException& e) {
        fail(where + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) + ": " + e.msg);
    } catch (const YAML::Exception& e) {
        fail("cannot read " + where + ": " + e.what());
    }
    if (root.IsNull()) return c;
    if (!root.IsMap()) fail(where + ": expected a mapping with a 'models' list");
    const YAML::Node models = root["models"];
    if (!models || models.IsNull()) return c;
    if (!models.IsSequence()) fail(where + line_of(models) + ": 'models' must be a list");
    static const std::set<std::string> known{"name", "repo", "path", "revision", "include", "title", "description"};
    for (const auto& node : models) {
        const std::string at = where + line_of(node);
        if (!node.IsMap()) fail(at + ": each model must be a mapping (name, repo or path, ...)");
        for (const auto& kv : node) {
            const std::string key = kv.first.as<std::string>();
            if (!known.count(key)) {
                fail(at + ": unknown key '" + key + "' (expected name, repo, path, revision, include, title, description)");
            }
        }
        const std::string name = scalar(node, "name", where);
        const std::string repo = scalar(node, "repo", where);
        const std::string folder = scalar(node, "path", where);
        if (repo.empty() == folder.empty()) fail(at + ": a model has exactly one of 'repo' and 'path'");
        std::vector<std::string> include;
        if (const YAML::Node inc = node["include"]) {
            if (!inc.IsSequence()) fail(where + line_of(inc) + ": 'include' must be a list of globs");
            for (const auto& g : inc) include.push_back(g.as<std::string>());
        }
        CatalogueEntry e;
        try {
            if (repo.empty()) {
                // Not required to exist: a folder on a detached disk is shown as missing.
                e.kind = ModelKind::local_folder;
                e.path = folder;
                e.name = name.empty() ? e.path.filename().string() : name;
                e.title = folder;
            } else {
                if (!is_hf_repo_id(repo)) fail("'" + repo + "' is not a Hugging Face repo id (expected ORG/NAME)");
                e.kind = ModelKind::hf_repo;
                e.repo_id = repo;
                const std::string revision = scalar(node, "revision", where);
                e.revision = revision.empty() ? "main" : revision;
                e.include = include;
                e.name = name.empty() ? repo.substr(repo.find('/') + 1) : name;
                e.title = repo;
            }
            if (const std::string t = scalar(node, "title", where); !t.empty()) e.title = t;
            e.description = scalar(node, "description", where);
            c.append(std::move(e));
        } catch (const Error& err) {
            throw err.with_context(at);
        }
    }
    return c;
}

const CatalogueEntry* Catalogue::find(const std::string& key) const {
    for (const auto& e : entries_) {
        if (e.name == key) return &e;
    }
    for (const auto& e : entries_) {
        if ((e.kind == ModelKind::hf_repo && e.repo_id == key) ||
            (e.kind == ModelKind::torch_hub && (e.url == key || e.file_name() == key)) ||
            (e.kind == ModelKind::local_folder && e.path == fs::path(key))) {
            return &e;
        }
    }
    return nullptr;
}

const CatalogueEntry& Catalogue::append(CatalogueEntry entry) {
    if (!valid_name(entry.name)) fail("'" + entry.name + "' is not a valid model name (letters, digits, '-', '_', '.')");
    for (const auto& e : entries_) {
        if (e.name == entry.name) fail("a model named '" + entry.name + "' is already in the catalogue (choose another name)");
    }
    entry.builtin = false;
    entries_.push_back(std::move(entry));
    return entries_.back();
}

const CatalogueEntry& Catalogue::add_hf_repo(const std::string& repo_id, const std::string& name,
                                             const std::string& revision, const std::vector<std::string>& include) {
    if (!is_hf_repo_id(repo_id)) fail("'" + repo_id + "' is not a Hugging Face repo id (expected ORG/NAME)");
    if (revision.empty()) fail("empty revision for '" + repo_id + "'");
    CatalogueEntry e;
    e.name = name.empty() ? repo_id.substr(repo_id.find('/') + 1) : name;
    e.title = repo_id;
    e.kind = ModelKind::hf_repo;
    e.repo_id = repo_id;
    e.revision = revision;
    e.include = include;
    return append(std::move(e));
}

const CatalogueEntry& Catalogue::add_local_folder(const fs::path& folder, const std::string& name) {
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) fail("'" + folder.string() + "' is not a folder");
    CatalogueEntry e;
    e.path = fs::absolute(folder).lexically_normal();
    if (e.path.filename().empty()) e.path = e.path.parent_path();
    e.name = name.empty() ? e.path.filename().string() : name;
    e.title = e.path.string();
    e.kind = ModelKind::local_folder;
    return append(std::move(e));
}

bool Catalogue::remove(const std::string& name) {
    const auto it = std::find_if(entries_.begin(), entries_.end(), [&](const CatalogueEntry& e) { return e.name == name; });
    if (it == entries_.end()) return false;
    if (it->builtin) fail("'" + name + "' is a built-in model and cannot be removed");
    entries_.erase(it);
    return true;
}

void Catalogue::save() const {
    YAML::Emitter out;
    out << YAML::Comment("Models added to Pictor's catalogue (pictor-cli models add, the model manager).");
    out << YAML::BeginMap << YAML::Key << "models" << YAML::Value << YAML::BeginSeq;
    for (const auto& e : entries_) {
        if (e.builtin) continue;
        out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << e.name;
        if (e.kind == ModelKind::hf_repo) {
            out << YAML::Key << "repo" << YAML::Value << e.repo_id;
            out << YAML::Key << "revision" << YAML::Value << e.revision;
            if (!e.include.empty()) out << YAML::Key << "include" << YAML::Value << YAML::Flow << e.include;
        } else {
            out << YAML::Key << "path" << YAML::Value << e.path.string();
        }
        if (!e.description.empty()) out << YAML::Key << "description" << YAML::Value << e.description;
        out << YAML::EndMap;
    }
    out << YAML::EndSeq << YAML::EndMap;
    write_bytes_atomically(path_, std::string(out.c_str()) + "\n");
}

// ----- status, pull, verify -----

std::string ModelStatus::summary() const {
    switch (state) {
        case State::complete: return "complete";
        case State::partial: {
            std::string s = "partial";
            if (!missing_files.empty()) s += ": " + std::to_string(missing_files.size()) + " file(s) missing";
            if (resumable) s += missing_files.empty() ? ": download interrupted (resumable)" : ", resumable";
            return s;
        }
        case State::missing: return resumable ? "missing (an interrupted download can resume)" : "missing";
    }
    return {};
}

ModelStatus model_status(const CatalogueEntry& entry, const std::string& variant) {
    ModelStatus s;
    std::error_code ec;
    switch (entry.kind) {
        case ModelKind::hf_repo: {
            const fs::path repo_dir = hf_repo_cache_dir(entry.repo_id);
            s.resumable = has_incomplete(repo_dir / "blobs");
            try {
                const ResolvedModel r = resolve_model_ref(entry.repo_id, entry.revision);
                s.location = r.path;
                s.commit = r.revision;
            } catch (const Error&) {
                s.state = s.resumable ? ModelStatus::State::partial : ModelStatus::State::missing;
                return s;
            }
            s.size_on_disk = folder_size(s.location);
            s.missing_files = missing_files(entry, s.location, variant);
            if (missing_files(entry, s.location, "").empty()) s.complete_variants.push_back("");
            for (const auto& v : entry.variants) {
                if (missing_files(entry, s.location, v).empty()) s.complete_variants.push_back(v);
            }
            // Without an asked-for variant, any complete variant makes the model usable (fp16 only is fine).
            if (variant.empty() && !s.missing_files.empty() && !s.complete_variants.empty()) s.missing_files.clear();
            s.state = s.missing_files.empty() ? ModelStatus::State::complete : ModelStatus::State::partial;
            return s;
        }
        case ModelKind::torch_hub: {
            const fs::path dir = torch_hub_checkpoints_dir();
            const fs::path file = dir / entry.file_name();
            s.resumable = fs::exists(dir / ("." + entry.file_name() + ".incomplete"), ec);
            if (fs::is_regular_file(file, ec)) {
                s.location = file;
                s.size_on_disk = fs::file_size(file, ec);
                s.state = ModelStatus::State::complete;
                s.complete_variants.push_back("");
            } else {
                s.state = s.resumable ? ModelStatus::State::partial : ModelStatus::State::missing;
            }
            return s;
        }
        case ModelKind::local_folder: {
            if (fs::is_directory(entry.path, ec)) {
                s.location = entry.path;
                s.size_on_disk = folder_size(entry.path);
                s.state = ModelStatus::State::complete;
                s.complete_variants.push_back("");
            }
            return s;
        }
    }
    return s;
}

PullResult pull_model(const CatalogueEntry& entry, const PullOptions& options, const HubConfig& hub,
                      const TorchHubOptions& torch, ProgressSink* sink) {
    PullResult result;
    switch (entry.kind) {
        case ModelKind::hf_repo: {
            if (!options.variant.empty() && entry.builtin &&
                std::find(entry.variants.begin(), entry.variants.end(), options.variant) == entry.variants.end()) {
                fail("model '" + entry.name + "' has no variant '" + options.variant + "'" +
                     (entry.variants.empty() ? "" : " (offered: " + entry.variants.front() + ")"));
            }
            RepoDownloadRequest request;
            request.repo_id = entry.repo_id;
            request.revision = options.revision.empty() ? entry.revision : options.revision;
            request.required = entry.files;
            request.include = entry.include;
            request.include.insert(request.include.end(), options.include.begin(), options.include.end());
            request.variant = options.variant;
            const DownloadResult r = download_repo(request, hub, sink);
            result.cancelled = r.cancelled;
            result.location = r.snapshot_dir;
            result.bytes_downloaded = r.bytes_downloaded;
            result.files_downloaded = r.files_downloaded;
            return result;
        }
        case ModelKind::torch_hub: {
            if (!options.variant.empty()) fail("model '" + entry.name + "' has no variants");
            const TorchHubResult r = download_url_to_torch_hub(entry.url, torch, sink);
            result.cancelled = r.cancelled;
            result.location = r.path;
            result.bytes_downloaded = r.bytes_downloaded;
            result.files_downloaded = r.already_present || r.cancelled ? 0 : 1;
            return result;
        }
        case ModelKind::local_folder:
            fail("model '" + entry.name + "' is a local folder (" + entry.path.string() + "): nothing to download");
    }
    return result;
}

VerifyReport verify_model(const CatalogueEntry& entry, ProgressSink* sink) {
    const ModelStatus s = model_status(entry);
    if (s.location.empty()) fail("model '" + entry.name + "' is not downloaded (pictor-cli models pull " + entry.name + ")");
    switch (entry.kind) {
        case ModelKind::hf_repo: return verify_snapshot(s.location, sink);
        case ModelKind::torch_hub: return verify_torch_checkpoint(s.location, sink);
        case ModelKind::local_folder:
            fail("model '" + entry.name + "' is a local folder: there are no published hashes to check it against");
    }
    return {};
}

}  // namespace pictor::hub
