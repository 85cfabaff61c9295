#include "tests/support/catch.h"

#include <algorithm>
#include <set>

#include "core/training/split.h"
#include "core/util/error.h"

using namespace pictor;

TEST_CASE("stratified split keeps each class's ratio and is reproducible", "[training][split]") {
    std::vector<int64_t> labels;
    for (int i = 0; i < 10; ++i) labels.push_back(0);
    for (int i = 0; i < 5; ++i) labels.push_back(1);
    const std::vector<std::string> names{"dog", "fox"};
    const SplitIndices a = stratified_split(labels, names, 0.8, 42);
    const SplitIndices b = stratified_split(labels, names, 0.8, 42);
    CHECK(a.train == b.train);
    CHECK(a.test == b.test);
    int train_dogs = 0, train_foxes = 0;
    for (int64_t i : a.train) (labels[static_cast<size_t>(i)] == 0 ? train_dogs : train_foxes)++;
    CHECK(train_dogs == 8);
    CHECK(train_foxes == 4);
    std::set<int64_t> all(a.train.begin(), a.train.end());
    all.insert(a.test.begin(), a.test.end());
    CHECK(all.size() == labels.size());
    const SplitIndices c = stratified_split(labels, names, 0.8, 43);
    CHECK((c.train != a.train || c.test != a.test));
}

TEST_CASE("a class too small to split is a clear error", "[training][split]") {
    const std::vector<std::string> names{"dog", "fox"};
    try {
        stratified_split({0, 0, 0, 1}, names, 0.5, 1);
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK_THAT(e.what(), Catch::Contains("'fox'") && Catch::Contains("at least 2"));
    }
    CHECK_THROWS_AS(stratified_split({0, 0, 1, 1}, names, 1.0, 1), Error);
    CHECK_THROWS_AS(stratified_split({0, 0, 1, 1}, names, 0.0, 1), Error);
}

TEST_CASE("small classes keep at least one sample on each side", "[training][split]") {
    const SplitIndices s = stratified_split({0, 0, 1, 1}, {"a", "b"}, 0.99, 7);
    CHECK(s.train.size() == 2);
    CHECK(s.test.size() == 2);
}
