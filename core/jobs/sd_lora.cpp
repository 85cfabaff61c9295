#include "core/jobs/sd_lora.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <optional>
#include <system_error>

#include "core/hub/hash.h"
#include "core/image/a1111_parameters.h"
#include "core/jobs/job_error.h"
#include "core/jobs/job_support.h"
#include "core/models/sd/lora_merge.h"
#include "core/settings/settings.h"
#include "core/text/extra_networks.h"

namespace pictor::jobs::detail {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kExtensions = {".safetensors", ".pt", ".ckpt", ".bin"};

bool is_lora_file(const fs::path& p, const std::string& name) {
    std::error_code ec;
    if (p.stem().string() != name || !fs::is_regular_file(p, ec)) return false;
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return std::find(kExtensions.begin(), kExtensions.end(), ext) != kExtensions.end();
}

bool is_diffusers_lora_folder(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p / "pytorch_lora_weights.safetensors", ec) ||
           fs::is_regular_file(p / "pytorch_lora_weights.bin", ec);
}

// The file as a stable key: absolute and normalised (the same file from a tag and from --lora).
fs::path canonical_or_absolute(const fs::path& p) {
    std::error_code ec;
    fs::path c = fs::weakly_canonical(p, ec);
    return ec ? fs::absolute(p, ec).lexically_normal() : c;
}

std::string stamp_of(const fs::path& p) {
    std::error_code ec;
    fs::path file = p;
    if (fs::is_directory(p, ec))
        file = fs::is_regular_file(p / "pytorch_lora_weights.safetensors", ec) ? p / "pytorch_lora_weights.safetensors"
                                                                              : p / "pytorch_lora_weights.bin";
    const auto size = fs::file_size(file, ec);
    return std::to_string(ec ? 0 : size) + "@" + modification_stamp(file);
}

void add_use(std::vector<LoraUse>& set, LoraUse use) {
    for (const LoraUse& u : set)
        if (u.file == use.file && u.unet_scale == use.unet_scale && u.text_encoder_scale == use.text_encoder_scale) return;
    set.push_back(std::move(use));
}

void require_strength(double v, const std::string& what) {
    if (!std::isfinite(v) || std::fabs(v) > 100)
        throw InvalidRequest(what + ": the strength must be a finite number in -100..100, got " + python_float(v));
}

bool same_set(const std::vector<LoraUse>& a, const std::vector<LoraUse>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i].file != b[i].file || a[i].unet_scale != b[i].unet_scale ||
            a[i].text_encoder_scale != b[i].text_encoder_scale || a[i].name != b[i].name || a[i].stamp != b[i].stamp)
            return false;
    return true;
}

}  // namespace

std::vector<fs::path> lora_search_folders(const std::vector<fs::path>& folders) {
    if (!folders.empty()) return folders;
    try {
        return lora_folders(load_settings(settings_path()).settings);
    } catch (const Error& e) {
        throw InvalidRequest(std::string("reading the LoRA folders from the settings: ") + e.what());
    }
}

// The diffusers LoRA folder a catalogue name or repo id resolves to, if it is downloaded.
std::optional<fs::path> downloaded_lora(const std::string& reference) {
    try {
        const ResolvedModel resolved = resolve_for(reference, "LoRA");
        if (is_diffusers_lora_folder(resolved.path)) return resolved.path;
    } catch (const ModelNotFound&) {
    }
    return std::nullopt;
}

// A --lora argument: a file or folder, else a catalogue name / repo id (ModelNotFound, with the
// catalogue entry, when it is not downloaded: the front ends offer the download).
fs::path lora_file_of(const std::string& reference) {
    std::error_code ec;
    if (fs::exists(reference, ec)) return reference;
    const fs::path p(reference);
    const bool path_like = p.has_extension() || reference.front() == '/' || reference.front() == '.' || reference.front() == '~';
    if (path_like) throw InvalidRequest("LoRA '" + reference + "' does not exist");
    const ResolvedModel resolved = resolve_for(reference, "LoRA");
    if (!is_diffusers_lora_folder(resolved.path))
        throw InvalidRequest("LoRA '" + reference + "' resolves to '" + resolved.path.string() +
                             "', which has no pytorch_lora_weights.safetensors or .bin");
    return resolved.path;
}

fs::path find_lora(const std::string& name, const std::vector<fs::path>& folders) {
    std::error_code ec;
    for (const fs::path& folder : folders) {
        if (!fs::is_directory(folder, ec)) continue;
        for (const std::string& ext : kExtensions)
            if (is_lora_file(folder / (name + ext), name)) return folder / (name + ext);
        if (is_diffusers_lora_folder(folder / name)) return folder / name;
        // Subfolders, in name order so that the same name always finds the same file.
        std::vector<fs::path> found;
        for (auto it = fs::recursive_directory_iterator(folder, fs::directory_options::skip_permission_denied, ec);
             !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
            const fs::path& p = it->path();
            if (is_lora_file(p, name) || (p.filename() == name && is_diffusers_lora_folder(p))) found.push_back(p);
        }
        if (!found.empty()) return *std::min_element(found.begin(), found.end());
    }
    // A catalogue name (lcm-lora-sdv1-5) or repo id in the HF cache: what `models pull` downloaded.
    if (const std::optional<fs::path> cached = downloaded_lora(name)) return *cached;
    std::string searched;
    for (const fs::path& f : folders) searched += (searched.empty() ? "" : ", ") + f.string();
    throw InvalidRequest("LoRA '" + name + "' was not found in the LoRA folders (searched: " +
                         (searched.empty() ? "none are set" : searched) + "; looked for " + name +
                         ".safetensors, .pt, .ckpt, .bin or a diffusers LoRA folder, subfolders included; the folders "
                         "are `lora_folders` in the settings)");
}

std::vector<LoraUse> lora_set_for(const std::vector<LoraRequest>& loras, const std::vector<std::string>& prompts,
                                  const std::vector<fs::path>& folders) {
    std::vector<LoraUse> set;
    for (const LoraRequest& l : loras) {
        std::error_code ec;
        if (l.file.empty()) throw InvalidRequest("LoRA: no file given");
        const fs::path file = lora_file_of(l.file);
        if (fs::is_directory(file, ec) && !is_diffusers_lora_folder(file))
            throw InvalidRequest("LoRA '" + l.file + "' is a folder without pytorch_lora_weights.safetensors or .bin");
        require_strength(l.unet_scale, "LoRA '" + l.file + "'");
        require_strength(l.text_encoder_scale, "LoRA '" + l.file + "'");
        LoraUse use;
        use.file = canonical_or_absolute(file.string());
        use.unet_scale = l.unet_scale;
        use.text_encoder_scale = l.text_encoder_scale;
        // A reference (lcm-lora-sdv1-5, org/name) is named by itself: its tag finds it again.
        use.name = file.string() == l.file ? lora_name_of_file(l.file) : fs::path(l.file).filename().string();
        use.stamp = stamp_of(use.file);
        add_use(set, std::move(use));
    }
    std::vector<fs::path> search;
    bool searched = false;
    for (const std::string& prompt : prompts) {
        for (const ExtraNetworkTag& tag : parse_extra_networks(prompt).tags) {
            if (!is_lora_tag(tag))
                throw InvalidRequest("prompt: '" + tag.text + "': extra networks of kind '" + tag.kind +
                                     "' are not supported (only <lora:NAME:SCALE>)");
            LoraTag t;
            try {
                t = lora_tag(tag);
            } catch (const Error& e) {
                throw InvalidRequest(std::string("prompt: ") + e.what());
            }
            require_strength(t.unet_scale, "prompt: '" + tag.text + "'");
            require_strength(t.text_encoder_scale, "prompt: '" + tag.text + "'");
            if (!searched) {
                search = lora_search_folders(folders);
                searched = true;
            }
            LoraUse use;
            use.file = canonical_or_absolute(find_lora(t.name, search));
            use.unet_scale = t.unet_scale;
            use.text_encoder_scale = t.text_encoder_scale;
            use.name = t.name;
            use.stamp = stamp_of(use.file);
            add_use(set, std::move(use));
        }
    }
    return set;
}

void apply_lora_set(StableDiffusion& model, const std::vector<LoraUse>& set, JobSink& sink) {
    if (same_set(model.loras.set, set)) return;
    if (set.empty()) {
        sink.on_stage("removing LoRAs");
        unmerge_loras(model);
        return;
    }
    sink.on_stage("applying LoRAs");
    const LoraTargets targets = lora_targets(model);
    std::vector<LoadedLora> loaded;
    for (const LoraUse& u : set) {
        LoadedLora l{u, read_lora(u.file, targets)};
        l.use.hash = lora_short_hash(l.file.path);
        loaded.push_back(std::move(l));
    }
    merge_loras(model, loaded);
}

std::string lora_short_hash(const fs::path& file) {
    // Ref: AUTOMATIC1111 modules/hashes.py addnet_hash_safetensors, extensions-builtin/Lora/network.py
    // NetworkOnDisk.read_hash (sha256(..., use_addnet_hash=is_safetensors), shorthash = [0:12]).
    try {
        std::string ext = file.extension().string();
        std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
        if (ext != ".safetensors") return hub::sha256_file(file).substr(0, 12);
        std::ifstream in(file, std::ios::binary);
        unsigned char header[8];
        if (!in.read(reinterpret_cast<char*>(header), 8)) return "";
        uint64_t n = 0;
        for (int i = 7; i >= 0; --i) n = n << 8 | header[i];
        in.seekg(std::streamoff(8 + n));
        if (!in) return "";
        hub::Hasher hasher(hub::HashKind::sha256);
        std::vector<char> buf(1 << 20);
        while (in) {
            in.read(buf.data(), std::streamsize(buf.size()));
            if (in.gcount() > 0) hasher.update(buf.data(), size_t(in.gcount()));
        }
        return hasher.hex_digest().substr(0, 12);
    } catch (const Error&) {
        return "";
    }
}

std::string lora_name_of_file(const std::string& file) {
    // Not canonical: the HF cache's files are symlinks to blobs named by their hash.
    const fs::path p = fs::absolute(fs::path(file)).lexically_normal();
    std::error_code ec;
    if (fs::is_directory(p, ec) || p.stem() == "pytorch_lora_weights") {
        fs::path folder = fs::is_directory(p, ec) ? p : p.parent_path();
        if (folder.filename().empty()) folder = folder.parent_path();
        // .../models--ORG--NAME/snapshots/<commit>/: the repo's NAME, what its tag finds again.
        if (folder.parent_path().filename() == "snapshots") {
            const std::string repo = folder.parent_path().parent_path().filename().string();
            const auto dash = repo.rfind("--");
            if (repo.rfind("models--", 0) == 0 && dash != std::string::npos) return repo.substr(dash + 2);
        }
        return folder.filename().string();
    }
    return p.stem().string();
}

std::string lora_tag_text(const std::string& name, double text_encoder_scale, double unet_scale) {
    std::string tag = "<lora:";
    tag.append(name).append(":").append(python_float(text_encoder_scale));
    if (unet_scale != text_encoder_scale) tag.append(":").append(python_float(unet_scale));
    return tag.append(">");
}

}  // namespace pictor::jobs::detail
