// The studio's main window: prompt and sampler panels, the four views, the jobs list and the
// status bar, all driven by one EngineWorker thread.
#pragma once

#include "ui/engine_types.h"
#include "ui/studio_settings.h"

#include <QHash>
#include <QMainWindow>

class QLabel;
class QProgressBar;
class QTabWidget;

namespace pictor::ui {

class CompareView;
class EngineThread;
class EngineWorker;
class GalleryView;
class JobsView;
class ModelManagerDialog;
class PromptPanel;
class SamplerPanel;
class ScoringView;
class TokenCounter;
class TrainingView;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    enum class View { Gallery, Scoring, Compare, Training };

    // Loads settings from `settingsPath` ("" → studioSettingsPath()); an invalid file is reported
    // (dialog once the window shows) and the defaults are used without overwriting it.
    explicit MainWindow(const QString& settingsPath = {}, QWidget* parent = nullptr);
    ~MainWindow() override;

    void showView(View view);
    View currentView() const;
    static bool parseView(const QString& name, View* view);

    // The settings as the panels show them now, and writing them to settings.yaml.
    StudioSettings currentSettings() const;
    bool saveSettings();
    const QString& settingsPath() const { return m_settingsPath; }
    // Where generated images go (also the gallery's folder) and which models the jobs use.
    void setOutputFolder(const QString& folder);
    void setModelReferences(const QString& clip, const QString& resnet50, const QString& resnet18);

    // Job entry points (also reachable from the UI); each returns the job id, or 0 when the job
    // could not be queued (the reason is shown inline and in lastError()).
    int generate();
    int scoreImage(const QString& path);
    int scoreAll();
    int compareImage(const QString& path);
    int buildDataset();
    int train();
    int classify(const QString& path);
    void cancelRunning();

    // Restores the prompt and sampler panels from an image's parameters.
    void reuseParameters(const GenerationParams& params);

    PromptPanel* promptPanel() const { return m_prompt; }
    SamplerPanel* samplerPanel() const { return m_sampler; }
    GalleryView* gallery() const { return m_gallery; }
    ScoringView* scoring() const { return m_scoring; }
    CompareView* comparison() const { return m_compare; }
    TrainingView* training() const { return m_training; }
    JobsView* jobs() const { return m_jobs; }
    EngineWorker* worker() const;
    TokenCounter* tokenCounter() const { return m_tokens; }
    int runningJob() const { return m_running; }
    const QString& lastError() const { return m_lastError; }
    QProgressBar* statusProgress() const { return m_progress; }
    void showModelManager();
    ModelManagerDialog* modelManager() const { return m_modelManager; }

protected:
    void closeEvent(QCloseEvent* event) override;
    void showEvent(QShowEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    enum class Kind { Generate, Score, ScoreAll, Compare, Dataset, Train, Classify };
    struct JobRecord {
        Kind kind;
        QString title;
        JobRequest request;  // what ran (its seed, and to run it again after a model download)
    };

    void buildMenus();
    void buildStatusBar();
    void applySettings(const StudioSettings& settings);
    void connectWorker();
    // Queues the job and puts the views in their running state; returns the job id.
    int submit(Kind kind, const JobRequest& request);
    // A job failed because a catalogue model is missing: offer to download it and run the job again.
    void offerDownload(const JobRecord& failed, const MissingModel& model, const QString& message);
    void reportError(const QString& where, const QString& message, bool dialog);
    void onJobStarted(int id);
    void onJobProgress(int id, const QString& stage, int step, int total, double eta);
    void onJobFinished(int id, JobState state, const QString& message);
    void addToDataset(const QString& path, const QString& className);
    void showAbout();

    QString m_settingsPath;
    StudioSettings m_settings;
    QString m_settingsProblem;  // shown once the window is visible
    bool m_settingsWritable = true;

    EngineThread* m_engine;
    TokenCounter* m_tokens;
    PromptPanel* m_prompt;
    SamplerPanel* m_sampler;
    QTabWidget* m_tabs;
    GalleryView* m_gallery;
    ScoringView* m_scoring;
    CompareView* m_compare;
    TrainingView* m_training;
    JobsView* m_jobs;

    QLabel* m_statusText;
    QProgressBar* m_progress;
    QLabel* m_eta;

    ModelManagerDialog* m_modelManager = nullptr;
    QString m_tokenizerModel;  // the model whose tokenizer counts the prompt
    QHash<int, JobRecord> m_records;
    QHash<int, MissingModel> m_missingModels;      // failed job id -> the model it lacked
    QHash<int, JobRecord> m_retryAfterDownload;    // download job id -> the job to run again
    int m_running = 0;
    QString m_lastError;
};

}  // namespace pictor::ui
