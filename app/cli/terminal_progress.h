// Progress bars on a terminal and Ctrl-C as a cancel request, for long pictor-cli commands.
//
// The bar goes to stderr and only when stderr is a terminal (pipes and CI logs stay clean);
// it shows done/total, rate, elapsed time and ETA, redrawn at most ~10 times a second.
// The first Ctrl-C sets a flag the command's ProgressSink reports as `cancelled()`, so the
// engine stops at its next step boundary and nothing half-written is left; a second Ctrl-C
// ends the process at once.
#pragma once

#include <chrono>
#include <string>

namespace pictor::cli {

void install_interrupt_handler();
bool interrupt_requested();

class TerminalProgress {
public:
    explicit TerminalProgress(std::string label);
    ~TerminalProgress();
    void set_label(std::string label);  // a new stage: restarts the ETA clock
    void update(long long done, long long total, const std::string& unit = "");
    void clear();  // erase the bar line (before printing other output)

private:
    std::string label_;
    bool enabled_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point start_, last_draw_;
};

// "1:02:03" / "4:05" for a duration in seconds.
std::string format_duration(double seconds);

}  // namespace pictor::cli
