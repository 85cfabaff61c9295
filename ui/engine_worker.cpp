#include "ui/engine_worker.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "ui/engine_backend.h"

#include <QMutexLocker>

#include <algorithm>
#include <exception>

namespace pictor::ui {

// ---- JobContext --------------------------------------------------------------------------------

JobContext::JobContext(EngineWorker* worker, int id, std::shared_ptr<std::atomic<bool>> cancelFlag)
    : m_worker(worker), m_id(id), m_cancel(std::move(cancelFlag)) {
    m_stageClock.start();
}

void JobContext::stage(const QString& name) {
    m_stage = name;
    m_stageClock.restart();
    m_anchorStep = 0;
    m_anchorMs = 0;
    m_lastStep = 0;
    m_lastStepMs = 0;
    m_measuring = false;
    m_lastProgress.invalidate();
    Q_EMIT m_worker->jobProgress(m_id, name, 0, 0, -1.0);
}

void JobContext::step(int step, int total) {
    // Steps closer together than this did no work (a file that was already there): until a step
    // takes time, each one moves the start of the measured steps instead of counting as one.
    constexpr qint64 kInstantMsPerStep = 2;
    const qint64 now = m_stageClock.elapsed();
    const int advanced = std::max(1, step - m_lastStep);
    if (!m_measuring) {
        if (now - m_lastStepMs < kInstantMsPerStep * advanced) {
            m_anchorStep = step;
            m_anchorMs = now;
        } else {
            m_measuring = true;
        }
    }
    m_lastStepMs = now;
    m_lastStep = step;
    double eta = -1.0;
    if (m_measuring && step > m_anchorStep && total > 0) {
        const double perStep = (now - m_anchorMs) / 1000.0 / (step - m_anchorStep);
        eta = perStep * (total - step);
    }
    progress(step, total, eta);
}

void JobContext::timing(int step, int total, double etaSeconds) { progress(step, total, etaSeconds); }

void JobContext::progress(int step, int total, double etaSeconds) {
    // The last step always goes out so that a view never stays at 95 %.
    const bool last = step >= total;
    if (!last && m_lastProgress.isValid() && m_lastProgress.elapsed() < kMinIntervalMs) return;
    m_lastProgress.restart();
    Q_EMIT m_worker->jobProgress(m_id, m_stage, step, total, etaSeconds);
}

void JobContext::preview(const QImage& image) {
    if (m_lastPreview.isValid() && m_lastPreview.elapsed() < kMinIntervalMs) return;
    m_lastPreview.restart();
    QImage small = image;
    if (image.width() > kPreviewSize || image.height() > kPreviewSize) {
        small = image.scaled(kPreviewSize, kPreviewSize, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    }
    Q_EMIT m_worker->jobPreview(m_id, small);
}

void JobContext::message(const QString& text) { Q_EMIT m_worker->jobMessage(m_id, text); }
void JobContext::image(const GalleryItem& item) { Q_EMIT m_worker->imageGenerated(m_id, item); }
void JobContext::score(const ScoreResult& result) { Q_EMIT m_worker->scoreReady(m_id, result); }
void JobContext::compare(const CompareResult& result) { Q_EMIT m_worker->compareReady(m_id, result); }
void JobContext::epoch(const EpochMetrics& metrics) { Q_EMIT m_worker->epochFinished(m_id, metrics); }
void JobContext::batchLoss(int epoch, int batch, int batchesPerEpoch, double loss) {
    Q_EMIT m_worker->batchLoss(m_id, epoch, batch, batchesPerEpoch, loss);
}
void JobContext::evaluation(const TrainingEvaluation& evaluation) {
    Q_EMIT m_worker->evaluationReady(m_id, evaluation);
}
void JobContext::classify(const ClassifyResult& result) { Q_EMIT m_worker->classifyReady(m_id, result); }
void JobContext::gridCell(const GridCellResult& cell) { Q_EMIT m_worker->gridCellReady(m_id, cell); }
void JobContext::grid(const GridResult& result) { Q_EMIT m_worker->gridReady(m_id, result); }

// ---- EngineWorker ------------------------------------------------------------------------------

EngineWorker::EngineWorker(QObject* parent) : QObject(parent) { registerEngineTypes(); }

EngineWorker::~EngineWorker() = default;

int EngineWorker::submit(const JobRequest& request) {
    int id = 0;
    {
        QMutexLocker lock(&m_mutex);
        id = m_nextId++;
        auto flag = std::make_shared<std::atomic<bool>>(false);
        m_queue.push_back(Pending{id, request, flag});
        m_flags[id] = flag;
    }
    Q_EMIT jobQueued(id, jobTitle(request));
    // One queued call per job: the worker's loop runs them in order, one at a time.
    QMetaObject::invokeMethod(this, &EngineWorker::runNext, Qt::QueuedConnection);
    return id;
}

void EngineWorker::cancel(int id) {
    QMutexLocker lock(&m_mutex);
    const auto it = m_flags.find(id);
    if (it != m_flags.end()) it->second->store(true);
}

void EngineWorker::cancelAll() {
    QMutexLocker lock(&m_mutex);
    for (auto& [id, flag] : m_flags) flag->store(true);
}

void EngineWorker::runNext() {
    Pending job;
    {
        QMutexLocker lock(&m_mutex);
        if (m_queue.empty()) return;
        job = std::move(m_queue.front());
        m_queue.pop_front();
    }
    JobContext context(this, job.id, job.cancel);
    auto finish = [&](JobState state, const QString& message) {
        {
            QMutexLocker lock(&m_mutex);
            m_flags.erase(job.id);
        }
#ifdef __GLIBC__
        // A job frees its large buffers (a training run's model, activations, datasets) in the
        // middle of the heap, where glibc keeps them; without this the soak test's process grew
        // by ~40 MB per training job. Returning the free pages costs well under a millisecond.
        malloc_trim(0);
#endif
        Q_EMIT jobFinished(job.id, state, message);
    };
    if (job.cancel->load() || QThread::currentThread()->isInterruptionRequested()) {
        finish(JobState::Cancelled, {});
        return;
    }
    Q_EMIT jobStarted(job.id);
    // No exception may cross the thread boundary: everything ends here as one signal.
    try {
        if (!m_backend) m_backend = std::make_unique<EngineBackend>();
        m_backend->run(job.request, context);
        finish(job.cancel->load() ? JobState::Cancelled : JobState::Done, {});
    } catch (const JobError& e) {
        QString message = QString::fromStdString(e.what());
        if (!e.hint().isEmpty()) message += QStringLiteral("\n\n") + e.hint();
        if (e.missingModel()) Q_EMIT modelMissing(job.id, *e.missingModel());
        finish(JobState::Failed, message);
    } catch (const std::exception& e) {
        finish(JobState::Failed, QString::fromStdString(e.what()));
    } catch (...) {
        finish(JobState::Failed, QStringLiteral("unknown error in the engine"));
    }
}

// ---- EngineThread ------------------------------------------------------------------------------

EngineThread::EngineThread(QObject* parent) : QObject(parent), m_worker(new EngineWorker) {
    m_thread.setObjectName(QStringLiteral("pictor-engine"));
    m_worker->moveToThread(&m_thread);
    m_thread.start();
}

EngineThread::~EngineThread() { shutdown(); }

void EngineThread::shutdown() {
    if (!m_worker) return;
    m_worker->cancelAll();
    m_thread.requestInterruption();
    m_thread.quit();
    m_thread.wait();
    // The thread has stopped: deleting the worker from here is safe.
    delete m_worker;
    m_worker = nullptr;
}

}  // namespace pictor::ui
