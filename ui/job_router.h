// The studio's jobs, between its views and the EngineWorker: what each action submits, which view
// gets which result, the queued/running bookkeeping (the running job's status and progress), the
// errors (inline in a view, in the status bar or in a dialog) and, when a job fails for lack of a
// catalogue model, the offer to download it and run the job again.
#pragma once

#include "ui/engine_types.h"
#include "ui/job_queue_store.h"
#include "ui/studio_settings.h"

#include <QHash>
#include <QObject>

class QTabWidget;
class QWidget;

namespace pictor::ui {

class CompareView;
class EngineWorker;
class GalleryView;
class GridView;
class JobsView;
class PromptPanel;
class SamplerPanel;
class ScoringView;
class StatusReporter;
class TrainingView;

class JobRouter : public QObject {
    Q_OBJECT
public:
    // The window's parts the jobs read their inputs from and show their results in.
    struct Views {
        PromptPanel* prompt = nullptr;
        SamplerPanel* sampler = nullptr;
        QTabWidget* tabs = nullptr;  // its pages are the four views below
        GalleryView* gallery = nullptr;
        ScoringView* scoring = nullptr;
        CompareView* compare = nullptr;
        TrainingView* training = nullptr;
        JobsView* jobs = nullptr;
        GridView* grid = nullptr;  // optional: the parameter grid view
    };

    // `settings` (the output folder and the models the jobs use) is the window's and outlives the
    // router; `window` parents the dialogs.
    JobRouter(EngineWorker* worker, const Views& views, const StudioSettings* settings,
              StatusReporter* status, QWidget* window);

    // Job entry points (also reachable from the UI); each returns the job id, or 0 when the job
    // could not be queued (the reason is shown inline and in lastError()).
    int generate();
    int scoreImage(const QString& path);
    int scoreAll();
    int compareImage(const QString& path);
    int buildDataset();
    int train();
    int classify(const QString& path);
    // The grid view's axes over the prompt panel and sampler settings; cells go to <output>/grids.
    int runGrid();
    void cancelRunning();

    // The jobs that have not finished (queued and the running one, oldest first) as they would be
    // submitted again; queueChanged() is emitted whenever this list changes. Downloads are not
    // among them (a job waiting for its model's download is, once it is queued again).
    QVector<StoredJob> unfinishedJobs() const;
    // Submits a job of an earlier session again; returns its id, 0 for a kind this studio lacks.
    int runAgain(const StoredJob& job);

    // The last error reported, "where: message" ("" after a job was queued or an offer handled).
    const QString& lastError() const { return m_lastError; }
    // Shows an error: inline in the current view (or the status bar) or, with `dialog`, in a
    // non-blocking message box.
    void reportError(const QString& where, const QString& message, bool dialog);

Q_SIGNALS:
    // A generation was queued (its prompt and settings are worth keeping).
    void generationQueued();
    // A model was downloaded from a download offer: what lists models or reads them reloads.
    void modelDownloaded();
    void modelManagerRequested();
    // A job was queued, started or finished: unfinishedJobs() may have changed.
    void queueChanged();

private:
    enum class Kind { Generate, Score, ScoreAll, Compare, Dataset, Train, Classify, Grid };
    struct JobRecord {
        Kind kind;
        QString title;
        JobRequest request;  // what ran (its seed, and to run it again after a model download)
    };

    void connectWorker();
    // Queues the job and puts the views in their running state; returns the job id.
    int submit(Kind kind, const JobRequest& request);
    // A job failed because a catalogue model is missing: offer to download it and run the job again.
    void offerDownload(const JobRecord& failed, const MissingModel& model, const QString& message);
    void onJobStarted(int id);
    void onJobProgress(int id, const QString& stage, int step, int total, double eta);
    void onJobFinished(int id, JobState state, const QString& message);
    void showView(QWidget* view);
    QWidget* currentView() const;

    EngineWorker* m_worker;
    Views m_views;
    const StudioSettings* m_settings;
    StatusReporter* m_status;
    QWidget* m_window;

    QHash<int, JobRecord> m_records;
    QHash<int, MissingModel> m_missingModels;    // failed job id -> the model it lacked
    QHash<int, JobRecord> m_retryAfterDownload;  // download job id -> the job to run again
    int m_running = 0;
    QString m_lastError;
};

}  // namespace pictor::ui
