// A tiny HTTP/1.1 server on 127.0.0.1 (port picked by the kernel) that imitates the parts of the
// Hugging Face Hub and download.pytorch.org the downloader uses. It runs on its own thread, serves
// one connection at a time ("Connection: close"), and stops when destroyed or, at the latest,
// after `max_lifetime` — a test that hangs cannot keep it alive.
//
// Routes (repo ids are ORG/NAME):
//   GET  /api/models/ORG/NAME/revision/REV       {"sha": commit, "siblings": [{"rfilename": ...}]}
//   HEAD|GET /ORG/NAME/resolve/REV/FILE          LFS file: 302 to {cdn}/cdn/<sha256> with X-Repo-Commit,
//                                                X-Linked-Etag, X-Linked-Size; other file: 200 with
//                                                ETag = git blob SHA-1, X-Repo-Commit, the bytes
//   HEAD|GET /cdn/<sha256>                       the LFS content, Range → 206
//   HEAD|GET /models/NAME                        a plain file (torchvision weights), Range → 206
//   HEAD|GET /redirect/models/NAME               302 → /models/NAME
//   HEAD|GET /OLD/NAME/resolve/...               307 → /NEW/NAME/resolve/... (add_rename)
// Errors as the Hub sends them: 401 for a private repo without the right token, 404 with
// X-Error-Code RepoNotFound / RevisionNotFound / EntryNotFound.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace pictor::test {

class FakeHub {
public:
    struct File {
        std::string path;
        std::string content;
        bool lfs = false;
    };
    struct Repo {
        std::string commit;                     // 40 hex
        std::vector<File> files;
        std::string required_token;             // non-empty: private, needs "Bearer <token>"
    };
    struct Logged {
        std::string method;
        std::string target;
        std::map<std::string, std::string> headers;  // lowercased names
    };

    explicit FakeHub(std::chrono::seconds max_lifetime = std::chrono::seconds(60));
    ~FakeHub();
    FakeHub(const FakeHub&) = delete;
    FakeHub& operator=(const FakeHub&) = delete;

    int port() const { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

    void add_repo(const std::string& repo_id, Repo repo);
    void add_plain_file(const std::string& name, std::string content);
    // resolve URLs of `old_id` answer 307 with a relative Location into `new_id` (a renamed repo).
    void add_rename(const std::string& old_id, const std::string& new_id);

    // LFS redirects go to this base URL (another FakeHub = another origin); default: this server.
    void set_cdn(const std::string& base_url);
    // The next `count` content transfers (CDN or plain files) stop after `bytes` body bytes and
    // close the connection, although Content-Length announced the full size.
    void cut_transfers(int count, std::size_t bytes);
    // Content transfers send these bytes instead of the real content (same length) — a corrupt CDN.
    void corrupt_content(bool on);
    // Ignore Range headers (always 200 with the whole content).
    void ignore_range(bool on);
    // Content bodies go out at about this many bytes a second (0: as fast as the socket takes them),
    // so that a client can be killed in the middle of a transfer.
    void limit_rate(std::size_t bytes_per_second);

    std::vector<Logged> log() const;
    void clear_log();

    // Git blob SHA-1 and SHA-256 of content, as the Hub would report them.
    static std::string git_sha1(const std::string& content);
    static std::string sha256(const std::string& content);

private:
    void serve();
    void handle(int fd);

    int listen_fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::chrono::steady_clock::time_point deadline_;
    std::thread thread_;

    mutable std::mutex mutex_;
    std::map<std::string, Repo> repos_;
    std::map<std::string, std::string> plain_;
    std::map<std::string, std::string> renames_;
    std::map<std::string, std::string> lfs_by_sha_;
    std::string cdn_;
    int cut_count_ = 0;
    std::size_t cut_bytes_ = 0;
    bool corrupt_ = false;
    bool ignore_range_ = false;
    std::size_t rate_ = 0;
    std::vector<Logged> log_;
};

std::string read_binary_file(const std::filesystem::path& path);

// Sets an environment variable for the lifetime of the object, then restores it.
class ScopedEnv {
public:
    ScopedEnv(std::string name, const std::string& value);
    ~ScopedEnv();
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    std::string name_;
    bool had_ = false;
    std::string old_;
};

// Deterministic pseudo-random bytes (a tiny LCG), for test content.
std::string pseudo_random_bytes(std::size_t size, unsigned seed);

}  // namespace pictor::test
