#include "core/io/model_ref.h"

#include <fstream>
#include <sstream>
#include <vector>

#include "core/util/error.h"
#include "core/util/user_dirs.h"

namespace pictor {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail_no_home() { fail("cannot find the home folder ($HOME is not set)"); }

// `p` with "~" expanded; throws when that needs a home folder there is none of.
fs::path expanded(const std::string& p) {
    if (auto path = expand_user(p)) return *path;
    fail_no_home();
}

fs::path cache_home() {
    if (auto cache = xdg_cache_home()) return *cache;
    fail_no_home();
}

bool is_repo_part(const std::string& s) {
    if (s.empty() || s.size() > 96 || s == "." || s == "..") return false;
    for (char c : s)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
    return true;
}

// A branch or tag name: path segments of [A-Za-z0-9._-] ("main", "fp16", "refs/pr/1"), no "..".
bool is_revision_name(const std::string& s) {
    if (s.empty() || s.front() == '/' || s.back() == '/') return false;
    std::stringstream parts(s);
    std::string part;
    while (std::getline(parts, part, '/'))
        if (!is_repo_part(part)) return false;
    return true;
}

bool is_commit_hash(const std::string& s) {
    if (s.size() != 40) return false;
    for (char c : s)
        if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
    return true;
}

// Exists and, through any symlinks, reaches a real file or folder.
bool reachable(const fs::path& p) {
    std::error_code ec;
    return fs::exists(p, ec);
}

std::string read_first_line(const fs::path& p) {
    std::ifstream in(p);
    std::string line;
    std::getline(in, line);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    return line;
}

}  // namespace

fs::path hf_hub_cache_dir() {
    if (auto v = env_value("HF_HUB_CACHE")) return expanded(*v);
    if (auto v = env_value("HUGGINGFACE_HUB_CACHE")) return expanded(*v);
    if (auto v = env_value("HF_HOME")) return expanded(*v) / "hub";
    return cache_home() / "huggingface" / "hub";
}

fs::path torch_hub_checkpoints_dir() {
    const auto torch_env = env_value("TORCH_HOME");
    const fs::path torch_home = torch_env ? expanded(*torch_env) : cache_home() / "torch";
    return torch_home / "hub" / "checkpoints";
}

bool is_hf_repo_id(const std::string& text) {
    const size_t slash = text.find('/');
    if (slash == std::string::npos || text.find('/', slash + 1) != std::string::npos) return false;
    return is_repo_part(text.substr(0, slash)) && is_repo_part(text.substr(slash + 1));
}

fs::path hf_repo_cache_dir(const std::string& repo_id) {
    if (!is_hf_repo_id(repo_id)) fail("'" + repo_id + "' is not a Hugging Face repo id (expected ORG/NAME)");
    const size_t slash = repo_id.find('/');
    return hf_hub_cache_dir() / ("models--" + repo_id.substr(0, slash) + "--" + repo_id.substr(slash + 1));
}

bool ResolvedModel::is_diffusers_pipeline() const { return !is_file() && fs::is_regular_file(path / "model_index.json"); }
bool ResolvedModel::has_config() const { return !is_file() && fs::is_regular_file(path / "config.json"); }

ResolvedModel resolve_model_ref(const std::string& reference, const std::string& revision) {
    if (reference.empty()) fail("empty model reference");
    std::vector<std::string> looked;
    ResolvedModel r;
    r.reference = reference;

    // 1. Local path.
    const fs::path local = expanded(reference);
    std::error_code ec;
    if (fs::is_regular_file(local, ec)) {
        r.source = ModelSource::LocalFile;
        r.path = local;
        return r;
    }
    if (fs::is_directory(local, ec)) {
        r.source = ModelSource::LocalFolder;
        r.path = local;
        return r;
    }
    looked.push_back("local path " + fs::absolute(local, ec).string() + " (does not exist)");

    // 2. Hugging Face cache.
    std::string repo = reference, rev = revision.empty() ? "main" : revision;
    if (const size_t at = reference.find('@'); at != std::string::npos) {
        repo = reference.substr(0, at);
        rev = reference.substr(at + 1);
    }
    if (is_hf_repo_id(repo)) {
        const fs::path repo_dir = hf_repo_cache_dir(repo);
        std::string commit;
        if (is_commit_hash(rev)) {
            commit = rev;
        } else if (is_revision_name(rev)) {
            const fs::path ref_file = repo_dir / "refs" / rev;
            if (fs::is_regular_file(ref_file, ec)) {
                commit = read_first_line(ref_file);
                if (!is_commit_hash(commit))
                    fail("Hugging Face cache file " + ref_file.string() + " does not hold a commit hash");
            } else {
                looked.push_back("Hugging Face cache " + ref_file.string() + " (no such revision '" + rev + "')");
            }
        } else {
            fail("'" + rev + "' is not a valid revision of " + repo);
        }
        if (!commit.empty()) {
            const fs::path snapshot = repo_dir / "snapshots" / commit;
            if (fs::is_directory(snapshot, ec)) {
                r.source = ModelSource::HuggingFaceCache;
                r.path = snapshot;
                r.revision = commit;
                return r;
            }
            looked.push_back("Hugging Face cache " + snapshot.string() + " (snapshot of revision '" + rev +
                             "' missing)");
        }
    }

    // 3. torch hub cache (bare file names only).
    const std::string ext = fs::path(reference).extension().string();
    if (reference.find('/') == std::string::npos && (ext == ".pth" || ext == ".pt")) {
        const fs::path file = torch_hub_checkpoints_dir() / reference;
        if (fs::is_regular_file(file, ec)) {
            r.source = ModelSource::TorchHubCache;
            r.path = file;
            return r;
        }
        looked.push_back("torch hub cache " + file.string() + " (does not exist)");
    }

    std::ostringstream msg;
    msg << "model '" << reference << "' not found; looked in:";
    for (const auto& l : looked) msg << "\n  " << l;
    if (!is_hf_repo_id(repo) && !(reference.find('/') == std::string::npos && (ext == ".pth" || ext == ".pt")))
        msg << "\n  (not a Hugging Face repo id ORG/NAME nor a torchvision .pth file name)";
    msg << "\n(download it first, or give the path of a local file or folder)";
    fail(msg.str());
}

fs::path find_weight_file(const fs::path& folder, const std::string& variant) {
    static const char* const kStems[][2] = {
        {"model", ".safetensors"},           {"diffusion_pytorch_model", ".safetensors"},
        {"pytorch_model", ".bin"},           {"diffusion_pytorch_model", ".bin"},
        {"model", ".pth"},                   {"model", ".pt"},
        {"model", ".ckpt"},
    };
    std::vector<std::string> tried;
    auto try_names = [&](const std::string& infix) -> std::optional<fs::path> {
        for (const auto& [stem, ext] : kStems) {
            const std::string name = std::string(stem) + infix + ext;
            tried.push_back(name);
            if (reachable(folder / name) && fs::is_regular_file(folder / name)) return folder / name;
        }
        return std::nullopt;
    };
    if (!fs::is_directory(folder)) fail("model folder '" + folder.string() + "' does not exist");
    if (!variant.empty())
        if (auto p = try_names("." + variant)) return *p;
    if (auto p = try_names("")) return *p;
    // A folder downloaded as the fp16 variant only (`pictor-cli models pull sd15 --variant fp16`)
    // has nothing but the variant files: they are the weights (upcast on load).
    if (variant != "fp16")
        if (auto p = try_names(".fp16")) return *p;
    std::string msg = "no weight file in '" + folder.string() + "' (tried";
    for (const auto& t : tried) msg += " " + t;
    msg += ")";
    for (const char* index : {"model.safetensors.index.json", "diffusion_pytorch_model.safetensors.index.json",
                              "pytorch_model.bin.index.json"})
        if (fs::exists(folder / index)) msg += "; sharded checkpoints (" + std::string(index) + ") are not supported";
    fail(msg);
}

}  // namespace pictor
