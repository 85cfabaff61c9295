#include "core/training/split.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include "core/util/error.h"

namespace pictor {

SplitIndices stratified_split(const std::vector<int64_t>& labels, const std::vector<std::string>& class_names,
                              double train_ratio, uint64_t seed) {
    if (!(train_ratio > 0.0 && train_ratio < 1.0)) {
        fail("split ratio must be between 0 and 1 (exclusive), got " + std::to_string(train_ratio));
    }
    std::vector<std::vector<int64_t>> by_class(class_names.size());
    for (size_t i = 0; i < labels.size(); ++i) {
        const int64_t label = labels[i];
        if (label < 0 || label >= static_cast<int64_t>(class_names.size())) {
            fail("sample " + std::to_string(i) + " has label " + std::to_string(label) + " outside the " +
                 std::to_string(class_names.size()) + " classes");
        }
        by_class[static_cast<size_t>(label)].push_back(static_cast<int64_t>(i));
    }
    SplitIndices split;
    for (size_t c = 0; c < by_class.size(); ++c) {
        auto& indices = by_class[c];
        const auto n = static_cast<int64_t>(indices.size());
        if (n < 2) {
            fail("class '" + class_names[c] + "' has " + std::to_string(n) +
                 " image(s): at least 2 are needed to split it into train and test");
        }
        // One generator per class, derived from the seed and the class index, so adding images to
        // one class does not reshuffle the others.
        std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ULL + c);
        // Fisher–Yates with our own index draw: std::shuffle's use of the engine is
        // implementation-defined, and a dataset split must be the same on every build.
        for (int64_t i = n - 1; i > 0; --i) {
            const auto j = static_cast<int64_t>(rng() % static_cast<uint64_t>(i + 1));
            std::swap(indices[static_cast<size_t>(i)], indices[static_cast<size_t>(j)]);
        }
        const int64_t n_train = std::clamp<int64_t>(std::llround(train_ratio * static_cast<double>(n)), 1, n - 1);
        split.train.insert(split.train.end(), indices.begin(), indices.begin() + n_train);
        split.test.insert(split.test.end(), indices.begin() + n_train, indices.end());
    }
    std::sort(split.train.begin(), split.train.end());
    std::sort(split.test.begin(), split.test.end());
    return split;
}

}  // namespace pictor
