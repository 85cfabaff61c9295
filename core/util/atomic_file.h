// Writing files so that a reader never sees a half-written one.
//
// The content goes to a temporary file in the same folder (same filesystem), is flushed, and is
// renamed over the destination only when complete. On any error the temporary file is removed and
// pictor::Error names the destination.
#pragma once

#include <filesystem>
#include <functional>
#include <string_view>

namespace pictor {

// Calls `write(temp_path)`, which must create and fill temp_path; then renames it to `path`.
void write_file_atomically(const std::filesystem::path& path,
                           const std::function<void(const std::filesystem::path& temp_path)>& write);

// Throws pictor::Error for a failed write of `path` ("PNG", "safetensors", ...): "disk full: cannot
// write <what> '<path>'" when `errnum` says the device or the quota is full (ENOSPC, EDQUOT, EFBIG),
// else "cannot write <what> '<path>': <the system's reason>".
[[noreturn]] void fail_write(const std::filesystem::path& path, std::string_view what, int errnum);

// Convenience: writes `bytes` to `path` atomically.
void write_bytes_atomically(const std::filesystem::path& path, std::string_view bytes);

}  // namespace pictor
