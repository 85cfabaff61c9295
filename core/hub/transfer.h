// The resumable transfer of one URL into one `.incomplete` file, shared by the Hugging Face and
// torch.hub downloads, plus the job-level progress reporter. Internal to core/hub.
//
// Failure contract: throws pictor::Error (HTTP status via `describe_status`, transport failure after
// the last attempt, write error with the system's reason, not enough disk space). Cancellation
// returns TransferOutcome::cancelled and leaves the partial file for a later resume.
// Thread-safety: one Transfer/ProgressReporter per job and thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "core/hub/download.h"
#include "core/hub/http.h"

namespace pictor::hub::detail {

// Aggregates byte counts of a job and forwards them to a ProgressSink / DownloadSink, throttled.
class ProgressReporter {
public:
    ProgressReporter(ProgressSink* sink, int item_count, std::uint64_t total);
    void begin_item(const std::string& name, std::uint64_t already_on_disk, std::uint64_t item_total);
    // `item_done` counts the bytes of the current item on disk; `received` bytes came over the network.
    void update(std::uint64_t item_done, bool force = false);
    void end_item();
    void message(const std::string& text);
    bool cancelled() const { return sink_ && sink_->cancelled(); }
    ProgressSink* sink() const { return sink_; }

private:
    using Clock = std::chrono::steady_clock;
    ProgressSink* sink_;
    DownloadSink* download_sink_;
    DownloadProgress p_;
    std::uint64_t base_done_ = 0;  // job bytes before the current item
    std::uint64_t rate_anchor_bytes_ = 0;
    Clock::time_point rate_anchor_time_;
    Clock::time_point last_report_;
    bool have_rate_ = false;
};

enum class TransferOutcome { complete, cancelled };

struct TransferSpec {
    std::string url;
    std::optional<std::string> bearer_token;      // sent to the URL's origin only
    std::filesystem::path incomplete;             // appended to / resumed from
    std::optional<std::uint64_t> expected_size;
    std::string what;                             // for messages: "file 'x' of repo 'y'"
    int max_attempts = 3;
    long connect_timeout_s = 30;
    long stall_timeout_s = 60;
};

// Brings `spec.incomplete` to the full content of `spec.url`, resuming what is there with Range.
// `received` is increased by the bytes that came over the network.
TransferOutcome transfer(const TransferSpec& spec, ProgressReporter& progress, std::uint64_t& received);

// The size of `path` in bytes, 0 when it does not exist or cannot be read (a transfer not begun yet).
std::uint64_t file_size_or_zero(const std::filesystem::path& path);

// Throws when the filesystem holding `dir` has less than `needed` bytes available.
void check_free_space(const std::filesystem::path& dir, std::uint64_t needed);

// "HTTP 404 (Not Found)" style text plus the server's own reason (X-Error-Message or JSON "error").
std::string describe_status(const http::Response& response);

}  // namespace pictor::hub::detail
