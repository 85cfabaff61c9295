#include "core/hub/hash.h"

#include <cstdio>
#include <vector>

#include <openssl/evp.h>

#include "core/util/error.h"
#include "core/util/progress.h"

namespace pictor::hub {

namespace fs = std::filesystem;

namespace {

bool all_hex(std::string_view s) {
    for (char c : s) {
        const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (!hex) return false;
    }
    return true;
}

std::string to_hex(const unsigned char* data, unsigned int size) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    out.reserve(size * 2);
    for (unsigned int i = 0; i < size; ++i) {
        out.push_back(digits[data[i] >> 4]);
        out.push_back(digits[data[i] & 15]);
    }
    return out;
}

}  // namespace

HashKind hash_kind_of_etag(std::string_view etag) {
    if (etag.size() == 64 && all_hex(etag)) return HashKind::sha256;
    if (etag.size() == 40 && all_hex(etag)) return HashKind::git_sha1;
    return HashKind::none;
}

struct Hasher::Impl {
    EVP_MD_CTX* ctx = nullptr;
    ~Impl() {
        if (ctx) EVP_MD_CTX_free(ctx);
    }
};

Hasher::Hasher(HashKind kind, std::uint64_t content_size) : kind_(kind), impl_(std::make_unique<Impl>()) {
    if (kind_ == HashKind::none) return;
    impl_->ctx = EVP_MD_CTX_new();
    if (!impl_->ctx) fail("OpenSSL: cannot allocate a digest context");
    const EVP_MD* md = kind_ == HashKind::sha256 ? EVP_sha256() : EVP_sha1();
    if (EVP_DigestInit_ex(impl_->ctx, md, nullptr) != 1) fail("OpenSSL: cannot initialise the digest");
    if (kind_ == HashKind::git_sha1) {
        // Ref: git's object format — the id of a blob is sha1("blob " + decimal size + "\0" + content).
        const std::string header = "blob " + std::to_string(content_size);
        update(header.data(), header.size() + 1);  // includes the terminating NUL
    }
}

Hasher::~Hasher() = default;

void Hasher::update(const void* data, std::size_t size) {
    if (kind_ == HashKind::none || size == 0) return;
    if (!impl_->ctx) fail("Hasher::update after hex_digest");
    if (EVP_DigestUpdate(impl_->ctx, data, size) != 1) fail("OpenSSL: digest update failed");
}

std::string Hasher::hex_digest() {
    if (kind_ == HashKind::none) return {};
    if (!impl_->ctx) fail("Hasher::hex_digest called twice");
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (EVP_DigestFinal_ex(impl_->ctx, out, &size) != 1) fail("OpenSSL: digest finalisation failed");
    EVP_MD_CTX_free(impl_->ctx);
    impl_->ctx = nullptr;
    return to_hex(out, size);
}

bool hash_file_into(Hasher& hasher, const fs::path& path, std::int64_t limit, ProgressSink* sink) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) fail("cannot open '" + path.string() + "' for reading");
    std::vector<char> buffer(1 << 20);
    std::int64_t done = 0;
    std::error_code ec;
    const auto file_size = static_cast<std::int64_t>(fs::file_size(path, ec));
    const std::int64_t total = limit >= 0 ? limit : (ec ? 0 : file_size);
    const int total_mib = static_cast<int>((total + (1 << 20) - 1) >> 20);
    while (limit < 0 || done < limit) {
        std::size_t want = buffer.size();
        if (limit >= 0) want = static_cast<std::size_t>(std::min<std::int64_t>(want, limit - done));
        const std::size_t got = std::fread(buffer.data(), 1, want, f);
        if (got == 0) break;
        hasher.update(buffer.data(), got);
        done += static_cast<std::int64_t>(got);
        if (sink) {
            sink->on_step(static_cast<int>(done >> 20), total_mib);
            if (sink->cancelled()) {
                std::fclose(f);
                return false;
            }
        }
    }
    const bool read_error = std::ferror(f) != 0;
    std::fclose(f);
    if (read_error) fail("cannot read '" + path.string() + "'");
    if (limit >= 0 && done < limit) {
        fail("'" + path.string() + "' is shorter than expected (" + std::to_string(done) + " of " +
             std::to_string(limit) + " bytes)");
    }
    return true;
}

std::string sha256_file(const fs::path& path) {
    Hasher h(HashKind::sha256);
    hash_file_into(h, path);
    return h.hex_digest();
}

std::string git_blob_sha1_file(const fs::path& path) {
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec) fail("cannot read '" + path.string() + "': " + ec.message());
    Hasher h(HashKind::git_sha1, size);
    hash_file_into(h, path);
    return h.hex_digest();
}

std::string sha256_hex(std::string_view bytes) {
    Hasher h(HashKind::sha256);
    h.update(bytes.data(), bytes.size());
    return h.hex_digest();
}

}  // namespace pictor::hub
