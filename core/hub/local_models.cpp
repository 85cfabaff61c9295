#include "core/hub/local_models.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <optional>
#include <set>
#include <system_error>

#include "core/io/model_ref.h"
#include "core/settings/settings.h"
#include "core/util/user_dirs.h"

namespace pictor::hub {

namespace fs = std::filesystem;

std::string role_title(ModelRole role) {
    switch (role) {
        case ModelRole::stable_diffusion: return "Stable Diffusion";
        case ModelRole::clip: return "CLIP";
        case ModelRole::resnet50: return "ResNet50";
        case ModelRole::resnet18: return "ResNet18";
        case ModelRole::taesd: return "TAESD";
        case ModelRole::lora: return "LoRA";
    }
    return "";
}

LocalModelPlaces local_model_places(const Settings& settings) {
    LocalModelPlaces places;
    places.hf_hub_dir = hf_hub_cache_dir();
    places.torch_checkpoints_dir = torch_hub_checkpoints_dir();
    places.model_folders = model_folders(settings);
    places.lora_folders = lora_folders(settings);
    return places;
}

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

bool is_dir(const fs::path& p) {
    std::error_code ec;
    return fs::is_directory(p, ec);
}

bool is_file(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec);  // follows symlinks: a dangling blob link does not count
}

// The entries of `dir` sorted by name; none when it cannot be read.
std::vector<fs::path> sorted_entries(const fs::path& dir) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end; !ec && it != end;
         it.increment(ec))
        out.push_back(it->path());
    std::sort(out.begin(), out.end());
    return out;
}

// A JSON object file, or nullopt when absent or not valid JSON (a scanner lists what it can read).
std::optional<nlohmann::json> read_json(const fs::path& file) {
    if (!is_file(file)) return std::nullopt;
    std::ifstream in(file, std::ios::binary);
    nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    return j;
}

std::string string_field(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// What a model folder holds, from its config files (diffusers, transformers); nullopt: none of ours.
struct FolderKind {
    ModelRole role;
    std::string detail;
};
std::optional<FolderKind> folder_kind(const fs::path& dir) {
    if (const auto index = read_json(dir / "model_index.json")) {
        const std::string cls = string_field(*index, "_class_name");
        // Ref: diffusers pipelines/stable_diffusion and latent_consistency_models (the pipelines
        // core/pipelines runs); an SDXL or other pipeline folder is not offered.
        if (cls == "StableDiffusionPipeline" || cls == "LatentConsistencyModelPipeline")
            return FolderKind{ModelRole::stable_diffusion, cls};
        return std::nullopt;
    }
    if (const auto config = read_json(dir / "config.json")) {
        // Ref: transformers CLIPConfig.model_type = "clip" (the text/vision sub-configs say
        // clip_text_model / clip_vision_model and are not a whole CLIP).
        if (string_field(*config, "model_type") == "clip") return FolderKind{ModelRole::clip, "CLIPModel"};
        if (string_field(*config, "_class_name") == "AutoencoderTiny") return FolderKind{ModelRole::taesd, "AutoencoderTiny"};
        return std::nullopt;
    }
    if (is_file(dir / "pytorch_lora_weights.safetensors")) return FolderKind{ModelRole::lora, "diffusers LoRA"};
    return std::nullopt;
}

// The tensor names of a .safetensors file's header (u64 LE length + JSON); empty when unreadable.
std::vector<std::string> safetensors_names(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    unsigned char len_bytes[8];
    if (!in.read(reinterpret_cast<char*>(len_bytes), 8)) return {};
    uint64_t len = 0;
    for (int i = 7; i >= 0; --i) len = (len << 8) | len_bytes[i];
    if (len == 0 || len > (100u << 20)) return {};  // the format caps the header at 100 MB
    std::string header(len, '\0');
    if (!in.read(header.data(), std::streamsize(len))) return {};
    const nlohmann::json j = nlohmann::json::parse(header, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return {};
    std::vector<std::string> names;
    for (auto it = j.begin(); it != j.end(); ++it)
        if (it.key() != "__metadata__") names.push_back(it.key());
    return names;
}

bool has_extension(const fs::path& p, std::initializer_list<const char*> exts) {
    const std::string ext = lower(p.extension().string());
    return std::any_of(exts.begin(), exts.end(), [&](const char* e) { return ext == e; });
}

// resnet50*.pth / resnet18*.pth (torchvision's names: resnet50-11ad3fa6.pth).
std::optional<ModelRole> resnet_role(const fs::path& file) {
    if (!has_extension(file, {".pth", ".pt"})) return std::nullopt;
    const std::string name = lower(file.filename().string());
    if (name.rfind("resnet50", 0) == 0) return ModelRole::resnet50;
    if (name.rfind("resnet18", 0) == 0) return ModelRole::resnet18;
    return std::nullopt;
}

class Scanner {
public:
    explicit Scanner(std::vector<LocalModel>& out) : out_(out) {}

    void add(ModelRole role, LocalSource source, std::string reference, std::string name, const fs::path& path,
             std::string detail, const fs::path& place) {
        std::error_code ec;
        fs::path key = fs::weakly_canonical(path, ec);
        if (ec) key = path;
        if (!seen_.insert(key.string() + "\n" + std::to_string(int(role))).second) return;
        out_.push_back(LocalModel{role, source, std::move(reference), std::move(name), path, std::move(detail), place});
    }

    void hf_cache(const fs::path& hub) {
        for (const fs::path& repo : sorted_entries(hub)) {
            const std::string folder = repo.filename().string();
            if (folder.rfind("models--", 0) != 0 || !is_dir(repo)) continue;
            // Ref: huggingface_hub file_download.repo_folder_name: "models--" + id with "/" → "--".
            std::string id = folder.substr(8);
            const auto sep = id.find("--");
            if (sep != std::string::npos) id.replace(sep, 2, "/");
            std::string reference = id;
            fs::path snapshot;
            std::string commit;
            if (std::ifstream ref(repo / "refs" / "main"); ref && std::getline(ref, commit) && !commit.empty()) {
                snapshot = repo / "snapshots" / commit;
            } else {  // no refs/main: a download by commit, named by it
                fs::file_time_type newest{};
                for (const fs::path& s : sorted_entries(repo / "snapshots")) {
                    std::error_code ec;
                    const auto t = fs::last_write_time(s, ec);
                    if (!ec && is_dir(s) && (snapshot.empty() || t > newest)) snapshot = s, newest = t;
                }
                reference = id + "@" + snapshot.filename().string();
            }
            if (snapshot.empty() || !is_dir(snapshot)) continue;
            if (const auto kind = folder_kind(snapshot)) {
                // A diffusers LoRA is named by its folder: LoRA settings take files and folders.
                const std::string ref = kind->role == ModelRole::lora ? snapshot.string() : reference;
                add(kind->role, LocalSource::hf_cache, ref, id, snapshot, kind->detail, hub);
            }
        }
    }

    void torch_hub(const fs::path& dir) {
        for (const fs::path& file : sorted_entries(dir)) {
            if (!is_file(file)) continue;
            if (const auto role = resnet_role(file))
                add(*role, LocalSource::torch_hub, file.filename().string(), file.filename().string(), file,
                    "torchvision checkpoint", dir);
        }
    }

    void model_folder(const fs::path& root) {
        if (!is_dir(root)) return;
        const std::string base = lower(root.filename().string());
        if (base == "stable-diffusion" || base == "checkpoints") return checkpoint_folder(root, root, 0);
        if (base == "lora" || base == "loras") return lora_folder(root, root, 0, LocalSource::model_folder);
        // AUTOMATIC1111's and ComfyUI's install folders (or their models/ folder).
        bool layout = false;
        for (const fs::path& models : {root / "models", root}) {
            for (const char* sub : {"Stable-diffusion", "checkpoints"})
                if (is_dir(models / sub)) checkpoint_folder(models / sub, root, 0), layout = true;
            for (const char* sub : {"Lora", "loras"})
                if (is_dir(models / sub)) lora_folder(models / sub, root, 0, LocalSource::model_folder), layout = true;
        }
        if (!layout) generic_folder(root, root, 0);
    }

    void lora_folder(const fs::path& dir, const fs::path& place, int depth, LocalSource source) {
        for (const fs::path& p : sorted_entries(dir)) {
            if (is_dir(p)) {
                if (depth < kMaxDepth) lora_folder(p, place, depth + 1, source);
            } else if (has_extension(p, {".safetensors", ".pt", ".ckpt", ".bin"}) && is_file(p)) {
                add(ModelRole::lora, source, p.string(), p.filename().string(), p, "LoRA file", place);
            }
        }
    }

private:
    static constexpr int kMaxDepth = 3;  // models/<group>/<subgroup>/file: deeper is not a model library

    void checkpoint_folder(const fs::path& dir, const fs::path& place, int depth) {
        for (const fs::path& p : sorted_entries(dir)) {
            if (is_dir(p)) {
                if (const auto kind = folder_kind(p)) {
                    add(kind->role, LocalSource::model_folder, p.string(), p.filename().string(), p, kind->detail, place);
                } else if (depth < kMaxDepth) {
                    checkpoint_folder(p, place, depth + 1);
                }
            } else if (has_extension(p, {".safetensors", ".ckpt"}) && is_file(p)) {
                add(ModelRole::stable_diffusion, LocalSource::model_folder, p.string(), p.filename().string(), p,
                    "single-file checkpoint", place);
            }
        }
    }

    void generic_folder(const fs::path& dir, const fs::path& place, int depth) {
        if (const auto kind = folder_kind(dir)) {
            add(kind->role, LocalSource::model_folder, dir.string(), dir.filename().string(), dir, kind->detail, place);
            return;  // a model's own subfolders (unet/, vae/) are parts, not models
        }
        for (const fs::path& p : sorted_entries(dir)) {
            if (is_dir(p)) {
                if (depth < kMaxDepth) generic_folder(p, place, depth + 1);
                continue;
            }
            if (!is_file(p)) continue;
            if (const auto role = resnet_role(p)) {
                add(*role, LocalSource::model_folder, p.string(), p.filename().string(), p, "torchvision checkpoint", place);
            } else if (has_extension(p, {".safetensors"})) {
                if (const auto role = safetensors_role(p))
                    add(*role, LocalSource::model_folder, p.string(), p.filename().string(), p,
                        *role == ModelRole::lora ? "LoRA file" : "single-file checkpoint", place);
            } else if (has_extension(p, {".ckpt"})) {
                // A .ckpt is a pickle: telling its kind means unpickling it; they are SD checkpoints in practice.
                add(ModelRole::stable_diffusion, LocalSource::model_folder, p.string(), p.filename().string(), p,
                    "single-file checkpoint", place);
            }
        }
    }

    // Ref: the original SD checkpoint layout (ldm: model.diffusion_model.*) and kohya's LoRA names
    // (lora_unet_*, lora_te_*), or diffusers/PEFT ones (*.lora_A.*, *.lora.down.*).
    static std::optional<ModelRole> safetensors_role(const fs::path& file) {
        bool lora = false;
        for (const std::string& n : safetensors_names(file)) {
            if (n.rfind("model.diffusion_model.", 0) == 0) return ModelRole::stable_diffusion;
            if (n.rfind("lora_unet_", 0) == 0 || n.rfind("lora_te", 0) == 0 || n.find(".lora_A.") != std::string::npos ||
                n.find(".lora.down.") != std::string::npos || n.find(".lora_down.") != std::string::npos)
                lora = true;
        }
        if (lora) return ModelRole::lora;
        return std::nullopt;
    }

    std::vector<LocalModel>& out_;
    std::set<std::string> seen_;
};

}  // namespace

std::vector<LocalModel> scan_local_models(const LocalModelPlaces& places) {
    std::vector<LocalModel> out;
    Scanner scanner(out);
    if (!places.hf_hub_dir.empty()) scanner.hf_cache(places.hf_hub_dir);
    if (!places.torch_checkpoints_dir.empty()) scanner.torch_hub(places.torch_checkpoints_dir);
    for (const fs::path& f : places.model_folders) scanner.model_folder(f);
    for (const fs::path& f : places.lora_folders)
        if (is_dir(f)) scanner.lora_folder(f, f, 0, LocalSource::lora_folder);
    return out;
}

}  // namespace pictor::hub
