// The studio's bridge to the engine: runs one job's engine calls on the worker thread.
//
// Only engine_backend.cpp includes engine (LibTorch) headers; this interface is Qt-only. Models
// loaded by one job stay cached for the next (keyed by their resolved path). Not thread-safe:
// used only by EngineWorker on its own thread. Throws JobError (or any std::exception) on failure.
#pragma once

#include "ui/engine_types.h"

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace pictor::ui {

class JobContext;

// A failure the user can act on: `what()` says what went wrong and where, `hint` the way forward.
// `missingModel` is set when the cause is a catalogue model that is not on disk.
class JobError : public std::runtime_error {
public:
    JobError(const QString& message, const QString& hint = {}, std::optional<MissingModel> missing = {})
        : std::runtime_error(message.toStdString()), m_hint(hint), m_missing(std::move(missing)) {}
    const QString& hint() const { return m_hint; }
    const std::optional<MissingModel>& missingModel() const { return m_missing; }

private:
    QString m_hint;
    std::optional<MissingModel> m_missing;
};

class EngineBackend {
public:
    EngineBackend();
    ~EngineBackend();
    EngineBackend(const EngineBackend&) = delete;
    EngineBackend& operator=(const EngineBackend&) = delete;

    void run(const JobRequest& request, JobContext& context);

    // The model catalogue with the on-disk state of each entry (no network). Thread-safe, reads
    // the file system only: call it off the UI thread. Throws for a malformed models.yaml.
    static QVector<ModelEntryInfo> modelCatalogue();

    struct Cache;  // loaded models (defined in engine_backend.cpp)

private:
    std::unique_ptr<Cache> m_cache;
};

}  // namespace pictor::ui
