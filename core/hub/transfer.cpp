#include "core/hub/transfer.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/util/error.h"

namespace pictor::hub::detail {

namespace fs = std::filesystem;

// ----- progress -----

ProgressReporter::ProgressReporter(ProgressSink* sink, int item_count, std::uint64_t total)
    : sink_(sink), download_sink_(dynamic_cast<DownloadSink*>(sink)) {
    p_.item_count = item_count;
    p_.total = total;
    rate_anchor_time_ = last_report_ = Clock::now();
}

void ProgressReporter::begin_item(const std::string& name, std::uint64_t already_on_disk, std::uint64_t item_total) {
    base_done_ = p_.done;
    p_.item = name;
    p_.item_index += 1;
    p_.item_total = item_total;
    p_.item_done = already_on_disk;
    p_.done = base_done_ + already_on_disk;
    rate_anchor_bytes_ = p_.done;
    rate_anchor_time_ = Clock::now();
    if (sink_) sink_->on_stage("downloading " + name);
    update(already_on_disk, true);
}

void ProgressReporter::update(std::uint64_t item_done, bool force) {
    p_.item_done = item_done;
    p_.done = base_done_ + item_done;
    if (!sink_) return;
    const auto now = Clock::now();
    if (!force && now - last_report_ < std::chrono::milliseconds(100)) return;
    last_report_ = now;
    if (p_.done < rate_anchor_bytes_) {  // restarted from zero: re-anchor
        rate_anchor_bytes_ = p_.done;
        rate_anchor_time_ = now;
    }
    const double dt = std::chrono::duration<double>(now - rate_anchor_time_).count();
    if (dt >= 0.25) {
        const double instant = static_cast<double>(p_.done - rate_anchor_bytes_) / dt;
        p_.bytes_per_second = have_rate_ ? 0.7 * p_.bytes_per_second + 0.3 * instant : instant;
        have_rate_ = true;
        rate_anchor_bytes_ = p_.done;
        rate_anchor_time_ = now;
    }
    p_.eta_seconds = (p_.total > 0 && p_.bytes_per_second > 0 && p_.total >= p_.done)
                         ? static_cast<double>(p_.total - p_.done) / p_.bytes_per_second
                         : -1.0;
    if (download_sink_) download_sink_->on_download(p_);
    const auto mib = [](std::uint64_t b) { return static_cast<int>((b + (1u << 20) - 1) >> 20); };
    sink_->on_step(mib(p_.done), mib(p_.total));
}

void ProgressReporter::end_item() {
    update(p_.item_total > 0 ? p_.item_total : p_.item_done, true);
    base_done_ = p_.done;
    p_.item_done = 0;
}

void ProgressReporter::message(const std::string& text) {
    if (sink_) sink_->on_message(text);
}

// ----- helpers -----

void check_free_space(const fs::path& dir, std::uint64_t needed) {
    std::error_code ec;
    const auto info = fs::space(dir, ec);
    if (ec) return;  // cannot tell: the write itself will report a full disk
    if (info.available < needed) {
        fail("not enough disk space in '" + dir.string() + "': " + human_bytes(needed) + " needed, " +
             human_bytes(info.available) + " available (disk full)");
    }
}

std::string describe_status(const http::Response& r) {
    std::string text = "HTTP " + std::to_string(r.status);
    switch (r.status) {
        case 400: text += " Bad Request"; break;
        case 401: text += " Unauthorized"; break;
        case 403: text += " Forbidden"; break;
        case 404: text += " Not Found"; break;
        case 416: text += " Range Not Satisfiable"; break;
        case 429: text += " Too Many Requests (rate limited, try again later)"; break;
        case 500: text += " Internal Server Error"; break;
        case 502: text += " Bad Gateway"; break;
        case 503: text += " Service Unavailable"; break;
        default: break;
    }
    std::string reason = r.header("x-error-message");
    if (reason.empty() && !r.body.empty()) {
        const auto j = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
        if (j.is_object() && j.contains("error") && j["error"].is_string()) reason = j["error"].get<std::string>();
    }
    if (!reason.empty()) text += " (server: " + reason + ")";
    return text;
}

std::uint64_t file_size_or_zero(const fs::path& p) {
    std::error_code ec;
    const auto s = fs::file_size(p, ec);
    return ec ? 0 : static_cast<std::uint64_t>(s);
}

namespace {

void truncate_file(const fs::path& p) {
    std::error_code ec;
    fs::resize_file(p, 0, ec);
    if (ec && fs::exists(p)) fail("cannot truncate '" + p.string() + "': " + ec.message());
}

// "bytes 100-199/200" → 100
std::optional<std::uint64_t> content_range_start(const std::string& value) {
    const auto pos = value.find("bytes ");
    if (pos == std::string::npos) return std::nullopt;
    try {
        return std::stoull(value.substr(pos + 6));
    } catch (...) {
        return std::nullopt;
    }
}

std::string size_text(std::uint64_t done, const std::optional<std::uint64_t>& total) {
    return human_bytes(done) + (total ? " of " + human_bytes(*total) : std::string());
}

}  // namespace

TransferOutcome transfer(const TransferSpec& spec, ProgressReporter& progress, std::uint64_t& received) {
    const fs::path dir = spec.incomplete.parent_path();
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) fail("cannot create folder '" + dir.string() + "': " + ec.message());

    const int attempts = std::max(1, spec.max_attempts);
    for (int attempt = 1; attempt <= attempts; ++attempt) {
        std::uint64_t existing = file_size_or_zero(spec.incomplete);
        if (spec.expected_size && existing > *spec.expected_size) {
            truncate_file(spec.incomplete);
            existing = 0;
        }
        if (spec.expected_size && existing == *spec.expected_size && existing > 0) return TransferOutcome::complete;
        if (spec.expected_size) check_free_space(dir, *spec.expected_size - existing);
        if (existing > 0) {
            progress.message("resuming " + spec.what + " at " + size_text(existing, spec.expected_size));
        }
        progress.update(existing, true);

        const int fd = ::open(spec.incomplete.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd < 0) fail("cannot open '" + spec.incomplete.string() + "' for writing: " + std::strerror(errno));
        std::uint64_t on_disk = existing;
        int write_errno = 0;
        std::string protocol_error;

        http::Request request;
        request.url = spec.url;
        request.bearer_token = spec.bearer_token;
        request.headers = {"Accept-Encoding: identity"};
        request.range_from = existing;
        request.connect_timeout_s = spec.connect_timeout_s;
        request.stall_timeout_s = spec.stall_timeout_s;
        request.on_response = [&](long status, const std::map<std::string, std::string>& headers) {
            if (existing > 0 && status == 200) {
                // The server ignored Range: the body is the whole content, start over.
                if (::ftruncate(fd, 0) != 0) {
                    write_errno = errno;
                    return false;
                }
                progress.message("the server cannot resume " + spec.what + "; starting over");
                on_disk = 0;
            } else if (status == 206) {
                const auto it = headers.find("content-range");
                const auto start = it == headers.end() ? std::nullopt : content_range_start(it->second);
                if (!start || *start != existing) {
                    protocol_error = "the server answered the resume request with Content-Range '" +
                                     (it == headers.end() ? std::string() : it->second) + "', expected a start of " +
                                     std::to_string(existing);
                    return false;
                }
            }
            return true;
        };
        request.on_body = [&](const char* data, std::size_t size) {
            while (size > 0) {
                const ssize_t n = ::write(fd, data, size);
                if (n < 0) {
                    if (errno == EINTR) continue;
                    write_errno = errno;
                    return false;
                }
                data += n;
                size -= static_cast<std::size_t>(n);
                on_disk += static_cast<std::uint64_t>(n);
                received += static_cast<std::uint64_t>(n);
            }
            progress.update(on_disk);
            return true;
        };
        request.on_progress = [&](std::uint64_t, std::uint64_t) { return !progress.cancelled(); };

        const http::Response response = http::perform(request);
        if (::close(fd) != 0 && write_errno == 0 && response.ok()) write_errno = errno;
        progress.update(on_disk, true);

        if (response.cancelled) return TransferOutcome::cancelled;
        if (write_errno != 0) {
            fail("cannot write '" + spec.incomplete.string() + "': " + std::strerror(write_errno) +
                 (write_errno == ENOSPC || write_errno == EFBIG || write_errno == EDQUOT ? " (disk full)" : ""));
        }
        if (!protocol_error.empty()) {
            truncate_file(spec.incomplete);
            if (attempt < attempts) continue;
            fail(spec.what + ": " + protocol_error);
        }
        if (!response.transport_error.empty()) {
            const std::string why = "transfer interrupted after " + size_text(on_disk, spec.expected_size) + " (" +
                                    response.transport_error + ")";
            if (attempt < attempts) {
                progress.message(spec.what + ": " + why + "; retrying");
                continue;
            }
            fail(spec.what + ": " + why + "; run the download again to resume (the partial file is kept)");
        }
        if (response.status == 416) {
            // "Content-Range: bytes */N": our partial file may be the whole content already.
            const std::string range = response.header("content-range");
            const auto star = range.find("*/");
            if (star != std::string::npos && range.substr(star + 2) == std::to_string(existing) && existing > 0) {
                return TransferOutcome::complete;
            }
            // Our partial file does not fit the remote content (changed upstream?): start over.
            truncate_file(spec.incomplete);
            if (attempt < attempts) continue;
            fail(spec.what + ": " + describe_status(response) + " from " + response.url);
        }
        if (response.status < 200 || response.status >= 300) {
            fail(spec.what + ": " + describe_status(response) + " from " + response.url);
        }
        const std::uint64_t size = file_size_or_zero(spec.incomplete);
        if (spec.expected_size && size < *spec.expected_size) {
            const std::string why = "the server closed the transfer after " + size_text(size, spec.expected_size);
            if (attempt < attempts) {
                progress.message(spec.what + ": " + why + "; retrying");
                continue;
            }
            fail(spec.what + ": " + why + "; run the download again to resume (the partial file is kept)");
        }
        if (spec.expected_size && size > *spec.expected_size) {
            fs::remove(spec.incomplete, ec);
            fail(spec.what + ": the server sent " + std::to_string(size) + " bytes, expected " +
                 std::to_string(*spec.expected_size) + "; the download was discarded");
        }
        return TransferOutcome::complete;
    }
    fail(spec.what + ": download failed");  // not reached: every path above returns or throws
}

}  // namespace pictor::hub::detail

namespace pictor::hub {

std::string human_bytes(std::uint64_t bytes) {
    const char* units[] = {"B", "kB", "MB", "GB", "TB"};
    double v = static_cast<double>(bytes);
    int u = 0;
    while (v >= 1000.0 && u < 4) {
        v /= 1000.0;
        ++u;
    }
    char buf[32];
    if (u == 0) {
        std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
    } else {
        std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
    }
    return buf;
}

}  // namespace pictor::hub
