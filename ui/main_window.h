// The studio's main window: the layout of the prompt and sampler panels, the four views, the jobs
// list and the status bar, its menus and settings. It owns the one EngineWorker thread; what goes
// to the worker and where its results go is the JobRouter's, every status text the StatusReporter's.
#pragma once

#include "ui/engine_types.h"
#include "ui/studio_settings.h"

#include <QMainWindow>

class QTabWidget;

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

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    enum class View { Gallery, Scoring, Compare, Training };

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
    EngineWorker* worker() const;
    void showModelManager();

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
    StatusReporter* m_status;
    JobRouter* m_router;

    ModelManagerDialog* m_modelManager = nullptr;
    QString m_tokenizerModel;  // the model whose tokenizer counts the prompt
};

}  // namespace pictor::ui
