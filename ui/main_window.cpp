#include "ui/main_window.h"

#include "ui/wheel_guard.h"

#include "core/util/runtime.h"

#include "ui/app_icon.h"
#include "ui/charts.h"
#include "ui/compare_view.h"
#include "ui/engine_backend.h"
#include "ui/engine_worker.h"
#include "ui/gallery_view.h"
#include "ui/job_router.h"
#include "ui/jobs_view.h"
#include "ui/model_manager.h"
#include "ui/prompt_panel.h"
#include "ui/sampler_panel.h"
#include "ui/scoring_view.h"
#include "ui/status_reporter.h"
#include "ui/token_counter.h"
#include "ui/training_view.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDesktopServices>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QScrollArea>
#include <QShortcut>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTimer>
#include <QUrl>
#include <QVBoxLayout>

namespace pictor::ui {

MainWindow::MainWindow(const QString& settingsPath, QWidget* parent)
    : QMainWindow(parent), m_settingsPath(settingsPath.isEmpty() ? studioSettingsPath() : settingsPath) {
    registerEngineTypes();
    // No value changes under a scrolling wheel unless the field has the focus (removed with us).
    qApp->installEventFilter(new WheelGuard(this));
    setWindowTitle(QStringLiteral("Pictor"));
    setWindowIcon(appIcon());
    setAcceptDrops(true);
    setDockNestingEnabled(false);

    QStringList warnings;
    try {
        m_settings = loadStudioSettings(m_settingsPath, &warnings);
        if (!warnings.isEmpty()) {
            m_settingsProblem = tr("Some entries of %1 were not understood and are ignored:\n\n%2")
                                    .arg(m_settingsPath, warnings.join(QLatin1Char('\n')));
        }
    } catch (const std::exception& e) {
        m_settings = defaultStudioSettings();
        m_settingsWritable = false;  // never overwrite a file the user may want to repair
        m_settingsProblem = tr("The settings file could not be read, so the defaults are used for this session "
                               "(the file is left untouched):\n\n%1\n\nFix or delete %2 and restart Pictor.")
                                .arg(QString::fromUtf8(e.what()), m_settingsPath);
    }

    // settings.yaml's `threads` (0 = keep the start-up choice: $PICTOR_THREADS or one per CPU).
    if (m_settings.threads > 0) pictor::set_thread_count(m_settings.threads);
    m_engine = new EngineThread(this);
    m_tokens = new TokenCounter(this);

    // Left dock: prompt over sampler settings.
    auto* left = new QWidget;
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(10, 10, 10, 10);
    leftLayout->setSpacing(10);
    m_prompt = new PromptPanel(m_tokens, left);
    m_sampler = new SamplerPanel(left);
    leftLayout->addWidget(makeSection(tr("Prompt"), m_prompt, left), 3);
    leftLayout->addWidget(makeSection(tr("Sampler"), m_sampler, left), 0);
    auto* scroll = new QScrollArea;
    scroll->setWidget(left);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto* dock = new QDockWidget(tr("Generate"), this);
    dock->setObjectName(QStringLiteral("generateDock"));
    dock->setWidget(scroll);
    dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
    dock->setMinimumWidth(340);
    addDockWidget(Qt::LeftDockWidgetArea, dock);

    m_tabs = new QTabWidget(this);
    m_tabs->setDocumentMode(true);
    m_gallery = new GalleryView(m_tabs);
    m_scoring = new ScoringView(m_tabs);
    m_compare = new CompareView(m_tabs);
    m_training = new TrainingView(m_tabs);
    m_tabs->addTab(m_gallery, tr("&Gallery"));
    m_tabs->addTab(m_scoring, tr("&Scoring"));
    m_tabs->addTab(m_compare, tr("&Compare"));
    m_tabs->addTab(m_training, tr("&Training"));
    setCentralWidget(m_tabs);

    m_jobs = new JobsView;
    auto* jobsDock = new QDockWidget(tr("Jobs"), this);
    jobsDock->setObjectName(QStringLiteral("jobsDock"));
    jobsDock->setWidget(m_jobs);
    addDockWidget(Qt::BottomDockWidgetArea, jobsDock);
    resizeDocks({jobsDock}, {130}, Qt::Vertical);

    m_status = new StatusReporter(statusBar(), this);
    m_status->setStatus(tr("Ready"));
    const JobRouter::Views views{m_prompt, m_sampler, m_tabs, m_gallery, m_scoring, m_compare, m_training, m_jobs};
    m_router = new JobRouter(worker(), views, &m_settings, m_status, this);
    // A queued generation's prompt and sampler settings are the ones to find at the next start.
    connect(m_router, &JobRouter::generationQueued, this, &MainWindow::saveSettings);
    connect(m_router, &JobRouter::modelDownloaded, this, [this] {
        m_tokens->load(m_sampler->params().model);
        if (m_modelManager) m_modelManager->refresh();
    });
    connect(m_router, &JobRouter::modelManagerRequested, this, &MainWindow::showModelManager);
    buildMenus();
    applySettings(m_settings);

    connect(m_gallery, &GalleryView::reuseParametersRequested, this, &MainWindow::reuseParameters);
    connect(m_gallery, &GalleryView::scoreRequested, this, [this](const QString& path) {
        m_scoring->setImagePath(path);
        showView(View::Scoring);
    });
    connect(m_gallery, &GalleryView::compareRequested, this, [this](const QString& path) {
        m_compare->setImagePath(path);
        showView(View::Compare);
    });
    connect(m_gallery, &GalleryView::addToDatasetRequested, this, &MainWindow::addToDataset);
    auto showMessage = [this](const QString& text) { m_status->showMessage(text, 5000); };
    connect(m_gallery, &GalleryView::statusMessage, this, showMessage);
    connect(m_training, &TrainingView::statusMessage, this, showMessage);
    connect(m_prompt, &PromptPanel::statusMessage, this, showMessage);
    connect(m_sampler, &SamplerPanel::presetApplied, this, [this](const QString& text) { m_status->showMessage(text, 8000); });
    connect(m_training, &TrainingView::classesChanged, m_gallery, &GalleryView::setDatasetClasses);

    // The tokenizer follows the selected model (debounced: the model box is editable).
    auto* tokenizerTimer = new QTimer(this);
    tokenizerTimer->setSingleShot(true);
    tokenizerTimer->setInterval(600);
    connect(tokenizerTimer, &QTimer::timeout, this, [this] { m_tokens->load(m_tokenizerModel); });
    connect(m_sampler, &SamplerPanel::changed, this, [this, tokenizerTimer] {
        const QString model = m_sampler->params().model;
        if (model != m_tokenizerModel) {
            m_tokenizerModel = model;
            tokenizerTimer->start();
        }
    });
    m_tokenizerModel = m_sampler->params().model;
    m_tokens->load(m_tokenizerModel);

    resize(1440, 900);
}

MainWindow::~MainWindow() {
    // Stop the worker before the views it signals go away.
    m_engine->shutdown();
}

EngineWorker* MainWindow::worker() const { return m_engine->worker(); }

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open image to score…"), QKeySequence::Open, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open image"), QString(), tr("Images (*.png *.jpg *.jpeg)"));
        if (!path.isEmpty()) {
            m_scoring->setImagePath(path);
            showView(View::Scoring);
        }
    });
    file->addAction(tr("Open &output folder"), QKeySequence(QStringLiteral("Ctrl+Shift+O")), this, [this] {
        QDir().mkpath(m_settings.outputFolder);
        QDesktopServices::openUrl(QUrl::fromLocalFile(m_settings.outputFolder));
    });
    file->addAction(tr("Choose output folder…"), this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Output folder"), m_settings.outputFolder);
        if (dir.isEmpty()) return;
        setOutputFolder(dir);
        saveSettings();
    });
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    QAction* gen = run->addAction(tr("&Generate"), m_router, &JobRouter::generate);
    gen->setShortcuts({QKeySequence(QStringLiteral("Ctrl+Return")), QKeySequence(QStringLiteral("Ctrl+Enter"))});
    run->addAction(tr("&Reuse last seed"), QKeySequence(QStringLiteral("Ctrl+R")), m_sampler, &SamplerPanel::reuseLastSeed);
    run->addAction(tr("&Cancel running job"), QKeySequence(Qt::Key_Escape), m_router, &JobRouter::cancelRunning);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    const QList<QPair<QString, View>> views{{tr("&Gallery"), View::Gallery},
                                            {tr("&Scoring"), View::Scoring},
                                            {tr("&Compare"), View::Compare},
                                            {tr("&Training"), View::Training}};
    int key = 1;
    for (const auto& [name, v] : views) {
        const View target = v;
        view->addAction(name, QKeySequence(QStringLiteral("Ctrl+%1").arg(key++)), this, [this, target] { showView(target); });
    }
    view->addSeparator();
    for (QDockWidget* d : findChildren<QDockWidget*>()) view->addAction(d->toggleViewAction());
    auto* focusPrompt = new QShortcut(QKeySequence(QStringLiteral("Ctrl+L")), this);
    connect(focusPrompt, &QShortcut::activated, this, [this] { m_prompt->promptEdit()->setFocus(); });

    QMenu* models = menuBar()->addMenu(tr("&Models"));
    models->addAction(tr("Model &manager…"), QKeySequence(QStringLiteral("Ctrl+M")), this, &MainWindow::showModelManager);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Pictor"), this, &MainWindow::showAbout);
}

void MainWindow::applySettings(const StudioSettings& s) {
    m_prompt->setPrompt(s.generation.prompt);
    m_prompt->setNegativePrompt(s.generation.negativePrompt);
    m_sampler->setModels({s.sdModel});
    GenerationParams params = s.generation;
    if (params.model.isEmpty()) params.model = s.sdModel;
    m_sampler->setParams(params);
    m_scoring->setPresets(s.labelPresets);
    m_scoring->setLabels(s.defaultLabels());
    m_training->setClasses(s.trainingClasses);
    m_training->setTrainingDefaults(s.imagesPerClass, s.epochs, s.learningRate, s.batchSize, s.testFraction,
                                    s.optimizer, s.trainingSeed);
    QString datasetName;
    for (const DatasetClass& c : s.trainingClasses) datasetName += (datasetName.isEmpty() ? QString() : QStringLiteral("-vs-")) + c.name;
    m_training->setDatasetFolder(QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
                                     .filePath(QStringLiteral("datasets/") + (datasetName.isEmpty() ? QStringLiteral("dataset") : datasetName)));
    m_gallery->setFolder(s.outputFolder);
}

StudioSettings MainWindow::currentSettings() const {
    StudioSettings s = m_settings;
    GenerationParams g = m_sampler->params();
    g.prompt = m_prompt->prompt();
    g.negativePrompt = m_prompt->negativePrompt();
    s.generation = g;
    s.device = g.device;
    s.trainingClasses = m_training->classes();
    const DatasetRequest d = m_training->datasetRequest();
    const TrainRequest t = m_training->trainRequest();
    s.imagesPerClass = d.imagesPerClass;
    s.epochs = t.epochs;
    s.learningRate = t.learningRate;
    s.batchSize = t.batchSize;
    s.testFraction = t.testFraction;
    s.optimizer = t.optimizer;
    s.trainingSeed = t.seed;
    return s;
}

bool MainWindow::saveSettings() {
    if (!m_settingsWritable) return false;
    try {
        saveStudioSettings(currentSettings(), m_settingsPath);
        return true;
    } catch (const std::exception& e) {
        m_router->reportError(
            tr("Saving settings"),
            tr("%1\n\nThe settings of this session were not saved.").arg(QString::fromUtf8(e.what())), false);
        return false;
    }
}

void MainWindow::setOutputFolder(const QString& folder) {
    m_settings.outputFolder = folder;
    m_gallery->setFolder(folder);
}

void MainWindow::showView(View view) { m_tabs->setCurrentIndex(int(view)); }

bool MainWindow::parseView(const QString& name, View* view) {
    static const QHash<QString, View> names{{QStringLiteral("gallery"), View::Gallery},
                                            {QStringLiteral("scoring"), View::Scoring},
                                            {QStringLiteral("compare"), View::Compare},
                                            {QStringLiteral("training"), View::Training}};
    const auto it = names.find(name.toLower());
    if (it == names.end()) return false;
    *view = *it;
    return true;
}

void MainWindow::reuseParameters(const GenerationParams& params) {
    m_prompt->setPrompt(params.prompt);
    m_prompt->setNegativePrompt(params.negativePrompt);
    m_sampler->setParams(params);
    m_status->showMessage(tr("Prompt and sampler settings restored (seed %1)").arg(params.seed), 5000);
}

void MainWindow::addToDataset(const QString& path, const QString& className) {
    const QString folder = QDir(m_training->datasetFolder()).filePath(className);
    if (!QDir().mkpath(folder)) {
        m_router->reportError(
            tr("Add to dataset"),
            tr("Cannot create the folder %1.\nCheck the dataset folder in the Training view.").arg(folder), true);
        return;
    }
    const QString target = QDir(folder).filePath(QFileInfo(path).fileName());
    if (QFile::exists(target) || QFile::copy(path, target)) {
        m_status->showMessage(tr("Added to class “%1”: %2").arg(className, target), 5000);
    } else {
        m_router->reportError(tr("Add to dataset"), tr("Could not copy %1 to %2.").arg(path, target), true);
    }
}

void MainWindow::showAbout() {
    QMessageBox::about(this, tr("About Pictor"),
                       tr("<h3>Pictor</h3><p>A desktop studio for Stable Diffusion, CLIP zero-shot scoring, ResNet "
                          "classification and transfer learning, in C++ on Qt 6 and LibTorch.</p>"));
}

void MainWindow::showModelManager() {
    if (!m_modelManager) {
        m_modelManager = new ModelManagerDialog(worker(), this);
        connect(m_modelManager, &ModelManagerDialog::modelsChanged, this, [this] { m_tokens->load(m_sampler->params().model); });
    }
    m_modelManager->show();
    m_modelManager->raise();
    m_modelManager->refresh();
}

void MainWindow::showEvent(QShowEvent* event) {
    QMainWindow::showEvent(event);
    if (!m_settingsProblem.isEmpty()) {
        const QString problem = m_settingsProblem;
        m_settingsProblem.clear();
        QTimer::singleShot(0, this, [this, problem] { m_router->reportError(tr("Settings"), problem, true); });
    }
}

void MainWindow::closeEvent(QCloseEvent* event) {
    saveSettings();
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (!ImageDropZone::firstImage(event->mimeData()).isEmpty()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const QString path = ImageDropZone::firstImage(event->mimeData());
    if (path.isEmpty()) return;
    m_scoring->setImagePath(path);
    showView(View::Scoring);
    event->acceptProposedAction();
}

}  // namespace pictor::ui
