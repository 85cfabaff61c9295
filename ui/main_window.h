// The studio's main window: the layout of the prompt and sampler panels, the four views, the jobs
// list and the status bar, its menus and settings. It owns the one EngineWorker thread; what goes
// to the worker and where its results go is the JobRouter's, every status text the StatusReporter's.
#pragma once

#include "ui/engine_types.h"
#include "ui/job_queue_store.h"
#include "ui/studio_settings.h"

#include <QMainWindow>

class QTabWidget;
class QToolBar;

namespace pictor::ui {

class CompareView;
class EngineThread;
class EngineWorker;
class GalleryView;
class JobRouter;
class JobsView;
class ModelManagerDialog;
class PromptPanel;
class SamplerPanel;
class ScoringView;
class StatusReporter;
class TokenCounter;
class TrainingView;
class GridView;
class ImageViewer;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    enum class View { Gallery, Scoring, Compare, Training, Grid };

    // Loads settings from `settingsPath` ("" → studioSettingsPath()); an invalid file is reported
    // (dialog once the window shows) and the defaults are used without overwriting it.
    explicit MainWindow(const QString& settingsPath = {}, QWidget* parent = nullptr);
    ~MainWindow() override;

    void showView(View view);
    static bool parseView(const QString& name, View* view);

    // The settings as the panels show them now, and writing them to settings.yaml.
    StudioSettings currentSettings() const;
    bool saveSettings();
    // Where generated images go (also the gallery's folder).
    void setOutputFolder(const QString& folder);

    // The jobs: their entry points (generate, score, …) and the last error.
    JobRouter* jobRouter() const { return m_router; }

    // Restores the prompt and sampler panels from an image's parameters.
    void reuseParameters(const GenerationParams& params);

    GalleryView* gallery() const { return m_gallery; }
    JobsView* jobs() const { return m_jobs; }
    TrainingView* training() const { return m_training; }
    EngineWorker* worker() const;
    void showModelManager();
    // Edit → Preferences… (non-modal; accepting it applies and saves the settings).
    void showPreferences();
    // Opens the output folder in the file manager; says why (and offers to create it) when it cannot.
    void openOutputFolder();

    // Jobs of an earlier session that did not finish (job_queue.json beside settings.yaml), offered
    // in a bar over the views until they are run again or discarded.
    const QVector<StoredJob>& interruptedJobs() const { return m_interrupted; }
    void runInterruptedJobs();
    void discardInterruptedJobs();
    QString jobQueueFile() const { return m_queuePath; }

protected:
    void closeEvent(QCloseEvent* event) override;
    void showEvent(QShowEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void buildMenus();
    void applySettings(const StudioSettings& settings);
    void addToDataset(const QString& path, const QString& className);
    void showAbout();
    void applyPreferences(const StudioSettings& preferences);
    // Writes the unfinished jobs (the interrupted ones still offered, then this session's).
    void writeJobQueue();
    void offerInterruptedJobs();
    // Asked when the window closes while jobs are queued or running: false keeps it open.
    bool confirmCloseWithJobs();

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
    GridView* m_grid;
    ImageViewer* m_gridViewer = nullptr;  // the grid view's cells and pictures, full size
    JobsView* m_jobs;
    StatusReporter* m_status;
    JobRouter* m_router;

    ModelManagerDialog* m_modelManager = nullptr;
    QString m_queuePath;
    QVector<StoredJob> m_interrupted;
    QToolBar* m_interruptedBar = nullptr;
    bool m_fittedToScreen = false;  // the first show's size checked against the screen
    bool m_queueFrozen = false;  // quitting: the file keeps what the user chose to keep
    QString m_tokenizerModel;  // the model whose tokenizer counts the prompt
};

}  // namespace pictor::ui
