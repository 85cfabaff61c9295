#include "core/hub/repo_api.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "core/hub/blob_cache.h"
#include "core/hub/http.h"
#include "core/hub/transfer.h"
#include "core/util/error.h"

namespace pictor::hub {

namespace detail {

namespace {

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
    const std::string status = describe_status(r);
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

}  // namespace

void check_repo_id(const std::string& repo_id) { (void)repo_folder_name(repo_id); }

bool is_commit_hash(const std::string& s) {
    return s.size() == 40 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

std::string repo_context(const std::string& repo, const std::string& revision, const std::string& file) {
    if (file.empty()) return "repository '" + repo + "' at revision '" + revision + "'";
    return "file '" + file + "' of repository '" + repo + "' at revision '" + revision + "'";
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
    meta.size = http::parse_size(linked_size.empty() ? r.header("content-length") : linked_size);
    const std::string what = repo_context(repo, revision, file);
    if (meta.commit.empty()) fail(what + ": the server sent no X-Repo-Commit header (is HF_ENDPOINT a Hub?)");
    if (!is_commit_hash(meta.commit)) fail(what + ": the server sent a malformed commit id '" + meta.commit + "'");
    if (meta.etag.empty()) fail(what + ": the server sent no ETag: the file cannot be stored in the cache");
    check_etag(meta.etag, what);
    return meta;
}

}  // namespace detail

RepoInfo fetch_repo_info(const std::string& repo_id, const std::string& revision, const HubConfig& config) {
    detail::check_repo_id(repo_id);
    http::Request request;
    request.url = config.endpoint + "/api/models/" + repo_id + "/revision/" + http::url_encode(revision, false);
    request.bearer_token = config.token;
    request.connect_timeout_s = config.connect_timeout_s;
    request.stall_timeout_s = config.stall_timeout_s;
    const http::Response r = http::perform(request);
    if (!r.ok() || r.status != 200) detail::raise_hub_error(r, repo_id, revision, "", config.token.has_value());
    const std::string what = "listing " + detail::repo_context(repo_id, revision, "");
    const auto j = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) fail(what + ": the answer of " + r.url + " is not a JSON object");
    RepoInfo info;
    info.repo_id = repo_id;
    info.revision = revision;
    if (!j.contains("sha") || !j["sha"].is_string()) fail(what + ": field 'sha' missing or not a string");
    info.commit = j["sha"].get<std::string>();
    if (!detail::is_commit_hash(info.commit)) {
        fail(what + ": field 'sha' is not a 40-hex commit id: '" + info.commit + "'");
    }
    if (!j.contains("siblings") || !j["siblings"].is_array()) fail(what + ": field 'siblings' missing or not a list");
    for (const auto& s : j["siblings"]) {
        if (!s.is_object() || !s.contains("rfilename") || !s["rfilename"].is_string()) {
            fail(what + ": an entry of 'siblings' has no string 'rfilename'");
        }
        RepoFile f;
        f.path = s["rfilename"].get<std::string>();
        detail::check_relative_path(f.path, what + ": file name");
        if (s.contains("size") && s["size"].is_number_unsigned()) f.size = s["size"].get<std::uint64_t>();
        info.files.push_back(std::move(f));
    }
    return info;
}

}  // namespace pictor::hub
