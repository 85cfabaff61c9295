// The Hugging Face cache layout, written the way huggingface_hub writes it (the layout is
// described in core/hub/download.h): blobs/<etag>, snapshots/<commit>/<file> as a relative
// symlink to the blob, refs/<revision>, and .locks/<repo folder>/<etag>.lock. Internal to core/hub.
//
// Failure contract: throws pictor::Error naming the file and the cause (transfer, size or hash
// mismatch, write error with the system's reason, a path that would leave the cache). A failed file
// leaves the visible cache as it was: a blob is renamed from .incomplete and linked under
// snapshots/ only after its size and hash were checked.
// Thread-safety: calls may run concurrently; threads and processes bringing in the same blob
// serialise on its lock file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/hub/download.h"
#include "core/hub/repo_api.h"
#include "core/hub/transfer.h"

namespace pictor::hub::detail {

// Throws unless `path` is relative with no empty, "." or ".." segment (no '\\', no NUL): safe to
// join below a snapshot or refs folder. `what` names it in the message.
void check_relative_path(const std::string& path, const std::string& what);

// The folders of one repo in the cache.
struct RepoPaths {
    std::filesystem::path repo_dir;   // <cache>/models--ORG--NAME
    std::filesystem::path locks_dir;  // <cache>/.locks/models--ORG--NAME
    std::filesystem::path blob(const std::string& etag) const { return repo_dir / "blobs" / etag; }
    std::filesystem::path snapshot(const std::string& commit) const { return repo_dir / "snapshots" / commit; }
};

RepoPaths repo_paths(const HubConfig& config, const std::string& repo);

// Brings one file into the cache: transfers its blob unless present (under the blob's lock,
// resuming an .incomplete), verifies it, then links snapshots/<commit>/<file> to it. Returns false
// when cancelled. `received` grows by the bytes that came over the network; `transferred` tells
// whether the blob had to be fetched.
bool fetch_into_cache(const HubConfig& config, const std::string& repo, const std::string& revision,
                      const FileMeta& meta, const RepoPaths& paths, ProgressReporter& progress,
                      std::uint64_t& received, bool& transferred);

// Writes refs/<revision> = commit (atomically, the bare commit as huggingface_hub writes it);
// nothing when the revision is the commit itself or the ref already says so.
void write_ref(const RepoPaths& paths, const std::string& revision, const std::string& commit);

}  // namespace pictor::hub::detail
