#include "ui/job_router.h"

#include "ui/compare_view.h"
#include "ui/engine_worker.h"
#include "ui/format_bytes.h"
#include "ui/gallery_view.h"
#include "ui/grid_view.h"
#include "ui/jobs_view.h"
#include "ui/prompt_panel.h"
#include "ui/sampler_panel.h"
#include "ui/scoring_view.h"
#include "ui/status_reporter.h"
#include "ui/training_view.h"

#include <QLocale>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRandomGenerator>
#include <QTabWidget>

#include <algorithm>
#include <iterator>

namespace pictor::ui {

JobRouter::JobRouter(EngineWorker* worker, const Views& views, const StudioSettings* settings,
                     StatusReporter* status, QWidget* window)
    : QObject(window),
      m_worker(worker),
      m_views(views),
      m_settings(settings),
      m_status(status),
      m_window(window) {
    connectWorker();

    connect(m_views.prompt, &PromptPanel::generateRequested, this, &JobRouter::generate);
    connect(m_views.scoring, &ScoringView::scoreRequested, this,
            [this](const QString& path, const QStringList&) { scoreImage(path); });
    connect(m_views.scoring, &ScoringView::scoreAllRequested, this, [this] { scoreAll(); });
    connect(m_views.compare, &CompareView::compareRequested, this, &JobRouter::compareImage);
    connect(m_views.training, &TrainingView::buildDatasetRequested, this, &JobRouter::buildDataset);
    connect(m_views.training, &TrainingView::trainRequested, this, &JobRouter::train);
    connect(m_views.training, &TrainingView::classifyRequested, this, &JobRouter::classify);
    connect(m_views.training, &TrainingView::stopRequested, this, [this] {
        for (auto it = m_records.cbegin(); it != m_records.cend(); ++it) {
            if ((it->kind == Kind::Train || it->kind == Kind::Dataset) &&
                m_views.jobs->state(it.key()) <= JobState::Running) {
                m_worker->cancel(it.key());
            }
        }
    });
    connect(m_views.jobs, &JobsView::cancelRequested, this, [this](int id) { m_worker->cancel(id); });
    if (m_views.grid) {
        connect(m_views.grid, &GridView::runRequested, this, &JobRouter::runGrid);
        connect(m_views.grid, &GridView::cancelRequested, this, [this] {
            for (auto it = m_records.cbegin(); it != m_records.cend(); ++it)
                if (it->kind == Kind::Grid && m_views.jobs->state(it.key()) <= JobState::Running) m_worker->cancel(it.key());
        });
    }
}

void JobRouter::showView(QWidget* view) { m_views.tabs->setCurrentWidget(view); }
QWidget* JobRouter::currentView() const { return m_views.tabs->currentWidget(); }

void JobRouter::connectWorker() {
    EngineWorker* w = m_worker;
    connect(w, &EngineWorker::jobQueued, m_views.jobs, &JobsView::addJob);
    connect(w, &EngineWorker::jobStarted, this, &JobRouter::onJobStarted);
    connect(w, &EngineWorker::jobProgress, this, &JobRouter::onJobProgress);
    connect(w, &EngineWorker::modelMissing, this,
            [this](int id, const MissingModel& m) { m_missingModels.insert(id, m); });
    connect(w, &EngineWorker::jobFinished, this, &JobRouter::onJobFinished);
    connect(w, &EngineWorker::jobMessage, this,
            [this](int, const QString& text) { m_status->showMessage(text, 4000); });
    connect(w, &EngineWorker::jobPreview, m_views.gallery, &GalleryView::showPreview);
    connect(w, &EngineWorker::imageGenerated, this, [this](int id, const GalleryItem& item) {
        const auto rec = m_records.value(id);
        if (rec.kind == Kind::Dataset) return;  // dataset images live in the dataset folder
        m_views.gallery->addImage(item, id);
        if (const auto* g = std::get_if<GenerateRequest>(&rec.request); g && g->params.seed >= 0)
            m_views.sampler->setLastSeed(g->params.seed);
    });
    connect(w, &EngineWorker::scoreReady, this, [this](int id, const ScoreResult& r) {
        if (m_records.value(id).kind == Kind::ScoreAll) {
            m_views.scoring->appendTableRow(r);
        } else {
            m_views.scoring->showResult(r);
        }
    });
    connect(w, &EngineWorker::compareReady, this,
            [this](int, const CompareResult& r) { m_views.compare->showResult(r); });
    connect(w, &EngineWorker::epochFinished, this,
            [this](int, const EpochMetrics& m) { m_views.training->addEpoch(m); });
    connect(w, &EngineWorker::batchLoss, m_views.training,
            [this](int, int epoch, int batch, int batches, double loss) {
                m_views.training->addBatchLoss(epoch, batch, batches, loss);
            });
    connect(w, &EngineWorker::evaluationReady, this,
            [this](int, const TrainingEvaluation& e) { m_views.training->showEvaluation(e); });
    connect(w, &EngineWorker::classifyReady, this,
            [this](int, const ClassifyResult& r) { m_views.training->showClassification(r); });
    if (m_views.grid) {
        connect(w, &EngineWorker::gridCellReady, m_views.grid, [this](int, const GridCellResult& c) { m_views.grid->addCell(c); });
        connect(w, &EngineWorker::gridReady, m_views.grid, [this](int, const GridResult& r) { m_views.grid->finishRun(r); });
        // A grid's previews are its cells being made: the gallery shows no placeholder for them.
    }
}

namespace {
// The kinds' names in the job queue file (job_queue_store.h).
const char* const kKindNames[] = {"generate", "score", "scoreAll", "compare", "dataset", "train", "classify", "grid"};
}  // namespace

QVector<StoredJob> JobRouter::unfinishedJobs() const {
    QList<int> ids = m_records.keys();
    std::sort(ids.begin(), ids.end());  // ids grow: the order they were queued in
    QVector<StoredJob> out;
    for (int id : ids) {
        if (m_views.jobs->state(id) > JobState::Running) continue;
        const JobRecord& rec = m_records[id];
        out << StoredJob{QString::fromLatin1(kKindNames[int(rec.kind)]), rec.request};
    }
    return out;
}

int JobRouter::runAgain(const StoredJob& job) {
    for (int k = 0; k < int(std::size(kKindNames)); ++k) {
        if (job.kind == QLatin1String(kKindNames[k])) return submit(Kind(k), job.request);
    }
    return 0;
}

int JobRouter::submit(Kind kind, const JobRequest& request) {
    m_lastError.clear();
    const int id = m_worker->submit(request);
    m_records.insert(id, JobRecord{kind, jobTitle(request), request});
    Q_EMIT queueChanged();
    // What the views show while the job runs (the same for a first run and a retry).
    switch (kind) {
        case Kind::Generate: {
            const GenerationParams& params = std::get<GenerateRequest>(request).params;
            m_views.gallery->beginJob(id, params.imagesPerPrompt);
            showView(m_views.gallery);
            break;
        }
        case Kind::ScoreAll:
            m_views.scoring->clearTable();
            break;
        case Kind::Dataset:
            m_views.training->setDatasetRunning(true);
            break;
        case Kind::Train:
            m_views.training->resetCharts(std::get<TrainRequest>(request).epochs);
            m_views.training->setTrainingRunning(true);
            break;
        case Kind::Grid:
            if (m_views.grid) {
                m_views.grid->beginRun();
                m_views.grid->setBusy(true);
                m_views.grid->showError({});
                showView(m_views.grid);
            }
            break;
        default:
            break;
    }
    return id;
}

int JobRouter::generate() {
    GenerationParams params = m_views.sampler->params();
    params.prompt = m_views.prompt->prompt();
    params.negativePrompt = m_views.prompt->negativePrompt();
    params.initImage = m_views.prompt->initImage();  // "" = text-to-image
    params.strength = m_views.prompt->strength();
    if (params.prompt.isEmpty()) {
        reportError(tr("Generate"), tr("The prompt is empty: describe the image you want in the Prompt box."),
                    false);
        m_views.prompt->promptEdit()->setFocus();
        return 0;
    }
    if (params.width % 8 != 0 || params.height % 8 != 0) {
        reportError(tr("Generate"),
                    tr("Width and height must be multiples of 8 (they are %1×%2).")
                        .arg(params.width)
                        .arg(params.height),
                    false);
        return 0;
    }
    // The studio draws random seeds itself so every image's seed is known and reusable.
    if (params.seed < 0) params.seed = qint64(QRandomGenerator::global()->bounded(quint32(0xFFFFFFFFu)));
    const int id = submit(Kind::Generate, GenerateRequest{params, m_settings->outputFolder});
    Q_EMIT generationQueued();
    return id;
}

int JobRouter::scoreImage(const QString& path) {
    m_views.scoring->setImagePath(path);
    const QStringList labels = m_views.scoring->labels();
    if (labels.isEmpty()) {
        m_views.scoring->showError(tr("The label list is empty: add at least one label or pick a preset."));
        return 0;
    }
    return submit(Kind::Score, ScoreRequest{{path}, labels, m_settings->clipModel});
}

int JobRouter::scoreAll() {
    const QStringList paths = m_views.gallery->imagePaths();
    const QStringList labels = m_views.scoring->labels();
    if (paths.isEmpty()) {
        m_views.scoring->showError(
            tr("The gallery is empty: generate images first, or drop an image on the image box."));
        return 0;
    }
    if (labels.isEmpty()) {
        m_views.scoring->showError(tr("The label list is empty: add at least one label or pick a preset."));
        return 0;
    }
    return submit(Kind::ScoreAll, ScoreRequest{paths, labels, m_settings->clipModel});
}

int JobRouter::compareImage(const QString& path) {
    m_views.compare->setImagePath(path);
    const QStringList labels = m_views.scoring->labels();
    if (labels.isEmpty()) {
        m_views.compare->showError(
            tr("The Scoring view's label list is empty: CLIP needs labels to compare."));
        return 0;
    }
    return submit(Kind::Compare,
                  CompareRequest{path, labels, m_settings->clipModel, m_settings->resnet50Model});
}

int JobRouter::buildDataset() {
    DatasetRequest r = m_views.training->datasetRequest();
    r.params = m_views.sampler->params();
    if (r.params.seed < 0) r.params.seed = 0;
    return submit(Kind::Dataset, r);
}

int JobRouter::train() {
    TrainRequest r = m_views.training->trainRequest();
    r.resnetModel = m_settings->resnet18Model;
    return submit(Kind::Train, r);
}

int JobRouter::runGrid() {
    if (!m_views.grid) return 0;
    GridRequest r;
    r.params = m_views.sampler->params();
    r.params.prompt = m_views.prompt->prompt();
    r.params.negativePrompt = m_views.prompt->negativePrompt();
    r.params.initImage = m_views.prompt->initImage();
    r.params.strength = m_views.prompt->strength();
    r.params.imagesPerPrompt = 1;
    if (r.params.prompt.isEmpty()) {
        m_views.grid->showError(tr("The prompt is empty: the grid varies the Generate panel's prompt and settings."));
        return 0;
    }
    const QString problem = m_views.grid->validationError();
    if (!problem.isEmpty()) {
        m_views.grid->showError(problem);
        return 0;
    }
    // One seed for every cell, drawn here so the grid can be rerun (and its cells reused).
    if (r.params.seed < 0) r.params.seed = qint64(QRandomGenerator::global()->bounded(quint32(0xFFFFFFFFu)));
    r.outputFolder = m_settings->outputFolder + QStringLiteral("/grids");
    r.axes = m_views.grid->axes();
    if (m_views.grid->scoring()) {
        r.labels = m_views.grid->labels();
        r.clipModel = m_settings->clipModel;
        r.heatLabel = m_views.grid->heatLabel();
    }
    return submit(Kind::Grid, r);
}

int JobRouter::classify(const QString& path) {
    return submit(Kind::Classify, ClassifyRequest{path, m_views.training->classifier()});
}

void JobRouter::cancelRunning() {
    if (m_running) m_worker->cancel(m_running);
}

void JobRouter::onJobStarted(int id) {
    m_running = id;
    m_views.jobs->setStarted(id);
    if (m_records.contains(id)) Q_EMIT queueChanged();
    const JobRecord rec = m_records.value(id);
    m_status->setStatus(rec.title.isEmpty() ? tr("Job #%1").arg(id) : rec.title);
    m_status->showProgress(0, 0, -1.0);
    switch (rec.kind) {
        case Kind::Score:
        case Kind::ScoreAll:
            m_views.scoring->setBusy(true);
            break;
        case Kind::Compare:
            m_views.compare->setBusy(true);
            break;
        default:
            break;
    }
}

void JobRouter::onJobProgress(int id, const QString& stage, int step, int total, double eta) {
    m_views.jobs->setProgress(id, stage, step, total, eta);
    if (id != m_running) return;
    const JobRecord rec = m_records.value(id);
    m_status->setStatus(stage.isEmpty() ? rec.title : QStringLiteral("%1 — %2").arg(rec.title, stage));
    m_status->showProgress(step, total, eta);
    if (rec.kind == Kind::Dataset) m_views.training->setDatasetProgress(step, total);
    if (rec.kind == Kind::Train && total > 0) m_views.training->setTrainingProgress(step, total, eta);
}

void JobRouter::onJobFinished(int id, JobState state, const QString& message) {
    m_views.jobs->setFinished(id, state, message);
    if (m_records.contains(id)) Q_EMIT queueChanged();
    if (!m_records.contains(id)) {  // a download (here or in the model manager): it reports itself
        if (id == m_running) {
            m_running = 0;
            m_status->hideProgress();
            m_status->setStatus(tr("%1: job #%2").arg(jobStateName(state)).arg(id));
        }
        if (m_retryAfterDownload.contains(id)) {
            const JobRecord retry = m_retryAfterDownload.take(id);
            if (state == JobState::Done) {
                // The new model's tokenizer and files are on disk now: what shows them reloads.
                Q_EMIT modelDownloaded();
                m_status->showMessage(tr("Download complete: running “%1” again").arg(retry.title), 8000);
                submit(retry.kind, retry.request);
            } else if (state == JobState::Failed) {
                reportError(tr("Download"), tr("%1\n\n“%2” was not run again.").arg(message, retry.title),
                            true);
            } else {
                m_status->showMessage(tr("Download cancelled: “%1” was not run again").arg(retry.title),
                                      8000);
            }
        }
        return;
    }
    const JobRecord rec = m_records.value(id);
    if (id == m_running) {
        m_running = 0;
        m_status->hideProgress();
        m_status->setStatus(state == JobState::Done        ? tr("Done: %1").arg(rec.title)
                            : state == JobState::Cancelled ? tr("Cancelled: %1").arg(rec.title)
                                                           : tr("Failed: %1").arg(rec.title));
    }
    switch (rec.kind) {
        case Kind::Generate:
            m_views.gallery->endJob(id);
            break;
        case Kind::Score:
        case Kind::ScoreAll:
            m_views.scoring->setBusy(false);
            break;
        case Kind::Compare:
            m_views.compare->setBusy(false);
            break;
        case Kind::Dataset:
            m_views.training->setDatasetRunning(false);
            break;
        case Kind::Train:
            m_views.training->setTrainingRunning(false);
            break;
        case Kind::Classify:
            break;
        case Kind::Grid:
            if (m_views.grid) m_views.grid->setBusy(false);
            break;
    }
    if (state != JobState::Failed) return;
    switch (rec.kind) {
        case Kind::Score:
        case Kind::ScoreAll:
            m_views.scoring->showError(message);
            break;
        case Kind::Compare:
            m_views.compare->showError(message);
            break;
        case Kind::Dataset:
        case Kind::Train:
            m_views.training->showError(message);
            break;
        case Kind::Grid:
            if (m_views.grid) m_views.grid->showError(message);
            break;
        default:
            break;
    }
    if (m_missingModels.contains(id)) {
        offerDownload(rec, m_missingModels.take(id), message);
        return;
    }
    // Generation has no inline place for errors: it gets a dialog; the other views show theirs inline.
    reportError(rec.title, message, rec.kind == Kind::Generate || rec.kind == Kind::Classify);
}

void JobRouter::offerDownload(const JobRecord& failed, const MissingModel& model, const QString& message) {
    m_lastError = QStringLiteral("%1: %2").arg(failed.title, message);
    m_status->showMessage(tr("%1 is not on this computer yet").arg(model.title), 8000);
    const QString size =
        model.approxSize > 0
            ? tr(" (about %1)")
                  .arg(formatBytes(model.approxSize))
            : QString();
    // Non-blocking like every other message: the studio keeps running while it is open.
    auto* box =
        new QMessageBox(QMessageBox::Question, tr("Download %1?").arg(model.title),
                        tr("This job needs %2, which is not on this computer yet:\n\n%1\n\n"
                           "Download it now%3? It goes into the same cache the Python tools use, and the "
                           "job runs again as soon as the download is complete.")
                            .arg(failed.title, model.title, size),
                        QMessageBox::Cancel, m_window);
    box->setObjectName(QStringLiteral("downloadOffer"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setDetailedText(message);
    QPushButton* download = box->addButton(tr("&Download and run again"), QMessageBox::AcceptRole);
    download->setObjectName(QStringLiteral("downloadAndRetry"));
    QPushButton* manager = box->addButton(tr("Open model &manager"), QMessageBox::ActionRole);
    box->setDefaultButton(download);
    connect(download, &QPushButton::clicked, this, [this, failed, model] {
        m_lastError.clear();  // handled: the next error is the download's or the retry's
        const int id = m_worker->submit(DownloadRequest{model.entryName, QString()});
        m_retryAfterDownload.insert(id, failed);
    });
    connect(manager, &QPushButton::clicked, this, &JobRouter::modelManagerRequested);
    box->open();
}

void JobRouter::reportError(const QString& where, const QString& message, bool dialog) {
    m_lastError = QStringLiteral("%1: %2").arg(where, message);
    if (!dialog) {
        QWidget* view = currentView();
        if (view == m_views.scoring) {
            m_views.scoring->showError(message);
        } else if (view == m_views.compare) {
            m_views.compare->showError(message);
        } else if (view == m_views.training) {
            m_views.training->showError(message);
        } else {
            // No inline place: the message itself is the status bar's one text (a "see the
            // message" pointing at nothing would only replace it).
            m_status->showMessage(message, 10000);
            return;
        }
    }
    m_status->showMessage(tr("%1 failed — see the message").arg(where), 8000);
    if (!dialog) return;
    // Non-blocking: the window keeps running (and tests never hang on a modal loop).
    auto* box = new QMessageBox(QMessageBox::Warning, where, message, QMessageBox::Ok, m_window);
    box->setAttribute(Qt::WA_DeleteOnClose);
    if (message.contains(QLatin1String("model manager"), Qt::CaseInsensitive)) {
        QPushButton* open = box->addButton(tr("Open model manager"), QMessageBox::ActionRole);
        connect(open, &QPushButton::clicked, this, &JobRouter::modelManagerRequested);
    }
    box->open();
}

}  // namespace pictor::ui
