// Classification metrics: accuracy, per-class accuracy, confusion matrix.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pictor {

struct ClassificationMetrics {
    double loss = 0.0;      // mean cross-entropy over the samples
    double accuracy = 0.0;  // fraction correct
    int64_t samples = 0;
    std::vector<double> per_class_accuracy;            // recall of each class (NaN-free: 0 when absent)
    std::vector<std::vector<int64_t>> confusion;       // [true][predicted]
};

// Accumulates predictions batch by batch.
class MetricsAccumulator {
public:
    explicit MetricsAccumulator(int64_t num_classes);
    // `loss_sum` is the summed (not averaged) loss over the batch's samples.
    void add(const std::vector<int64_t>& labels, const std::vector<int64_t>& predictions, double loss_sum);
    ClassificationMetrics result() const;

private:
    int64_t num_classes_;
    int64_t samples_ = 0;
    int64_t correct_ = 0;
    double loss_sum_ = 0.0;
    std::vector<std::vector<int64_t>> confusion_;
};

}  // namespace pictor
