#include "tests/hub/fake_hub.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/hub/hash.h"

namespace pictor::test {

namespace {

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool send_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
        if (n <= 0) return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

struct Reply {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::size_t content_length = 0;  // announced; may exceed body when a transfer is cut
    bool announce_body = true;
};

const char* reason(int status) {
    switch (status) {
        case 200: return "OK";
        case 206: return "Partial Content";
        case 302: return "Found";
        case 401: return "Unauthorized";
        case 404: return "Not Found";
        case 416: return "Range Not Satisfiable";
        default: return "Other";
    }
}

std::string url_decode(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

std::string read_binary_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

ScopedEnv::ScopedEnv(std::string name, const std::string& value) : name_(std::move(name)) {
    if (const char* v = std::getenv(name_.c_str())) {
        had_ = true;
        old_ = v;
    }
    ::setenv(name_.c_str(), value.c_str(), 1);
}

ScopedEnv::~ScopedEnv() {
    if (had_) {
        ::setenv(name_.c_str(), old_.c_str(), 1);
    } else {
        ::unsetenv(name_.c_str());
    }
}

std::string pseudo_random_bytes(std::size_t size, unsigned seed) {
    std::string out(size, '\0');
    std::uint32_t x = seed * 2654435761u + 1;
    for (auto& c : out) {
        x = x * 1664525u + 1013904223u;
        c = static_cast<char>(x >> 24);
    }
    return out;
}

std::string FakeHub::git_sha1(const std::string& content) {
    hub::Hasher h(hub::HashKind::git_sha1, content.size());
    h.update(content.data(), content.size());
    return h.hex_digest();
}

std::string FakeHub::sha256(const std::string& content) { return hub::sha256_hex(content); }

FakeHub::FakeHub(std::chrono::seconds max_lifetime) : deadline_(std::chrono::steady_clock::now() + max_lifetime) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) throw std::runtime_error("FakeHub: socket() failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 16) != 0) {
        ::close(listen_fd_);
        throw std::runtime_error("FakeHub: cannot listen on 127.0.0.1");
    }
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    cdn_ = url();
    thread_ = std::thread([this] { serve(); });
}

FakeHub::~FakeHub() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    ::close(listen_fd_);
}

void FakeHub::add_repo(const std::string& repo_id, Repo repo) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& f : repo.files) {
        if (f.lfs) lfs_by_sha_[sha256(f.content)] = f.content;
    }
    repos_[repo_id] = std::move(repo);
}

void FakeHub::add_plain_file(const std::string& name, std::string content) {
    std::lock_guard<std::mutex> lock(mutex_);
    plain_[name] = std::move(content);
}

void FakeHub::add_rename(const std::string& old_id, const std::string& new_id) {
    std::lock_guard<std::mutex> lock(mutex_);
    renames_[old_id] = new_id;
}

void FakeHub::set_cdn(const std::string& base_url) {
    std::lock_guard<std::mutex> lock(mutex_);
    cdn_ = base_url;
}

void FakeHub::cut_transfers(int count, std::size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    cut_count_ = count;
    cut_bytes_ = bytes;
}

void FakeHub::corrupt_content(bool on) {
    std::lock_guard<std::mutex> lock(mutex_);
    corrupt_ = on;
}

void FakeHub::ignore_range(bool on) {
    std::lock_guard<std::mutex> lock(mutex_);
    ignore_range_ = on;
}

void FakeHub::limit_rate(std::size_t bytes_per_second) {
    std::lock_guard<std::mutex> lock(mutex_);
    rate_ = bytes_per_second;
}

std::vector<FakeHub::Logged> FakeHub::log() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return log_;
}

void FakeHub::clear_log() {
    std::lock_guard<std::mutex> lock(mutex_);
    log_.clear();
}

void FakeHub::serve() {
    // Bounded: polls every 50 ms, ends on stop_ or at the deadline.
    while (!stop_ && std::chrono::steady_clock::now() < deadline_) {
        pollfd p{listen_fd_, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) continue;
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) continue;
        timeval tv{5, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        handle(fd);
        ::close(fd);
    }
}

void FakeHub::handle(int fd) {
    std::string request;
    char buf[4096];
    while (request.find("\r\n\r\n") == std::string::npos && request.size() < 65536) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return;
        request.append(buf, static_cast<std::size_t>(n));
    }
    std::istringstream in(request.substr(0, request.find("\r\n\r\n")));
    Logged entry;
    std::string version;
    in >> entry.method >> entry.target >> version;
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        entry.headers[lower(line.substr(0, colon))] = value;
    }

    std::unique_lock<std::mutex> lock(mutex_);
    log_.push_back(entry);
    const bool head = entry.method == "HEAD";
    const std::string path = url_decode(entry.target.substr(0, entry.target.find('?')));
    const auto auth = entry.headers.count("authorization") ? entry.headers["authorization"] : std::string();
    Reply reply;
    bool cut = false;
    std::size_t cut_at = 0;

    const auto error = [&](int status, const std::string& code, const std::string& message) {
        reply.status = status;
        if (!code.empty()) reply.headers.emplace_back("X-Error-Code", code);
        reply.headers.emplace_back("X-Error-Message", message);
        reply.headers.emplace_back("Content-Type", "application/json");
        reply.body = nlohmann::json{{"error", message}}.dump();
    };
    // The repo, or nullptr after answering 404 / 401 as the Hub does.
    const auto find_repo = [&](const std::string& repo_id, const std::string& revision) -> const Repo* {
        const auto it = repos_.find(repo_id);
        if (it == repos_.end()) {
            error(404, "RepoNotFound", "Repository not found");
        } else if (!it->second.required_token.empty() && auth != "Bearer " + it->second.required_token) {
            error(401, "", "Access to model " + repo_id + " is restricted. You must be authenticated to access it.");
        } else if (revision != "main" && revision != it->second.commit) {
            error(404, "RevisionNotFound", "Invalid rev id: " + revision);
        } else {
            return &it->second;
        }
        return nullptr;
    };
    // Serves `content` honouring Range, cut and corruption settings.
    const auto serve_content = [&](const std::string& content, const std::string& etag) {
        std::string data = content;
        if (corrupt_ && !data.empty()) data[data.size() / 2] = static_cast<char>(data[data.size() / 2] ^ 0x5a);
        reply.headers.emplace_back("Accept-Ranges", "bytes");
        reply.headers.emplace_back("ETag", "\"" + etag + "\"");
        std::size_t start = 0;
        const auto range = entry.headers.find("range");
        if (range != entry.headers.end() && !ignore_range_ && starts_with(range->second, "bytes=")) {
            start = std::stoull(range->second.substr(6));
            if (start >= data.size()) {
                reply.status = 416;
                reply.headers.emplace_back("Content-Range", "bytes */" + std::to_string(data.size()));
                return;
            }
            reply.status = 206;
            reply.headers.emplace_back("Content-Range", "bytes " + std::to_string(start) + "-" +
                                                            std::to_string(data.size() - 1) + "/" +
                                                            std::to_string(data.size()));
        }
        reply.body = data.substr(start);
        if (!head && cut_count_ > 0) {
            --cut_count_;
            cut = true;
            cut_at = std::min(cut_bytes_, reply.body.size());
        }
    };

    std::string rest;
    if (starts_with(path, "/api/models/")) {
        // /api/models/ORG/NAME/revision/REV
        rest = path.substr(12);
        const auto pos = rest.find("/revision/");
        const std::string repo_id = pos == std::string::npos ? rest : rest.substr(0, pos);
        const std::string revision = pos == std::string::npos ? "main" : rest.substr(pos + 10);
        if (const Repo* repo = find_repo(repo_id, revision)) {
            nlohmann::json j;
            j["id"] = repo_id;
            j["sha"] = repo->commit;
            j["siblings"] = nlohmann::json::array();
            for (const auto& f : repo->files) j["siblings"].push_back({{"rfilename", f.path}});
            reply.headers.emplace_back("Content-Type", "application/json");
            reply.body = j.dump();
        }
    } else if (starts_with(path, "/cdn/")) {
        const auto it = lfs_by_sha_.find(path.substr(5));
        if (it == lfs_by_sha_.end()) {
            error(404, "", "no such object");
        } else {
            serve_content(it->second, path.substr(5));
        }
    } else if (starts_with(path, "/redirect/models/")) {
        reply.status = 302;
        reply.headers.emplace_back("Location", "/models/" + path.substr(17));
    } else if (starts_with(path, "/models/")) {
        const auto it = plain_.find(path.substr(8));
        if (it == plain_.end()) {
            error(404, "", "no such file");
        } else {
            serve_content(it->second, sha256(it->second));
        }
    } else if (const auto resolve = path.find("/resolve/"); resolve != std::string::npos) {
        // /ORG/NAME/resolve/REV/FILE
        const std::string repo_id = path.substr(1, resolve - 1);
        rest = path.substr(resolve + 9);
        const auto slash = rest.find('/');
        const std::string revision = rest.substr(0, slash);
        const std::string file = slash == std::string::npos ? "" : rest.substr(slash + 1);
        if (const auto renamed = renames_.find(repo_id); renamed != renames_.end()) {
            reply.status = 307;  // a renamed repo: the Hub answers with a relative redirect
            reply.headers.emplace_back("Location", "/" + renamed->second + "/resolve/" + rest);
        } else if (const Repo* repo = find_repo(repo_id, revision)) {
            const File* found = nullptr;
            for (const auto& f : repo->files) {
                if (f.path == file) found = &f;
            }
            if (!found) {
                error(404, "EntryNotFound", "Entry not found");
            } else {
                reply.headers.emplace_back("X-Repo-Commit", repo->commit);
                if (found->lfs) {
                    const std::string sha = sha256(found->content);
                    reply.status = 302;
                    reply.headers.emplace_back("X-Linked-Etag", "\"" + sha + "\"");
                    reply.headers.emplace_back("X-Linked-Size", std::to_string(found->content.size()));
                    reply.headers.emplace_back("ETag", "\"" + git_sha1(found->content) + "\"");  // of the pointer
                    reply.headers.emplace_back("Location", cdn_ + "/cdn/" + sha);
                } else {
                    serve_content(found->content, git_sha1(found->content));
                }
            }
        }
    } else {
        error(404, "", "unknown route " + path);
    }
    const std::size_t rate = rate_;
    lock.unlock();

    reply.content_length = reply.body.size();
    std::string header = "HTTP/1.1 " + std::to_string(reply.status) + " " + reason(reply.status) + "\r\n";
    for (const auto& [k, v] : reply.headers) header += k + ": " + v + "\r\n";
    header += "Content-Length: " + std::to_string(reply.content_length) + "\r\nConnection: close\r\n\r\n";
    if (!send_all(fd, header.data(), header.size()) || head) return;
    const std::size_t body = cut ? cut_at : reply.body.size();
    if (rate == 0) {
        send_all(fd, reply.body.data(), body);
        return;
    }
    // 20 slices a second: a killed client shows up as a failed send within 50 ms.
    const std::size_t slice = std::max<std::size_t>(1, rate / 20);
    for (std::size_t sent = 0; sent < body && !stop_; sent += slice) {
        if (!send_all(fd, reply.body.data() + sent, std::min(slice, body - sent))) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

}  // namespace pictor::test
