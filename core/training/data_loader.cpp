#include "core/training/data_loader.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <numeric>

#include "core/image/image_io.h"
#include "core/image/training_transforms.h"
#include "core/util/error.h"

namespace pictor {

std::vector<int64_t> shuffled_order(int64_t n, uint64_t seed, int64_t epoch) {
    std::vector<int64_t> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng = sample_rng(seed, epoch, -1);
    for (int64_t i = n - 1; i > 0; --i) {
        const auto j = static_cast<int64_t>(rng() % static_cast<uint64_t>(i + 1));
        std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(j)]);
    }
    return order;
}

DataLoader::DataLoader(std::vector<ImageFolderSample> samples, SampleTransform transform, LoaderOptions options)
    : samples_(std::move(samples)), transform_(std::move(transform)), options_(options) {
    if (options_.batch_size < 1) fail("batch size must be at least 1, got " + std::to_string(options_.batch_size));
    if (options_.prefetch_batches < 1) options_.prefetch_batches = 1;
}

DataLoader::~DataLoader() { stop(); }

int64_t DataLoader::batches_per_epoch() const {
    const auto n = static_cast<int64_t>(samples_.size());
    return (n + options_.batch_size - 1) / options_.batch_size;
}

void DataLoader::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    if (producer_.joinable()) producer_.join();
    std::lock_guard lock(mutex_);
    stopping_ = false;
    queue_.clear();
    error_ = nullptr;
    producer_done_ = true;
}

void DataLoader::start_epoch(int64_t epoch) {
    stop();
    std::vector<int64_t> order(samples_.size());
    if (options_.shuffle) {
        order = shuffled_order(static_cast<int64_t>(samples_.size()), options_.seed, epoch);
    } else {
        std::iota(order.begin(), order.end(), 0);
    }
    producer_done_ = false;
    producer_ = std::thread([this, order = std::move(order), epoch]() mutable { produce(std::move(order), epoch); });
}

void DataLoader::produce(std::vector<int64_t> order, int64_t epoch) {
    try {
        // No InferenceMode here: inference tensors could not be used by the training thread's
        // autograd; nothing here requires grad, so no graph is recorded anyway.
        for (size_t begin = 0; begin < order.size(); begin += static_cast<size_t>(options_.batch_size)) {
            const size_t end = std::min(order.size(), begin + static_cast<size_t>(options_.batch_size));
            Batch batch;
            std::vector<at::Tensor> images;
            std::vector<int64_t> labels;
            for (size_t k = begin; k < end; ++k) {
                {
                    std::lock_guard lock(mutex_);
                    if (stopping_) return;
                }
                const int64_t index = order[k];
                const auto& sample = samples_[static_cast<size_t>(index)];
                at::Tensor decoded;
                try {
                    decoded = read_image(sample.path);
                } catch (const Error& e) {
                    throw e.with_context("loading training image");
                }
                std::mt19937_64 rng = sample_rng(options_.seed, epoch, index);
                images.push_back(transform_(decoded, rng));
                labels.push_back(sample.label);
                batch.indices.push_back(index);
            }
            batch.images = at::stack(images);
            batch.labels = at::tensor(labels, at::kLong);
            std::unique_lock lock(mutex_);
            changed_.wait(lock, [&] { return stopping_ || static_cast<int>(queue_.size()) < options_.prefetch_batches; });
            if (stopping_) return;
            queue_.push_back(std::move(batch));
            changed_.notify_all();
        }
    } catch (...) {
        std::lock_guard lock(mutex_);
        error_ = std::current_exception();
    }
    std::lock_guard lock(mutex_);
    producer_done_ = true;
    changed_.notify_all();
}

std::optional<Batch> DataLoader::next() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !queue_.empty() || producer_done_ || error_; });
    if (error_) {
        auto error = error_;
        lock.unlock();
        stop();
        std::rethrow_exception(error);
    }
    if (queue_.empty()) return std::nullopt;
    Batch batch = std::move(queue_.front());
    queue_.pop_front();
    changed_.notify_all();
    return batch;
}

}  // namespace pictor
