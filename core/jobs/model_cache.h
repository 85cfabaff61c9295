// Loaded models shared by every job of a process, bounded by a memory budget.
//
// A model is keyed by what makes it distinct: its resolved file or folder, dtype and device (and,
// for files that can be rewritten in place like an exported classifier, their modification time),
// e.g. "sd|/cache/models--x/snapshots/abc|f32|cpu". `get` returns the cached model or loads it.
// Before a load, least-recently-used models are dropped until the new one fits the budget; a model
// is never dropped while it would be the only one (a budget smaller than one model still runs jobs,
// one model at a time). A dropped model that a running job still holds stays alive until that job
// lets go of its shared_ptr.
//
// Thread-safety: every member may be called from any thread. Loading runs outside the lock: two
// threads asking for the same missing key at once may both load it (the later one is kept).
// Failure contract: a loader's exception propagates and nothing is cached.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <typeindex>
#include <vector>

namespace pictor {

class ModelCache {
public:
    explicit ModelCache(uint64_t budget_bytes);

    // The cache of this process, shared by every job that does not pass its own. Its budget is
    // PICTOR_MODEL_CACHE_MB when set, else half of the machine's physical memory.
    static ModelCache& process();

    // `supersedes`, when given, is the part of the key that names the file without its version
    // (the key without the modification time): loading a new version drops the cached older ones,
    // which no job can ask for again (a classifier exported again over the same folder).
    template <typename T>
    std::shared_ptr<T> get(const std::string& key, uint64_t size_bytes, const std::function<std::shared_ptr<T>()>& load,
                           const std::string& supersedes = {}) {
        if (std::shared_ptr<void> hit = find(key, typeid(T))) return std::static_pointer_cast<T>(hit);
        if (!supersedes.empty()) drop_prefix(supersedes);
        make_room(size_bytes);
        std::shared_ptr<T> model = load();
        insert(key, typeid(T), model, size_bytes);
        return model;
    }

    void set_budget(uint64_t budget_bytes);
    uint64_t budget() const;
    uint64_t bytes() const;  // sum of the cached models' sizes
    size_t count() const;
    std::vector<std::string> keys() const;  // most recently used first
    void clear();

private:
    struct Entry {
        std::string key;
        std::type_index type;
        std::shared_ptr<void> model;
        uint64_t size = 0;
    };
    std::shared_ptr<void> find(const std::string& key, std::type_index type);
    void make_room(uint64_t incoming);
    void drop_prefix(const std::string& prefix);
    void insert(const std::string& key, std::type_index type, std::shared_ptr<void> model, uint64_t size);

    mutable std::mutex mutex_;
    std::list<Entry> entries_;  // most recently used first
    uint64_t budget_ = 0;
};

}  // namespace pictor
