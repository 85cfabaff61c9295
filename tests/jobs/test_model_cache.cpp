// The model cache: one instance per key, LRU eviction under a memory budget.
#include "tests/support/catch.h"

#include <memory>
#include <string>
#include <vector>

#include "core/jobs/model_cache.h"

using pictor::ModelCache;

namespace {

struct Model {
    explicit Model(int v) : value(v) {}
    int value;
};

std::shared_ptr<Model> get(ModelCache& cache, const std::string& key, uint64_t size, int value, int* loads) {
    return cache.get<Model>(key, size, [&] {
        ++*loads;
        return std::make_shared<Model>(value);
    });
}

}  // namespace

TEST_CASE("model cache: a key is loaded once and shared", "[jobs]") {
    ModelCache cache(1000);
    int loads = 0;
    const auto a = get(cache, "sd|/m|f32|cpu", 100, 1, &loads);
    const auto b = get(cache, "sd|/m|f32|cpu", 100, 2, &loads);
    CHECK(loads == 1);
    CHECK(a.get() == b.get());
    CHECK(b->value == 1);
    // Another dtype or device is another model.
    const auto c = get(cache, "sd|/m|f16|cuda", 100, 3, &loads);
    CHECK(loads == 2);
    CHECK(c->value == 3);
    CHECK(cache.count() == 2);
    CHECK(cache.bytes() == 200);
}

TEST_CASE("model cache: least recently used models are dropped to fit the budget", "[jobs]") {
    ModelCache cache(250);
    int loads = 0;
    get(cache, "a", 100, 1, &loads);
    get(cache, "b", 100, 2, &loads);
    get(cache, "a", 100, 1, &loads);  // a is now the most recent
    get(cache, "c", 100, 3, &loads);  // b must go
    CHECK(loads == 3);
    CHECK(cache.keys() == std::vector<std::string>{"c", "a"});
    CHECK(cache.bytes() <= cache.budget());
    get(cache, "b", 100, 2, &loads);
    CHECK(loads == 4);  // reloaded
    CHECK(cache.keys() == std::vector<std::string>{"b", "c"});
}

TEST_CASE("model cache: a model bigger than the budget still runs alone", "[jobs]") {
    ModelCache cache(50);
    int loads = 0;
    get(cache, "a", 10, 1, &loads);
    const auto big = get(cache, "big", 500, 2, &loads);
    CHECK(big->value == 2);
    CHECK(cache.keys() == std::vector<std::string>{"big"});
}

TEST_CASE("model cache: a dropped model stays alive for the job that holds it", "[jobs]") {
    ModelCache cache(100);
    int loads = 0;
    std::weak_ptr<Model> weak;
    {
        const auto held = get(cache, "a", 100, 7, &loads);
        weak = held;
        get(cache, "b", 100, 8, &loads);  // evicts a from the cache
        CHECK(cache.keys() == std::vector<std::string>{"b"});
        CHECK(held->value == 7);  // still usable
        CHECK_FALSE(weak.expired());
    }
    CHECK(weak.expired());  // freed once the job let go
}

TEST_CASE("model cache: a loader that throws caches nothing", "[jobs]") {
    ModelCache cache(100);
    CHECK_THROWS(cache.get<Model>("a", 10, []() -> std::shared_ptr<Model> { throw std::runtime_error("broken"); }));
    CHECK(cache.count() == 0);
}

TEST_CASE("model cache: lowering the budget evicts at once", "[jobs]") {
    ModelCache cache(1000);
    int loads = 0;
    get(cache, "a", 400, 1, &loads);
    get(cache, "b", 400, 2, &loads);
    cache.set_budget(500);
    CHECK(cache.keys() == std::vector<std::string>{"b"});
}

TEST_CASE("model cache: a new version of a file drops the cached older ones", "[jobs]") {
    ModelCache cache(1u << 30);  // room for all: only supersedes drops
    const auto load = [&](const std::string& key, int value) {
        return cache.get<Model>(key, 100, [&] { return std::make_shared<Model>(value); }, "classifier|/out/model|");
    };
    load("classifier|/out/model|stamp1", 1);
    cache.get<Model>("classifier|/out/other|stamp1", 100, [] { return std::make_shared<Model>(9); });
    CHECK(cache.count() == 2);
    // Re-exported over the same folder: the first version can never be asked for again.
    const auto second = load("classifier|/out/model|stamp2", 2);
    CHECK(second->value == 2);
    CHECK(cache.count() == 2);
    CHECK(cache.keys() == std::vector<std::string>{"classifier|/out/model|stamp2", "classifier|/out/other|stamp1"});
    // A hit is not a new version: nothing is dropped.
    CHECK(load("classifier|/out/model|stamp2", 3)->value == 2);
    CHECK(cache.count() == 2);
}
