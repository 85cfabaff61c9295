// Shared helpers of the libFuzzer targets (fuzz/fuzz_*.cpp).
//
// What a target catches is its parser's failure contract, decided per target and written at the
// top of each file: most catch pictor::Error only (the contract of every file reader), so any
// other exception escaping a parser (std::out_of_range, nlohmann::json::exception, YAML::Exception,
// c10::Error) reaches libFuzzer as an uncaught exception, which it reports as a crash.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace pictor::fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// A scratch file of this process for parsers that only read paths (safetensors maps its file,
// LibTorch's zip reader opens one). On tmpfs when there is one: each execution rewrites it.
inline std::filesystem::path scratch_file(const std::string& name) {
    static const std::filesystem::path dir = [] {
        std::error_code ec;
        if (std::filesystem::is_directory("/dev/shm", ec)) return std::filesystem::path("/dev/shm");
        return std::filesystem::temp_directory_path();
    }();
    return dir / ("pictor-fuzz-" + std::to_string(::getpid()) + "-" + name);
}

inline void write_file(const std::filesystem::path& path, std::string_view bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
        std::fprintf(stderr, "fuzz harness: cannot write %s\n", path.c_str());
        std::abort();
    }
}

// A broken invariant of a parser's result (not an input error): a finding.
[[noreturn]] inline void finding(const char* what) {
    std::fprintf(stderr, "fuzz finding: %s\n", what);
    std::abort();
}

}  // namespace pictor::fuzz
