#include "core/hub/blob_cache.h"

#include <algorithm>
#include <fstream>
#include <random>

#include "core/hub/file_lock.h"
#include "core/hub/hash.h"
#include "core/hub/http.h"
#include "core/io/model_ref.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

namespace pictor::hub {

namespace fs = std::filesystem;

namespace detail {

namespace {

// Places a symlink atomically (a temporary link renamed over the final name).
void place_symlink(const fs::path& link, const std::string& target) {
    std::error_code ec;
    if (fs::is_symlink(link, ec) && fs::read_symlink(link, ec).string() == target && !ec) return;
    fs::create_directories(link.parent_path(), ec);
    if (ec) fail("cannot create folder '" + link.parent_path().string() + "': " + ec.message());
    std::random_device rd;
    std::string temp_name = ".";  // built step by step: `"." + string` trips GCC 12's -Wstringop-overflow here
    temp_name += link.filename().string();
    temp_name += ".tmp" + std::to_string(rd());
    const fs::path temp = link.parent_path() / temp_name;
    fs::create_symlink(target, temp, ec);
    if (ec) fail("cannot create symlink '" + temp.string() + "': " + ec.message());
    fs::rename(temp, link, ec);
    if (ec) {
        fs::remove(temp);
        fail("cannot place symlink '" + link.string() + "': " + ec.message());
    }
}

std::string relative_blob_target(const std::string& file, const std::string& etag) {
    std::string target = "../../";
    for (char c : file) {
        if (c == '/') target += "../";
    }
    return target + "blobs/" + etag;
}

// Verifies a complete .incomplete file against size and etag; throws (after deleting it) when wrong.
// Returns false when cancelled during hashing.
bool verify_incomplete(const fs::path& incomplete, const FileMeta& meta, const std::string& what,
                       ProgressReporter& progress) {
    std::error_code ec;
    const std::uint64_t size = file_size_or_zero(incomplete);
    if (meta.size && size != *meta.size) {
        fs::remove(incomplete, ec);
        fail(what + ": size mismatch: " + std::to_string(size) + " bytes received, the Hub announced " +
             std::to_string(*meta.size) + "; the download was discarded, the cache is unchanged");
    }
    const HashKind kind = hash_kind_of_etag(meta.etag);
    if (kind == HashKind::none) return true;
    if (progress.sink()) progress.sink()->on_stage("verifying " + meta.file);
    Hasher hasher(kind, size);
    if (!hash_file_into(hasher, incomplete, -1, progress.sink())) return false;
    const std::string actual = hasher.hex_digest();
    if (actual != meta.etag) {
        fs::remove(incomplete, ec);
        fail(what + ": hash mismatch: expected " + (kind == HashKind::sha256 ? "SHA-256 " : "git SHA-1 ") +
             meta.etag + ", got " + actual + "; the download was discarded, the cache is unchanged");
    }
    return true;
}

}  // namespace

void check_relative_path(const std::string& path, const std::string& what) {
    bool bad = path.empty() || path.front() == '/' || path.find('\\') != std::string::npos ||
               path.find('\0') != std::string::npos;
    std::size_t start = 0;
    while (!bad && start <= path.size()) {
        const auto end = std::min(path.find('/', start), path.size());
        const std::string seg = path.substr(start, end - start);
        if (seg.empty() || seg == "." || seg == "..") bad = true;
        start = end + 1;
    }
    if (bad) fail(what + " '" + path + "' is not a safe relative path (refusing to write outside the cache)");
}

RepoPaths repo_paths(const HubConfig& config, const std::string& repo) {
    const std::string folder = repo_folder_name(repo);
    return {config.cache_dir / folder, config.cache_dir / ".locks" / folder};
}

bool fetch_into_cache(const HubConfig& config, const std::string& repo, const std::string& revision,
                      const FileMeta& meta, const RepoPaths& paths, ProgressReporter& progress,
                      std::uint64_t& received, bool& transferred) {
    const fs::path blob = paths.blob(meta.etag);
    const fs::path pointer = paths.snapshot(meta.commit) / meta.file;
    const std::string what = repo_context(repo, revision, meta.file);
    transferred = false;
    std::error_code ec;
    if (!fs::is_regular_file(blob, ec)) {
        FileLock lock(paths.locks_dir / (meta.etag + ".lock"), progress, meta.file);
        if (!lock.held()) return false;
        if (!fs::is_regular_file(blob, ec)) {  // another process may have finished it meanwhile
            const fs::path incomplete = blob.string() + ".incomplete";
            progress.begin_item(meta.file, file_size_or_zero(incomplete), meta.size.value_or(0));
            TransferSpec spec;
            spec.url = meta.url;
            // Ref: huggingface_hub http_get — a download URL on another host (the CDN) is pre-signed:
            // it gets no token.
            if (http::origin_of(meta.url) == http::origin_of(config.endpoint)) spec.bearer_token = config.token;
            spec.incomplete = incomplete;
            spec.expected_size = meta.size;
            spec.what = what;
            spec.max_attempts = config.max_attempts;
            spec.connect_timeout_s = config.connect_timeout_s;
            spec.stall_timeout_s = config.stall_timeout_s;
            if (transfer(spec, progress, received) == TransferOutcome::cancelled) return false;
            if (!verify_incomplete(incomplete, meta, what, progress)) return false;
            fs::rename(incomplete, blob, ec);
            if (ec) fail(what + ": cannot move '" + incomplete.string() + "' into place: " + ec.message());
            progress.end_item();
            transferred = true;
        }
    }
    place_symlink(pointer, relative_blob_target(meta.file, meta.etag));
    return true;
}

void write_ref(const RepoPaths& paths, const std::string& revision, const std::string& commit) {
    if (revision == commit) return;
    check_relative_path(revision, "revision");
    const fs::path ref = paths.repo_dir / "refs" / revision;
    std::error_code ec;
    if (fs::is_regular_file(ref, ec)) {
        std::ifstream in(ref);
        std::string current;
        std::getline(in, current);
        if (http::trim(current) == commit) return;
    }
    write_bytes_atomically(ref, commit);  // Ref: huggingface_hub writes the bare commit, no newline
}

}  // namespace detail

std::string repo_folder_name(const std::string& repo_id) {
    if (!is_hf_repo_id(repo_id)) {
        fail("'" + repo_id + "' is not a Hugging Face repo id (expected ORG/NAME, e.g. openai/clip-vit-base-patch32)");
    }
    return hf_repo_cache_dir(repo_id).filename().string();
}

}  // namespace pictor::hub
