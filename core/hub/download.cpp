#include "core/hub/download.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include <fcntl.h>
#include <fnmatch.h>
#include <sys/file.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/hub/hash.h"
#include "core/hub/http.h"
#include "core/hub/locations.h"
#include "core/hub/transfer.h"
#include "core/io/model_ref.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

namespace pictor::hub {

namespace fs = std::filesystem;
using detail::ProgressReporter;

namespace {

std::string env_or_empty(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

std::string trim(std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    std::size_t b = 0;
    while (b < s.size() && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    return s.substr(b);
}

bool is_commit_hash(const std::string& s) {
    return s.size() == 40 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

// A relative path with no empty, "." or ".." segment: safe to join below a snapshot folder.
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

// Ref: huggingface_hub file_download.py _normalize_etag — drop a weak-validator prefix and quotes.
std::string normalize_etag(std::string etag) {
    if (etag.rfind("W/", 0) == 0) etag = etag.substr(2);
    if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
    return etag;
}

void check_etag(const std::string& etag, const std::string& what) {
    const bool ok = !etag.empty() && etag != "." && etag != ".." && etag.size() <= 128 &&
                    std::all_of(etag.begin(), etag.end(), [](char c) {
                        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
                    });
    if (!ok) fail(what + ": the server sent an unusable ETag '" + etag + "'");
}

std::optional<std::uint64_t> parse_size(const std::string& text) {
    if (text.empty() || !std::all_of(text.begin(), text.end(), ::isdigit)) return std::nullopt;
    try {
        return std::stoull(text);
    } catch (...) {
        return std::nullopt;
    }
}

std::uint64_t file_size_or_zero(const fs::path& p) {
    std::error_code ec;
    const auto s = fs::file_size(p, ec);
    return ec ? 0 : static_cast<std::uint64_t>(s);
}

// flock(2) on a lock file, waiting (cancellably) while another process or thread holds it.
class FileLock {
public:
    FileLock(const fs::path& path, ProgressReporter& progress, const std::string& what) {
        std::error_code ec;
        fs::create_directories(path.parent_path(), ec);
        fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0) fail("cannot open lock file '" + path.string() + "': " + std::strerror(errno));
        bool told = false;
        while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
            if (errno != EWOULDBLOCK && errno != EINTR) {
                const int err = errno;
                ::close(fd_);
                fail("cannot lock '" + path.string() + "': " + std::strerror(err));
            }
            if (!told) {
                progress.message("waiting for another download of " + what);
                told = true;
            }
            if (progress.cancelled()) {
                ::close(fd_);
                fd_ = -1;
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
    }
    ~FileLock() {
        if (fd_ >= 0) ::close(fd_);  // closing releases the flock
    }
    bool held() const { return fd_ >= 0; }

private:
    int fd_ = -1;
};

// Places a symlink atomically (a temporary link renamed over the final name).
void place_symlink(const fs::path& link, const std::string& target) {
    std::error_code ec;
    if (fs::is_symlink(link, ec) && fs::read_symlink(link, ec).string() == target && !ec) return;
    fs::create_directories(link.parent_path(), ec);
    if (ec) fail("cannot create folder '" + link.parent_path().string() + "': " + ec.message());
    std::random_device rd;
    const fs::path temp = link.parent_path() / ("." + link.filename().string() + ".tmp" + std::to_string(rd()));
    fs::create_symlink(target, temp, ec);
    if (ec) fail("cannot create symlink '" + temp.string() + "': " + ec.message());
    fs::rename(temp, link, ec);
    if (ec) {
        fs::remove(temp);
        fail("cannot place symlink '" + link.string() + "': " + ec.message());
    }
}

const std::set<std::string>& weight_extensions() {
    static const std::set<std::string> exts{"safetensors", "bin", "ckpt", "pt", "pth", "msgpack", "onnx", "h5"};
    return exts;
}

// "dir/name.fp16.safetensors" → {"dir/name.safetensors", "fp16"} when it looks like a variant file.
std::optional<std::pair<std::string, std::string>> split_variant(const std::string& path) {
    const auto slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
    const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    const auto last = name.rfind('.');
    if (last == std::string::npos || last == 0) return std::nullopt;
    const auto prev = name.rfind('.', last - 1);
    if (prev == std::string::npos || prev == 0) return std::nullopt;
    const std::string ext = name.substr(last + 1);
    if (!weight_extensions().count(ext)) return std::nullopt;
    return std::make_pair(dir + name.substr(0, prev) + "." + ext, name.substr(prev + 1, last - prev - 1));
}

bool glob_match(const std::string& pattern, const std::string& path) {
    std::string p = pattern;
    if (!p.empty() && p.back() == '/') p += "*";  // Ref: huggingface_hub utils/_paths.py filter_repo_objects
    return ::fnmatch(p.c_str(), path.c_str(), 0) == 0;
}

struct FileMeta {
    std::string file;
    std::string commit;
    std::string etag;
    std::optional<std::uint64_t> size;
    std::string url;  // where the bytes come from (CDN location or the resolve URL)
};

std::string repo_context(const std::string& repo, const std::string& revision, const std::string& file) {
    if (file.empty()) return "repository '" + repo + "' at revision '" + revision + "'";
    return "file '" + file + "' of repository '" + repo + "' at revision '" + revision + "'";
}

// Ref: huggingface_hub utils/_errors.py hf_raise_for_status — X-Error-Code tells repo / revision /
// entry apart; a missing or private repo answers 401 without a token.
[[noreturn]] void raise_hub_error(const http::Response& r, const std::string& repo, const std::string& revision,
                                  const std::string& file, bool token_set) {
    const std::string where = repo_context(repo, revision, file);
    if (!r.transport_error.empty()) {
        fail(where + ": cannot reach " + http::origin_of(r.url) + ": " + r.transport_error +
             " (no network? HF_ENDPOINT selects a mirror)");
    }
    const std::string code = r.header("x-error-code");
    const std::string status = detail::describe_status(r);
    const std::string token_hint =
        token_set ? "the token in HF_TOKEN was refused or has no access to it"
                  : "it is gated or private: set HF_TOKEN to a token with access";
    if (code == "GatedRepo") {
        fail(where + ": " + status + ": '" + repo + "' is a gated repository: accept its conditions on " +
             "its web page, then set HF_TOKEN to a token of that account");
    }
    if (r.status == 401 || r.status == 403) {
        fail(where + ": " + status + ": repository '" + repo + "' not found or not accessible: " + token_hint);
    }
    if (r.status == 404) {
        if (code == "RepoNotFound") fail(where + ": " + status + ": repository '" + repo + "' not found");
        if (code == "RevisionNotFound") {
            fail(where + ": " + status + ": revision '" + revision + "' not found in '" + repo + "'");
        }
        if (!file.empty()) {
            fail(where + ": " + status + ": file '" + file + "' not found in '" + repo + "' at revision '" +
                 revision + "'");
        }
        fail(where + ": " + status + ": repository '" + repo + "' or revision '" + revision + "' not found");
    }
    fail(where + ": " + status + " from " + r.url);
}

std::string resolve_url(const HubConfig& config, const std::string& repo, const std::string& revision,
                        const std::string& file) {
    return config.endpoint + "/" + repo + "/resolve/" + http::url_encode(revision, false) + "/" +
           http::url_encode(file, true);
}

// Ref: huggingface_hub file_download.py get_hf_file_metadata (HEAD, relative redirects only: the
// 302 of an LFS file to its CDN URL carries the metadata).
FileMeta fetch_file_meta(const HubConfig& config, const std::string& repo, const std::string& revision,
                         const std::string& file) {
    http::Request request;
    request.method = "HEAD";
    request.url = resolve_url(config, repo, revision, file);
    request.headers = {"Accept-Encoding: identity"};
    request.bearer_token = config.token;
    request.redirects = http::Request::Redirects::relative_only;
    request.connect_timeout_s = config.connect_timeout_s;
    request.stall_timeout_s = config.stall_timeout_s;
    const http::Response r = http::perform(request);
    const bool left_origin = r.ok() && r.status >= 300 && r.status < 400 && !r.location.empty();
    if (!r.ok() || (!left_origin && (r.status < 200 || r.status >= 300))) {
        raise_hub_error(r, repo, revision, file, config.token.has_value());
    }
    FileMeta meta;
    meta.file = file;
    meta.url = left_origin ? r.location : r.url;
    meta.commit = r.header("x-repo-commit");
    const std::string linked = r.header("x-linked-etag");
    meta.etag = normalize_etag(linked.empty() ? r.header("etag") : linked);
    const std::string linked_size = r.header("x-linked-size");
    meta.size = parse_size(linked_size.empty() ? r.header("content-length") : linked_size);
    const std::string what = repo_context(repo, revision, file);
    if (meta.commit.empty()) fail(what + ": the server sent no X-Repo-Commit header (is HF_ENDPOINT a Hub?)");
    if (!is_commit_hash(meta.commit)) fail(what + ": the server sent a malformed commit id '" + meta.commit + "'");
    if (meta.etag.empty()) fail(what + ": the server sent no ETag: the file cannot be stored in the cache");
    check_etag(meta.etag, what);
    return meta;
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

struct RepoPaths {
    fs::path repo_dir;
    fs::path locks_dir;
};

RepoPaths repo_paths(const HubConfig& config, const std::string& repo) {
    const std::string folder = repo_folder_name(repo);
    return {config.cache_dir / folder, config.cache_dir / ".locks" / folder};
}

std::string relative_blob_target(const std::string& file, const std::string& etag) {
    std::string target = "../../";
    for (char c : file) {
        if (c == '/') target += "../";
    }
    return target + "blobs/" + etag;
}

// Brings one file into the cache; returns false when cancelled.
bool fetch_into_cache(const HubConfig& config, const std::string& repo, const std::string& revision,
                      const FileMeta& meta, const RepoPaths& paths, ProgressReporter& progress,
                      std::uint64_t& received, bool& transferred) {
    const fs::path blob = paths.repo_dir / "blobs" / meta.etag;
    const fs::path pointer = paths.repo_dir / "snapshots" / meta.commit / meta.file;
    const std::string what = repo_context(repo, revision, meta.file);
    transferred = false;
    std::error_code ec;
    if (!fs::is_regular_file(blob, ec)) {
        FileLock lock(paths.locks_dir / (meta.etag + ".lock"), progress, meta.file);
        if (!lock.held()) return false;
        if (!fs::is_regular_file(blob, ec)) {  // another process may have finished it meanwhile
            const fs::path incomplete = blob.string() + ".incomplete";
            progress.begin_item(meta.file, file_size_or_zero(incomplete), meta.size.value_or(0));
            detail::TransferSpec spec;
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
            if (detail::transfer(spec, progress, received) == detail::TransferOutcome::cancelled) return false;
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
        if (trim(current) == commit) return;
    }
    write_bytes_atomically(ref, commit);  // Ref: huggingface_hub writes the bare commit, no newline
}

void check_repo_id(const std::string& repo_id) { (void)repo_folder_name(repo_id); }

}  // namespace

// ----- config -----

HubConfig HubConfig::from_environment() {
    HubConfig c;
    c.endpoint = env_or_empty("HF_ENDPOINT");
    if (c.endpoint.empty()) c.endpoint = "https://huggingface.co";
    while (!c.endpoint.empty() && c.endpoint.back() == '/') c.endpoint.pop_back();
    std::string token = trim(env_or_empty("HF_TOKEN"));
    if (token.empty()) token = trim(env_or_empty("HUGGING_FACE_HUB_TOKEN"));
    if (token.empty()) {
        fs::path token_file = env_or_empty("HF_TOKEN_PATH");
        if (token_file.empty()) token_file = hf_home_dir() / "token";
        std::ifstream in(token_file);
        if (in) std::getline(in, token);
        token = trim(token);
    }
    if (!token.empty()) c.token = token;
    c.cache_dir = hf_hub_cache_dir();
    return c;
}

std::string repo_folder_name(const std::string& repo_id) {
    if (!is_hf_repo_id(repo_id)) {
        fail("'" + repo_id + "' is not a Hugging Face repo id (expected ORG/NAME, e.g. openai/clip-vit-base-patch32)");
    }
    return hf_repo_cache_dir(repo_id).filename().string();
}

// ----- listing and selection -----

RepoInfo fetch_repo_info(const std::string& repo_id, const std::string& revision, const HubConfig& config) {
    check_repo_id(repo_id);
    http::Request request;
    request.url = config.endpoint + "/api/models/" + repo_id + "/revision/" + http::url_encode(revision, false);
    request.bearer_token = config.token;
    request.connect_timeout_s = config.connect_timeout_s;
    request.stall_timeout_s = config.stall_timeout_s;
    const http::Response r = http::perform(request);
    if (!r.ok() || r.status != 200) raise_hub_error(r, repo_id, revision, "", config.token.has_value());
    const std::string what = "listing " + repo_context(repo_id, revision, "");
    const auto j = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) fail(what + ": the answer of " + r.url + " is not a JSON object");
    RepoInfo info;
    info.repo_id = repo_id;
    info.revision = revision;
    if (!j.contains("sha") || !j["sha"].is_string()) fail(what + ": field 'sha' missing or not a string");
    info.commit = j["sha"].get<std::string>();
    if (!is_commit_hash(info.commit)) fail(what + ": field 'sha' is not a 40-hex commit id: '" + info.commit + "'");
    if (!j.contains("siblings") || !j["siblings"].is_array()) fail(what + ": field 'siblings' missing or not a list");
    for (const auto& s : j["siblings"]) {
        if (!s.is_object() || !s.contains("rfilename") || !s["rfilename"].is_string()) {
            fail(what + ": an entry of 'siblings' has no string 'rfilename'");
        }
        RepoFile f;
        f.path = s["rfilename"].get<std::string>();
        check_relative_path(f.path, what + ": file name");
        if (s.contains("size") && s["size"].is_number_unsigned()) f.size = s["size"].get<std::uint64_t>();
        info.files.push_back(std::move(f));
    }
    return info;
}

std::vector<std::string> select_files(const RepoDownloadRequest& request, const std::vector<RepoFile>& files) {
    std::set<std::string> present;
    for (const auto& f : files) present.insert(f.path);
    const auto wanted_variant = [&](const std::string& path) {
        if (const auto split = split_variant(path); split && present.count(split->first)) {
            return split->second == request.variant;  // a variant copy: only the asked-for variant
        }
        const std::string copy = variant_file_name(path, request.variant);
        return copy == path || !present.count(copy);  // skip X.ext when X.<variant>.ext is there
    };
    std::set<std::string> chosen;
    for (const auto& alternatives : request.required) {
        std::string found;
        for (const auto& alt : alternatives) {
            const std::string v = variant_file_name(alt, request.variant);
            if (!request.variant.empty() && present.count(v)) {
                found = v;
            } else if (present.count(alt)) {
                found = alt;
            }
            if (!found.empty()) break;
        }
        if (found.empty()) {
            std::string list;
            for (const auto& a : alternatives) list += (list.empty() ? "" : " or ") + a;
            fail("repository '" + request.repo_id + "' at revision '" + request.revision + "' has no " + list);
        }
        chosen.insert(found);
    }
    const bool everything = request.required.empty() && request.include.empty();
    for (const auto& f : files) {
        if (chosen.count(f.path) || !wanted_variant(f.path)) continue;
        bool take = everything;
        for (const auto& pattern : request.include) take = take || glob_match(pattern, f.path);
        for (const auto& pattern : request.exclude) take = take && !glob_match(pattern, f.path);
        if (take) chosen.insert(f.path);
    }
    std::vector<std::string> out;
    for (const auto& f : files) {
        if (chosen.count(f.path)) out.push_back(f.path);
    }
    return out;
}

// ----- Hugging Face downloads -----

namespace {

DownloadResult download_metas(const std::string& repo, const std::string& revision, const std::string& commit,
                              const std::vector<FileMeta>& metas, const HubConfig& config, ProgressSink* sink) {
    const RepoPaths paths = repo_paths(config, repo);
    DownloadResult result;
    result.commit = commit;
    result.snapshot_dir = paths.repo_dir / "snapshots" / commit;
    int items = 0;
    std::uint64_t total = 0;
    std::error_code ec;
    for (const auto& m : metas) {
        result.files.push_back(m.file);
        result.bytes_total += m.size.value_or(0);
        if (!fs::is_regular_file(paths.repo_dir / "blobs" / m.etag, ec)) {
            ++items;
            total += m.size.value_or(0);
        }
    }
    ProgressReporter progress(sink, items, total);
    for (const auto& m : metas) {
        if (m.commit != commit) {
            fail(repo_context(repo, revision, m.file) + ": the Hub answered for commit " + m.commit +
                 ", expected " + commit);
        }
        bool transferred = false;
        if (!fetch_into_cache(config, repo, revision, m, paths, progress, result.bytes_downloaded, transferred)) {
            result.cancelled = true;
            return result;
        }
        if (transferred) ++result.files_downloaded;
    }
    write_ref(paths, revision, commit);
    return result;
}

}  // namespace

DownloadResult download_repo(const RepoDownloadRequest& request, const HubConfig& config, ProgressSink* sink) {
    if (sink) sink->on_stage("listing " + request.repo_id);
    const RepoInfo info = fetch_repo_info(request.repo_id, request.revision, config);
    const std::vector<std::string> files = select_files(request, info.files);
    if (files.empty()) {
        fail("repository '" + request.repo_id + "' at revision '" + request.revision +
             "': no file matches the selection");
    }
    std::vector<FileMeta> metas;
    for (const auto& f : files) {
        if (sink && sink->cancelled()) {
            DownloadResult r;
            r.cancelled = true;
            r.commit = info.commit;
            return r;
        }
        if (sink) sink->on_stage("checking " + f);
        // Files are asked for at the listed commit so that all come from the same snapshot.
        metas.push_back(fetch_file_meta(config, request.repo_id, info.commit, f));
    }
    return download_metas(request.repo_id, request.revision, info.commit, metas, config, sink);
}

DownloadResult download_file(const std::string& repo_id, const std::string& filename, const std::string& revision,
                             const HubConfig& config, ProgressSink* sink) {
    check_repo_id(repo_id);
    check_relative_path(filename, "file name");
    const FileMeta meta = fetch_file_meta(config, repo_id, revision, filename);
    if (is_commit_hash(revision) && meta.commit != revision) {
        fail(repo_context(repo_id, revision, filename) + ": the Hub answered for commit " + meta.commit);
    }
    return download_metas(repo_id, revision, meta.commit, {meta}, config, sink);
}

std::string variant_file_name(const std::string& path, const std::string& variant) {
    const auto slash = path.rfind('/');
    const auto dot = path.rfind('.');
    if (variant.empty() || dot == std::string::npos || (slash != std::string::npos && dot < slash)) return path;
    if (!weight_extensions().count(path.substr(dot + 1))) return path;
    return path.substr(0, dot) + "." + variant + path.substr(dot);
}

// ----- torch.hub -----

std::optional<std::string> torch_hash_prefix(const std::string& filename) {
    // Ref: torch/hub.py HASH_REGEX = r'-([a-f0-9]*)\.' (re.search: the first match).
    for (std::size_t i = 0; i < filename.size(); ++i) {
        if (filename[i] != '-') continue;
        std::size_t j = i + 1;
        while (j < filename.size() && ((filename[j] >= '0' && filename[j] <= '9') || (filename[j] >= 'a' && filename[j] <= 'f'))) ++j;
        if (j < filename.size() && filename[j] == '.') {
            if (j == i + 1) return std::nullopt;  // empty prefix: nothing to check
            return filename.substr(i + 1, j - i - 1);
        }
    }
    return std::nullopt;
}

TorchHubResult download_url_to_torch_hub(const std::string& url, const TorchHubOptions& options, ProgressSink* sink) {
    std::string path_part = url;
    const auto cut = path_part.find_first_of("?#");
    if (cut != std::string::npos) path_part.resize(cut);
    const auto slash = path_part.rfind('/');
    const std::string name = slash == std::string::npos ? "" : path_part.substr(slash + 1);
    if (name.empty() || name == "." || name == ".." || url.find("://") == std::string::npos) {
        fail("'" + url + "' is not a URL ending in a file name");
    }
    TorchHubResult result;
    const fs::path dir = options.checkpoints_dir.empty() ? torch_hub_checkpoints_dir() : options.checkpoints_dir;
    result.path = dir / name;
    std::error_code ec;
    if (fs::is_regular_file(result.path, ec)) {
        result.already_present = true;
        return result;
    }
    fs::create_directories(dir, ec);
    if (ec) fail("cannot create folder '" + dir.string() + "': " + ec.message());
    const std::string what = "'" + name + "' from " + url;

    // The size (for the disk check, progress and completeness) from a HEAD; servers without HEAD
    // support still work, with an unknown total.
    std::optional<std::uint64_t> size;
    {
        http::Request head;
        head.method = "HEAD";
        head.url = url;
        head.headers = {"Accept-Encoding: identity"};
        head.connect_timeout_s = options.connect_timeout_s;
        head.stall_timeout_s = options.stall_timeout_s;
        const http::Response r = http::perform(head);
        if (!r.transport_error.empty()) {
            fail(what + ": cannot reach " + http::origin_of(url) + ": " + r.transport_error);
        }
        if (r.status == 401 || r.status == 403 || r.status == 404) {
            fail(what + ": " + detail::describe_status(r));
        }
        if (r.status >= 200 && r.status < 300) size = parse_size(r.header("content-length"));
    }

    ProgressReporter progress(sink, 1, size.value_or(0));
    const fs::path incomplete = dir / ("." + name + ".incomplete");
    FileLock lock(dir / ("." + name + ".lock"), progress, name);
    if (!lock.held()) {
        result.cancelled = true;
        return result;
    }
    if (fs::is_regular_file(result.path, ec)) {
        result.already_present = true;
        return result;
    }
    progress.begin_item(name, file_size_or_zero(incomplete), size.value_or(0));
    detail::TransferSpec spec;
    spec.url = url;
    spec.incomplete = incomplete;
    spec.expected_size = size;
    spec.what = what;
    spec.max_attempts = options.max_attempts;
    spec.connect_timeout_s = options.connect_timeout_s;
    spec.stall_timeout_s = options.stall_timeout_s;
    if (detail::transfer(spec, progress, result.bytes_downloaded) == detail::TransferOutcome::cancelled) {
        result.cancelled = true;
        return result;
    }
    if (options.check_hash) {
        if (const auto prefix = torch_hash_prefix(name)) {
            if (sink) sink->on_stage("verifying " + name);
            Hasher hasher(HashKind::sha256);
            if (!hash_file_into(hasher, incomplete, -1, sink)) {
                result.cancelled = true;
                return result;
            }
            const std::string digest = hasher.hex_digest();
            if (digest.compare(0, prefix->size(), *prefix) != 0) {
                fs::remove(incomplete, ec);
                fail(what + ": hash mismatch: SHA-256 " + digest + " does not start with '" + *prefix +
                     "' (the prefix in the file name); the download was discarded");
            }
        }
    }
    fs::rename(incomplete, result.path, ec);
    if (ec) fail(what + ": cannot move '" + incomplete.string() + "' into place: " + ec.message());
    fs::remove(dir / ("." + name + ".lock"), ec);
    progress.end_item();
    return result;
}

}  // namespace pictor::hub
