// Content hashes used to verify downloads: SHA-256 (the LFS etag of large Hugging Face files and
// the torchvision file-name prefix) and the git blob SHA-1 (the etag of small, non-LFS hub files).
//
// Failure contract: file functions throw pictor::Error naming the file when it cannot be read.
// Thread-safety: every function and every Hasher object is independent; a Hasher is not shared
// between threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace pictor {
class ProgressSink;
}

namespace pictor::hub {

// What an etag or file-name hash tells us to check.
enum class HashKind {
    none,       // unknown etag format: only the size can be checked
    sha256,     // 64 hex chars: SHA-256 of the content (Hugging Face LFS files)
    git_sha1,   // 40 hex chars: SHA-1 of "blob <size>\0" + content (git objects, small hub files)
};

// The kind of check an etag allows (64 hex → sha256, 40 hex → git_sha1, else none).
HashKind hash_kind_of_etag(std::string_view etag);

// Incremental hashing over OpenSSL's EVP interface, hex digest in lowercase.
class Hasher {
public:
    // For git_sha1 the total content size must be known up front (it is part of the header).
    Hasher(HashKind kind, std::uint64_t content_size = 0);
    ~Hasher();
    Hasher(const Hasher&) = delete;
    Hasher& operator=(const Hasher&) = delete;
    void update(const void* data, std::size_t size);
    // The digest; the hasher cannot be updated afterwards. Empty for HashKind::none.
    std::string hex_digest();
    HashKind kind() const { return kind_; }

private:
    struct Impl;
    HashKind kind_;
    std::unique_ptr<Impl> impl_;
};

// Feeds the first `limit` bytes of `path` (all of it when limit is -1) into `hasher`.
// `sink`, when given, may cancel (returns false then) and gets on_step in MiB.
bool hash_file_into(Hasher& hasher, const std::filesystem::path& path, std::int64_t limit = -1,
                    ProgressSink* sink = nullptr);

// SHA-256 of a whole file, lowercase hex.
std::string sha256_file(const std::filesystem::path& path);
// git blob SHA-1 of a whole file, lowercase hex.
std::string git_blob_sha1_file(const std::filesystem::path& path);
// SHA-256 of bytes in memory.
std::string sha256_hex(std::string_view bytes);

}  // namespace pictor::hub
