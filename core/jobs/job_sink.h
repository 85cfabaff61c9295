// What a running job tells its front end, and how the front end stops it.
//
// Every job of the job layer (core/jobs/*_job.h) takes a request, a JobSink and a ModelCache and
// runs synchronously on the caller's thread. The job calls the sink from that thread; the sink's
// `cancelled()` is read at every natural boundary (denoising step, decoded image, training batch,
// downloaded chunk) and may be backed by an atomic flag set from any thread. Cancellation is an
// outcome (the result says `cancelled`), not an error.
//
// This header is free of LibTorch and Qt so that both front ends can include it cheaply: previews
// come as plain RGB bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pictor {

// 8-bit RGB pixels, row-major, 3 bytes per pixel, no padding.
struct Rgb8Image {
    int width = 0, height = 0;
    std::vector<uint8_t> pixels;  // width * height * 3
    bool empty() const { return pixels.empty(); }
};

// The timing of one denoising step, for an ETA.
struct StepTiming {
    int step = 0, total = 0;
    double elapsed_s = 0;         // since the first step started
    double seconds_per_step = 0;
    double eta_s = 0;             // remaining steps + decoding, estimated from measured step times
};

struct TrainBatchReport {
    int epoch = 0, batch = 0, batches = 0;  // 1-based epoch and batch
    double loss = 0, accuracy = 0;
};

struct TrainEpochReport {
    int epoch = 0, epochs = 0;  // 1-based
    double train_loss = 0, train_accuracy = 0;
    double test_loss = 0, test_accuracy = 0;
    double seconds = 0;
    bool best = false;  // the lowest test loss so far
};

// Byte-level progress of a download (the pull job).
struct DownloadStatus {
    std::string item;             // repo path or file name being transferred
    int item_index = 0, item_count = 0;  // 1-based among the items that need a transfer
    uint64_t done = 0, total = 0;        // bytes of all items; total 0 = unknown
    double bytes_per_second = 0;
    double eta_s = -1;                   // -1 = unknown
};

// Every callback has an empty default; implementations must be cheap and must not throw.
class JobSink {
public:
    virtual ~JobSink() = default;
    virtual void on_stage(std::string_view stage) {}
    virtual void on_step(int step, int total) {}
    virtual void on_timing(const StepTiming& timing) {}
    virtual void on_preview(const Rgb8Image& rgb) {}
    virtual void on_message(std::string_view message) {}
    virtual void on_train_batch(const TrainBatchReport& report) {}
    virtual void on_train_epoch(const TrainEpochReport& report) {}
    virtual void on_download(const DownloadStatus& status) {}
    virtual bool cancelled() const { return false; }
};

}  // namespace pictor
