#include "core/training/metrics.h"

#include "core/util/error.h"

namespace pictor {

MetricsAccumulator::MetricsAccumulator(int64_t num_classes)
    : num_classes_(num_classes),
      confusion_(static_cast<size_t>(num_classes), std::vector<int64_t>(static_cast<size_t>(num_classes), 0)) {}

void MetricsAccumulator::add(const std::vector<int64_t>& labels, const std::vector<int64_t>& predictions,
                             double loss_sum) {
    if (labels.size() != predictions.size()) fail("metrics: labels and predictions differ in length");
    for (size_t i = 0; i < labels.size(); ++i) {
        const int64_t t = labels[i], p = predictions[i];
        if (t < 0 || t >= num_classes_ || p < 0 || p >= num_classes_) fail("metrics: class index out of range");
        ++confusion_[static_cast<size_t>(t)][static_cast<size_t>(p)];
        correct_ += t == p;
    }
    samples_ += static_cast<int64_t>(labels.size());
    loss_sum_ += loss_sum;
}

ClassificationMetrics MetricsAccumulator::result() const {
    ClassificationMetrics m;
    m.samples = samples_;
    m.loss = samples_ ? loss_sum_ / static_cast<double>(samples_) : 0.0;
    m.accuracy = samples_ ? static_cast<double>(correct_) / static_cast<double>(samples_) : 0.0;
    m.confusion = confusion_;
    for (const auto& row : confusion_) {
        int64_t total = 0;
        for (int64_t v : row) total += v;
        const size_t c = m.per_class_accuracy.size();
        m.per_class_accuracy.push_back(total ? static_cast<double>(row[c]) / static_cast<double>(total) : 0.0);
    }
    return m;
}

}  // namespace pictor
