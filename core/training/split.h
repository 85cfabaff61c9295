// Seeded, stratified train/test split.
#pragma once

#include <cstdint>
#include <vector>

namespace pictor {

struct SplitIndices {
    std::vector<int64_t> train;  // indices into the dataset's samples, in dataset order
    std::vector<int64_t> test;
};

// Splits each class separately: round(train_ratio * n_c) samples of class c go to train (at least
// one, and at least one left for test), chosen by a shuffle seeded with `seed`. The same labels,
// ratio and seed always give the same split. Throws pictor::Error when the ratio is outside (0, 1)
// or a class has fewer than 2 samples (too small to split), naming the class.
SplitIndices stratified_split(const std::vector<int64_t>& labels, const std::vector<std::string>& class_names,
                              double train_ratio, uint64_t seed);

}  // namespace pictor
