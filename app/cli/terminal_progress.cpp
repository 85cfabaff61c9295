#include "app/cli/terminal_progress.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <sstream>

#include <unistd.h>

namespace pictor::cli {

namespace {
std::atomic<bool> interrupted{false};

extern "C" void on_sigint(int) {
    if (interrupted.exchange(true)) {
        std::signal(SIGINT, SIG_DFL);
        std::raise(SIGINT);
        return;
    }
    constexpr char message[] = "\ninterrupt: finishing the current step (Ctrl-C again to abort)\n";
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, message, sizeof(message) - 1);
}
}  // namespace

void install_interrupt_handler() { std::signal(SIGINT, on_sigint); }

bool interrupt_requested() { return interrupted.load(); }

std::string format_duration(double seconds) {
    if (!(seconds >= 0) || seconds > 1e7) return "?";
    const long s = static_cast<long>(seconds + 0.5);
    char buf[32];
    if (s >= 3600) {
        std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
    } else {
        std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
    }
    return buf;
}

TerminalProgress::TerminalProgress(std::string label)
    : label_(std::move(label)), enabled_(::isatty(STDERR_FILENO) == 1), start_(std::chrono::steady_clock::now()) {}

TerminalProgress::~TerminalProgress() {
    if (drawn_) std::cerr << "\n";
}

void TerminalProgress::set_label(std::string label) {
    clear();
    label_ = std::move(label);
    start_ = std::chrono::steady_clock::now();
}

void TerminalProgress::update(long long done, long long total, const std::string& unit) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (drawn_ && done < total && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double fraction = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 0.0;
    constexpr int width = 30;
    const int filled = static_cast<int>(fraction * width);
    std::ostringstream line;
    line << "\r" << label_ << " [" << std::string(static_cast<size_t>(filled), '#')
         << std::string(static_cast<size_t>(width - filled), '.') << "] " << done << "/" << total << unit << "  "
         << format_duration(elapsed);
    if (done > 0 && done < total) line << "  ETA " << format_duration(elapsed / static_cast<double>(done) * static_cast<double>(total - done));
    line << "\x1b[K";
    std::cerr << line.str() << std::flush;
    drawn_ = true;
}

void TerminalProgress::clear() {
    if (enabled_ && drawn_) std::cerr << "\r\x1b[K" << std::flush;
    drawn_ = false;
}

}  // namespace pictor::cli
