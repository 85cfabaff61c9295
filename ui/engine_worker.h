// The studio's one background worker: every engine call runs here, never on the UI thread.
//
// EngineWorker is a QObject that lives in its own QThread (EngineThread owns both). Jobs are
// submitted from any thread with submit(); they wait in one FIFO queue and run one at a time.
// Results and progress come back as queued signals carrying values. cancel() sets the job's
// atomic flag directly (the worker's event loop is busy while a job runs, so a queued message
// would arrive too late); the engine reads it at each step. Every exception is caught at the
// slot boundary and turned into one jobFinished(Failed, message) signal.
#pragma once

#include "ui/engine_types.h"

#include <QElapsedTimer>
#include <QImage>
#include <QMutex>
#include <QObject>
#include <QThread>

#include <atomic>
#include <deque>
#include <map>
#include <memory>

namespace pictor::ui {

class EngineBackend;
class EngineWorker;

// Handed to the backend for the duration of one job: progress, previews, results, cancel flag.
// Progress and previews are throttled (~20 signals/s); previews are downscaled before emitting.
// Used only on the worker thread.
class JobContext {
public:
    JobContext(EngineWorker* worker, int id, std::shared_ptr<std::atomic<bool>> cancelFlag);

    int id() const { return m_id; }
    bool cancelled() const { return m_cancel->load(); }

    void stage(const QString& name);
    // Progress with an ETA measured from the stage's own steps: the time per step since the first
    // step that took time, so a burst of steps that cost nothing (a resumed dataset's images that
    // are already there) does not make the rest look instant. Unknown (-1) until one is measured.
    void step(int step, int total);
    // Progress with the engine's own ETA (it knows what is left after the steps, e.g. decoding).
    void timing(int step, int total, double etaSeconds);
    void preview(const QImage& image);
    void message(const QString& text);

    void image(const GalleryItem& item);
    void score(const ScoreResult& result);
    void compare(const CompareResult& result);
    void epoch(const EpochMetrics& metrics);
    void batchLoss(int epoch, int batch, int batchesPerEpoch, double loss);
    void evaluation(const TrainingEvaluation& evaluation);
    void classify(const ClassifyResult& result);
    void gridCell(const GridCellResult& cell);
    void grid(const GridResult& result);

    static constexpr int kMinIntervalMs = 50;  // at most ~20 progress signals per second
    static constexpr int kPreviewSize = 256;   // longest side of an emitted preview

private:
    void progress(int step, int total, double etaSeconds);

    EngineWorker* m_worker;
    int m_id;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    QString m_stage;
    QElapsedTimer m_stageClock;
    // Where the measured steps begin: the step count and clock time of the last instant step.
    int m_anchorStep = 0;
    qint64 m_anchorMs = 0;
    int m_lastStep = 0;
    qint64 m_lastStepMs = 0;
    bool m_measuring = false;  // a step that took time was seen: the anchor stays
    QElapsedTimer m_lastProgress;
    QElapsedTimer m_lastPreview;
};

class EngineWorker : public QObject {
    Q_OBJECT
public:
    explicit EngineWorker(QObject* parent = nullptr);
    ~EngineWorker() override;

    // Thread-safe. Queues the job and returns its id (jobQueued is emitted right away).
    int submit(const JobRequest& request);
    // Thread-safe. Cancels a queued job, or asks a running one to stop at its next step.
    void cancel(int id);
    void cancelAll();

Q_SIGNALS:
    void jobQueued(int id, const QString& title);
    void jobStarted(int id);
    void jobProgress(int id, const QString& stage, int step, int total, double etaSeconds);
    void jobPreview(int id, const QImage& preview);
    void jobMessage(int id, const QString& text);
    // state is Done, Failed or Cancelled; message explains a failure and the way forward.
    void jobFinished(int id, pictor::ui::JobState state, const QString& message);
    // Emitted just before jobFinished(Failed) when the job failed for lack of a catalogue model.
    void modelMissing(int id, const pictor::ui::MissingModel& model);

    void imageGenerated(int id, const pictor::ui::GalleryItem& item);
    void scoreReady(int id, const pictor::ui::ScoreResult& result);
    void compareReady(int id, const pictor::ui::CompareResult& result);
    void epochFinished(int id, const pictor::ui::EpochMetrics& metrics);
    void batchLoss(int id, int epoch, int batch, int batchesPerEpoch, double loss);
    void evaluationReady(int id, const pictor::ui::TrainingEvaluation& evaluation);
    void classifyReady(int id, const pictor::ui::ClassifyResult& result);
    void gridCellReady(int id, const pictor::ui::GridCellResult& cell);
    void gridReady(int id, const pictor::ui::GridResult& result);

private Q_SLOTS:
    void runNext();

private:
    friend class JobContext;
    struct Pending {
        int id;
        JobRequest request;
        std::shared_ptr<std::atomic<bool>> cancel;
    };
    mutable QMutex m_mutex;
    std::deque<Pending> m_queue;
    std::map<int, std::shared_ptr<std::atomic<bool>>> m_flags;  // queued + running
    int m_nextId = 1;
    std::unique_ptr<EngineBackend> m_backend;  // created lazily on the worker thread
};

// Owns the worker thread. Destruction is a clean shutdown: cancel everything, stop the loop
// (requestInterruption, quit, wait), then delete the worker.
class EngineThread : public QObject {
    Q_OBJECT
public:
    explicit EngineThread(QObject* parent = nullptr);
    ~EngineThread() override;
    EngineWorker* worker() const { return m_worker; }
    void shutdown();

private:
    QThread m_thread;
    EngineWorker* m_worker;
};

}  // namespace pictor::ui
