// Progress reporting and cancellation for long engine calls.
//
// Engine calls are synchronous; the caller passes a sink. The engine calls it from the thread that
// runs the job and checks `cancelled()` at natural boundaries (each denoising step, each training
// batch, each downloaded chunk). Implementations must be cheap and must not throw.
#pragma once

#include <atomic>
#include <string_view>

namespace at {
class Tensor;
}

namespace pictor {

class ProgressSink {
public:
    virtual ~ProgressSink() = default;
    // A new stage begins ("loading UNet", "denoising", "decoding").
    virtual void on_stage(std::string_view stage) {}
    // `step` of `total` units done in the current stage (1-based; step == total means done).
    virtual void on_step(int step, int total) {}
    // A cheap preview image, uint8 HWC RGB on the CPU.
    virtual void on_preview(const at::Tensor& rgb) {}
    // Free-form message for logs ("skipping class_0003.png: already present").
    virtual void on_message(std::string_view message) {}
    virtual bool cancelled() const { return false; }
};

// A sink that reports nothing and is cancelled through an atomic flag that any thread may set.
class CancelFlagSink : public ProgressSink {
public:
    void cancel() { cancelled_.store(true); }
    bool cancelled() const override { return cancelled_.load(); }

private:
    std::atomic<bool> cancelled_{false};
};

}  // namespace pictor
