// Verifying what is in the caches: every blob of a Hugging Face snapshot against its etag, a
// torchvision checkpoint against the hash prefix in its name.
//
// Failure contract: the functions report problems per file in the result (missing blob, hash
// mismatch) and throw pictor::Error only when the folder or file itself cannot be read.
// Thread-safety: independent calls may run concurrently; the sink is called from the calling
// thread and may cancel (the report then says `cancelled`).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/util/progress.h"

namespace pictor::hub {

struct FileCheck {
    enum class Result { ok, mismatch, missing, unchecked };
    std::string file;               // path inside the snapshot, or the checkpoint's file name
    std::filesystem::path blob;     // the content file checked
    Result result = Result::unchecked;
    std::string algorithm;          // "SHA-256", "git SHA-1", "SHA-256 prefix" or "" (unchecked)
    std::string expected;
    std::string actual;
};

struct VerifyReport {
    std::vector<FileCheck> files;
    bool cancelled = false;
    int count(FileCheck::Result r) const;
    bool ok() const { return !cancelled && count(FileCheck::Result::mismatch) == 0 && count(FileCheck::Result::missing) == 0; }
};

// Every file under snapshots/<commit>/: a symlink's blob name is its etag (64 hex → SHA-256,
// 40 hex → git blob SHA-1); regular files (no symlinks on this filesystem) and other etag forms are
// "unchecked". A blob shared by several files is hashed once.
VerifyReport verify_snapshot(const std::filesystem::path& snapshot_dir, ProgressSink* sink = nullptr);

// One torch.hub checkpoint: its SHA-256 must start with the prefix in its name ("unchecked" when the
// name has none).
VerifyReport verify_torch_checkpoint(const std::filesystem::path& file, ProgressSink* sink = nullptr);

}  // namespace pictor::hub
