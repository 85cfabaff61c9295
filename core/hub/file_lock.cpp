#include "core/hub/file_lock.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "core/util/error.h"

namespace pictor::hub::detail {

namespace fs = std::filesystem;

FileLock::FileLock(const fs::path& path, ProgressReporter& progress, const std::string& what) {
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

FileLock::~FileLock() {
    if (fd_ >= 0) ::close(fd_);
}

}  // namespace pictor::hub::detail
