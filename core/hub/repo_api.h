// The Hub's HTTP API for one repository: the file listing (fetch_repo_info, declared in
// core/hub/download.h) and the metadata of one file from a HEAD on its resolve URL.
// Internal to core/hub.
//
// Failure contract: throws pictor::Error naming the repo, revision and file, with the HTTP status
// and what it means (gated or private, repo / revision / file not found, unreachable endpoint) or
// what is unusable in the answer (malformed JSON, commit id or ETag; no ETag).
// Thread-safety: calls are independent (each makes its own requests).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/hub/download.h"

namespace pictor::hub::detail {

// What the Hub says about one file of a repo at a revision.
struct FileMeta {
    std::string file;
    std::string commit;
    std::string etag;
    std::optional<std::uint64_t> size;
    std::string url;  // where the bytes come from (CDN location or the resolve URL)
};

// HEAD {endpoint}/{repo}/resolve/{revision}/{file}.
FileMeta fetch_file_meta(const HubConfig& config, const std::string& repo, const std::string& revision,
                         const std::string& file);

// "repository 'R' at revision 'V'", or "file 'F' of repository 'R' at revision 'V'" when `file`
// is not empty: how messages name what they are about.
std::string repo_context(const std::string& repo, const std::string& revision, const std::string& file);

// Throws pictor::Error for text that is not a Hugging Face repo id (see repo_folder_name).
void check_repo_id(const std::string& repo_id);

// True for a 40-hex (lowercase) commit id.
bool is_commit_hash(const std::string& s);

}  // namespace pictor::hub::detail
