// The studio's bridge to the engine: maps one studio request onto a job of the engine's job layer
// (core/jobs) and the job's result back onto the studio's value types, on the worker thread.
//
// This interface is Qt-only. Models loaded by one job stay cached for the next in the process-wide
// pictor::ModelCache. A cached model runs one job at a time, so runs must not overlap: EngineWorker
// calls run() one job after the other on its own thread. Throws JobError (or any std::exception).
#pragma once

#include "ui/engine_types.h"

#include <optional>
#include <stdexcept>
#include <string>

namespace pictor::jobs {
struct GenerateRequest;
}

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

// The engine request a studio generation runs as: the one place the studio builds a
// jobs::GenerateRequest (include core/jobs/generate_job.h to use the result). A LoRA row naming a
// catalogue entry instead of a file (the Fast preset's "lcm-lora-sdv1-5") becomes that entry's
// download folder; throws pictor::ModelNotFound with the entry set when it is not on disk (run()
// turns it into the download offer). Reads the file system only; call it off the UI thread.
jobs::GenerateRequest generateJobRequest(const GenerateRequest& request);

class EngineBackend {
public:
    void run(const JobRequest& request, JobContext& context);

    // The model catalogue with the on-disk state of each entry (no network). Thread-safe, reads
    // the file system only: call it off the UI thread. Throws for a malformed models.yaml.
    static QVector<ModelEntryInfo> modelCatalogue();
};

}  // namespace pictor::ui
