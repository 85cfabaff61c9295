// Batches of decoded, transformed images, prepared ahead of the model on a worker thread.
//
// One epoch at a time: `start_epoch(e)` fixes the order (shuffled with (seed, e) when shuffling
// is on) and starts a producer thread that reads, decodes and transforms images into a small
// bounded queue; `next()` hands out batches in order and blocks only when the producer is behind.
// A decode error in the producer is rethrown by `next()` as pictor::Error naming the file.
// Not thread-safe: one consumer thread. Destroying the loader stops the producer.
#pragma once

#include <ATen/core/Tensor.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "core/training/image_folder.h"

namespace pictor {

struct Batch {
    at::Tensor images;             // [B, 3, S, S] float32
    at::Tensor labels;             // [B] int64
    std::vector<int64_t> indices;  // positions in the loader's sample list
};

// Transforms one decoded uint8 HWC image to float32 CHW. `rng` is seeded per (epoch, sample).
using SampleTransform = std::function<at::Tensor(const at::Tensor& image_hwc_u8, std::mt19937_64& rng)>;

struct LoaderOptions {
    int batch_size = 16;
    bool shuffle = false;
    uint64_t seed = 0;
    int prefetch_batches = 2;
};

// 0..n-1 shuffled by Fisher–Yates with draws from sample_rng(seed, epoch, -1): the same on every
// build (std::shuffle's use of the engine is implementation-defined).
std::vector<int64_t> shuffled_order(int64_t n, uint64_t seed, int64_t epoch);

class DataLoader {
public:
    DataLoader(std::vector<ImageFolderSample> samples, SampleTransform transform, LoaderOptions options);
    ~DataLoader();
    DataLoader(const DataLoader&) = delete;
    DataLoader& operator=(const DataLoader&) = delete;

    size_t size() const { return samples_.size(); }
    int64_t batches_per_epoch() const;
    void start_epoch(int64_t epoch);
    // The next batch of the current epoch, or nullopt when the epoch is done.
    std::optional<Batch> next();

private:
    void stop();
    void produce(std::vector<int64_t> order, int64_t epoch);

    std::vector<ImageFolderSample> samples_;
    SampleTransform transform_;
    LoaderOptions options_;

    std::thread producer_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<Batch> queue_;
    std::exception_ptr error_;
    bool producer_done_ = true;
    bool stopping_ = false;
};

}  // namespace pictor
