// The JobSink of pictor-cli: a progress bar on stderr (when it is a terminal) and Ctrl-C as cancel.
#pragma once

#include <iostream>
#include <string>

#include "app/cli/terminal_progress.h"
#include "core/jobs/job_sink.h"

namespace pictor::cli {

class TerminalSink : public JobSink {
public:
    explicit TerminalSink(std::string label, std::string unit = "") : bar_(std::move(label)), unit_(std::move(unit)) {
        install_interrupt_handler();
    }
    void on_stage(std::string_view stage) override {
        bar_.set_label(std::string(stage));
        unit_ = stage == "decoding" ? " img" : stage == "denoising" ? " steps" : unit_;
    }
    void on_step(int step, int total) override { bar_.update(step, total, unit_); }
    // Engine notes (e.g. the defaults a single-file checkpoint's config could not give) on stderr,
    // for the commands that ask for them.
    void show_messages(bool on) { show_messages_ = on; }
    void on_message(std::string_view message) override {
        if (!show_messages_) return;
        bar_.clear();
        std::cerr << "note: " << message << "\n";
    }
    bool cancelled() const override { return interrupt_requested(); }
    void clear() { bar_.clear(); }

private:
    TerminalProgress bar_;
    std::string unit_;
    bool show_messages_ = false;
};

}  // namespace pictor::cli
