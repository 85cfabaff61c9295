#include "core/jobs/model_cache.h"

#include <cstdlib>
#include <string>

#include "core/jobs/memory_estimate.h"

namespace pictor {

ModelCache::ModelCache(uint64_t budget_bytes) : budget_(budget_bytes) {}

ModelCache& ModelCache::process() {
    static ModelCache cache([] {
        if (const char* mb = std::getenv("PICTOR_MODEL_CACHE_MB")) {
            char* end = nullptr;
            const unsigned long long v = std::strtoull(mb, &end, 10);
            if (end != mb && *end == '\0') return uint64_t(v) << 20;
        }
        return physical_memory_bytes() / 2;
    }());
    return cache;
}

std::shared_ptr<void> ModelCache::find(const std::string& key, std::type_index type) {
    std::lock_guard lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
        if (it->key != key || it->type != type) continue;
        entries_.splice(entries_.begin(), entries_, it);  // now the most recently used
        return entries_.front().model;
    }
    return nullptr;
}

void ModelCache::make_room(uint64_t incoming) {
    std::list<Entry> dropped;  // destroyed after the lock is released (freeing a model is slow)
    {
        std::lock_guard lock(mutex_);
        uint64_t total = incoming;
        for (const Entry& e : entries_) total += e.size;
        while (!entries_.empty() && total > budget_) {
            total -= entries_.back().size;
            dropped.splice(dropped.begin(), entries_, std::prev(entries_.end()));
        }
    }
}

void ModelCache::drop_prefix(const std::string& prefix) {
    std::list<Entry> dropped;  // released after the lock (a model's destructor may take time)
    std::lock_guard lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end();) {
        auto next = std::next(it);
        if (it->key.compare(0, prefix.size(), prefix) == 0) dropped.splice(dropped.begin(), entries_, it);
        it = next;
    }
}

void ModelCache::insert(const std::string& key, std::type_index type, std::shared_ptr<void> model, uint64_t size) {
    std::list<Entry> replaced;
    std::lock_guard lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end();) {
        auto next = std::next(it);
        if (it->key == key && it->type == type) replaced.splice(replaced.begin(), entries_, it);
        it = next;
    }
    entries_.push_front(Entry{key, type, std::move(model), size});
}

void ModelCache::set_budget(uint64_t budget_bytes) {
    {
        std::lock_guard lock(mutex_);
        budget_ = budget_bytes;
    }
    make_room(0);
}

uint64_t ModelCache::budget() const {
    std::lock_guard lock(mutex_);
    return budget_;
}

uint64_t ModelCache::bytes() const {
    std::lock_guard lock(mutex_);
    uint64_t total = 0;
    for (const Entry& e : entries_) total += e.size;
    return total;
}

size_t ModelCache::count() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

std::vector<std::string> ModelCache::keys() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const Entry& e : entries_) out.push_back(e.key);
    return out;
}

void ModelCache::clear() {
    std::list<Entry> dropped;
    std::lock_guard lock(mutex_);
    dropped.swap(entries_);
}

}  // namespace pictor
