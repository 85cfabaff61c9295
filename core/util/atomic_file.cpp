#include "core/util/atomic_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>

#include <unistd.h>

#include "core/util/error.h"

namespace pictor {

namespace fs = std::filesystem;

void write_file_atomically(const fs::path& path, const std::function<void(const fs::path&)>& write) {
    const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) fail("cannot create folder '" + dir.string() + "': " + ec.message());

    // A dot-prefixed unique name in the same folder, so the rename is atomic and readers that list
    // the folder (the gallery) skip it.
    std::random_device rd;
    const fs::path temp = dir / (std::string(".") + path.filename().string() + "." + std::to_string(::getpid()) + "." +
                                 std::to_string(rd()) + ".tmp");
    try {
        write(temp);
        fs::rename(temp, path, ec);
        if (ec) fail("cannot rename '" + temp.string() + "' to '" + path.string() + "': " + ec.message());
    } catch (...) {
        fs::remove(temp, ec);
        throw;
    }
}

void fail_write(const fs::path& path, std::string_view what, int errnum) {
    const std::string file = std::string(what) + (what.empty() ? "" : " ") + "'" + path.string() + "'";
    if (errnum == ENOSPC || errnum == EDQUOT || errnum == EFBIG)
        fail("disk full: cannot write " + file + " (" + std::strerror(errnum) + "); the file was not written");
    fail("cannot write " + file + (errnum ? std::string(": ") + std::strerror(errnum) : std::string()));
}

void write_bytes_atomically(const fs::path& path, std::string_view bytes) {
    write_file_atomically(path, [&](const fs::path& temp) {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        if (!out) fail("cannot open '" + temp.string() + "' for writing: " + std::strerror(errno));
        errno = 0;
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        out.flush();
        out.close();  // the last buffered bytes reach the disk here: its errno counts too
        if (!out) fail_write(path, "", errno);
    });
}

}  // namespace pictor
