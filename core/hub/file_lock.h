// An exclusive flock(2) on a lock file, waited for while another process or thread holds it; the
// blob cache (.locks/…/<etag>.lock) and the torch.hub download (.<name>.lock) serialise on it.
// Internal to core/hub.
//
// Failure contract: the constructor throws pictor::Error naming the lock file when it cannot be
// opened or locked for another reason than contention. Cancellation (the reporter's sink) while
// waiting is not an error: the lock is then not held (`held()` is false).
// Thread-safety: one FileLock per holder; locks of different threads on the same file exclude each
// other (each opens its own descriptor).
#pragma once

#include <filesystem>
#include <string>

#include "core/hub/transfer.h"

namespace pictor::hub::detail {

class FileLock {
public:
    // Creates the lock file's folder and the file if needed, then waits for the lock, checking
    // `progress.cancelled()` and telling "waiting for another download of <what>" once.
    FileLock(const std::filesystem::path& path, ProgressReporter& progress, const std::string& what);
    ~FileLock();  // closing the descriptor releases the flock
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;
    bool held() const { return fd_ >= 0; }

private:
    int fd_ = -1;
};

}  // namespace pictor::hub::detail
