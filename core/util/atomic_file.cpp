#include "core/util/atomic_file.h"

#include <cstdio>
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

void write_bytes_atomically(const fs::path& path, std::string_view bytes) {
    write_file_atomically(path, [&](const fs::path& temp) {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        if (!out) fail("cannot open '" + temp.string() + "' for writing");
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        out.flush();
        if (!out) fail("cannot write '" + path.string() + "' (disk full?)");
    });
}

}  // namespace pictor
