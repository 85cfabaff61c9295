#include "core/hub/verify.h"

#include <algorithm>
#include <map>

#include "core/hub/download.h"
#include "core/hub/hash.h"
#include "core/util/error.h"

namespace pictor::hub {

namespace fs = std::filesystem;

int VerifyReport::count(FileCheck::Result r) const {
    return static_cast<int>(std::count_if(files.begin(), files.end(), [&](const FileCheck& f) { return f.result == r; }));
}

namespace {

// Hashes `path` with `kind`; false when cancelled.
bool digest(const fs::path& path, HashKind kind, ProgressSink* sink, std::string& out) {
    std::error_code ec;
    Hasher hasher(kind, kind == HashKind::git_sha1 ? fs::file_size(path, ec) : 0);
    if (!hash_file_into(hasher, path, -1, sink)) return false;
    out = hasher.hex_digest();
    return true;
}

}  // namespace

VerifyReport verify_snapshot(const fs::path& snapshot_dir, ProgressSink* sink) {
    std::error_code ec;
    if (!fs::is_directory(snapshot_dir, ec)) fail("'" + snapshot_dir.string() + "' is not a snapshot folder");
    std::vector<fs::path> entries;
    for (auto it = fs::recursive_directory_iterator(snapshot_dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        if (it->is_symlink(ec) || it->is_regular_file(ec)) entries.push_back(it->path());
    }
    if (ec) fail("cannot list '" + snapshot_dir.string() + "': " + ec.message());
    std::sort(entries.begin(), entries.end());

    VerifyReport report;
    std::map<fs::path, std::string> digests;  // blob → actual digest
    for (const auto& entry : entries) {
        FileCheck check;
        check.file = entry.lexically_relative(snapshot_dir).generic_string();  // not fs::relative: it follows the link
        if (!fs::is_symlink(entry)) {
            check.blob = entry;
            report.files.push_back(check);
            continue;
        }
        const fs::path target = fs::read_symlink(entry, ec);
        check.blob = (entry.parent_path() / target).lexically_normal();
        check.expected = target.filename().string();
        if (!fs::is_regular_file(check.blob, ec)) {
            check.result = FileCheck::Result::missing;
            report.files.push_back(check);
            continue;
        }
        const HashKind kind = hash_kind_of_etag(check.expected);
        if (kind == HashKind::none) {
            check.expected.clear();
            report.files.push_back(check);
            continue;
        }
        check.algorithm = kind == HashKind::sha256 ? "SHA-256" : "git SHA-1";
        if (sink) sink->on_stage("verifying " + check.file);
        if (const auto it = digests.find(check.blob); it != digests.end()) {
            check.actual = it->second;
        } else {
            if (!digest(check.blob, kind, sink, check.actual)) {
                report.cancelled = true;
                return report;
            }
            digests[check.blob] = check.actual;
        }
        check.result = check.actual == check.expected ? FileCheck::Result::ok : FileCheck::Result::mismatch;
        report.files.push_back(check);
    }
    return report;
}

VerifyReport verify_torch_checkpoint(const fs::path& file, ProgressSink* sink) {
    VerifyReport report;
    FileCheck check;
    check.file = file.filename().string();
    check.blob = file;
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) {
        check.result = FileCheck::Result::missing;
        report.files.push_back(check);
        return report;
    }
    if (const auto prefix = torch_hash_prefix(check.file)) {
        check.algorithm = "SHA-256 prefix";
        check.expected = *prefix;
        if (sink) sink->on_stage("verifying " + check.file);
        if (!digest(file, HashKind::sha256, sink, check.actual)) {
            report.cancelled = true;
            return report;
        }
        check.result = check.actual.compare(0, prefix->size(), *prefix) == 0 ? FileCheck::Result::ok
                                                                                : FileCheck::Result::mismatch;
    }
    report.files.push_back(check);
    return report;
}

}  // namespace pictor::hub
