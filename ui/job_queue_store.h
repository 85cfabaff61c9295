// The studio's job queue on disk: the queued jobs and the running one, written whenever the queue
// changes so that a quit, a crash or a kill leaves them to be offered again at the next start.
//
// The file is JSON (job_queue.json beside settings.yaml), written atomically (QSaveFile: a
// temporary file renamed over the old one), so a kill mid-write leaves the previous queue whole.
// Every request kind the router queues is covered: generate, score (one image or all), compare,
// dataset, train and classify. Downloads are not kept: they are rerun from the job that needed them.
#pragma once

#include "ui/engine_types.h"

#include <QString>
#include <QStringList>
#include <QVector>

namespace pictor::ui {

struct StoredJob {
    // The router's kind: "generate", "score", "scoreAll", "compare", "dataset", "train", "classify", "grid"
    // (score and scoreAll share ScoreRequest but show their results in different places).
    QString kind;
    JobRequest request;
};

// job_queue.json in the folder of `settingsPath`.
QString jobQueuePath(const QString& settingsPath);

// Writes `jobs` to `path` atomically (an empty list removes the file). Returns false with
// `error` ("<path>: <reason>") when the file cannot be written.
bool saveJobQueue(const QString& path, const QVector<StoredJob>& jobs, QString* error = nullptr);

// Reads the jobs of `path` (none when the file does not exist). A file that is not a job queue
// gives no jobs and `error`; a job that cannot be read (unknown kind, missing field) is skipped
// and named in `error`, the others are returned.
QVector<StoredJob> loadJobQueue(const QString& path, QString* error = nullptr);

// The JSON form of one job, and back (false when `json` is not a job this studio runs).
QByteArray storedJobJson(const StoredJob& job);
bool parseStoredJob(const QByteArray& json, StoredJob* job, QString* error = nullptr);

}  // namespace pictor::ui
