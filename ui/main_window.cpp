#include "ui/main_window.h"

#include "ui/wheel_guard.h"

#include "core/util/runtime.h"

#include "ui/app_icon.h"
#include "ui/charts.h"
#include "ui/compare_view.h"
#include "ui/elided_label.h"
#include "ui/engine_backend.h"
#include "ui/engine_worker.h"
#include "ui/gallery_view.h"
#include "ui/grid_view.h"
#include "ui/image_viewer.h"
#include "ui/job_router.h"
#include "ui/jobs_view.h"
#include "ui/model_manager.h"
#include "ui/preferences_dialog.h"
#include "ui/prompt_panel.h"
#include "ui/sampler_panel.h"
#include "ui/scoring_view.h"
#include "ui/status_reporter.h"
#include "ui/token_counter.h"
#include "ui/training_view.h"
#include "ui/vertical_scroll_area.h"

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
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScreen>
#include <QScrollArea>
#include <QShortcut>
#include <QStandardPaths>
#include <QTabBar>
#include <QTabWidget>
#include <QTimer>
#include <QToolBar>
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
    auto* scroll = new VerticalScrollArea;
    scroll->setWidget(left);
    auto* dock = new QDockWidget(tr("Generate"), this);
    dock->setObjectName(QStringLiteral("generateDock"));
    dock->setWidget(scroll);
    dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
    addDockWidget(Qt::LeftDockWidgetArea, dock);

    m_tabs = new QTabWidget(this);
    m_tabs->setDocumentMode(true);
    // A thumbnail dragged over a tab opens it, so it can be dropped into Scoring, Compare or Training.
    m_tabs->tabBar()->setChangeCurrentOnDrag(true);
    m_tabs->tabBar()->setAcceptDrops(true);
    m_gallery = new GalleryView(m_tabs);
    m_scoring = new ScoringView(m_tabs);
    m_compare = new CompareView(m_tabs);
    m_training = new TrainingView(m_tabs);
    m_grid = new GridView(m_tabs);
    // No mnemonics on the tabs: Ctrl+1..4 and the View menu reach them, and their letters belong to
    // the Sampler panel's fields (Alt+S Steps, Alt+G Guidance, …).
    m_tabs->addTab(m_gallery, tr("Gallery"));
    m_tabs->addTab(m_scoring, tr("Scoring"));
    m_tabs->addTab(m_compare, tr("Compare"));
    m_tabs->addTab(m_training, tr("Training"));
    m_tabs->addTab(m_grid, tr("Grid"));
    for (int i = 0; i < m_tabs->count(); ++i) m_tabs->setTabToolTip(i, tr("%1 (Ctrl+%2)").arg(m_tabs->tabText(i)).arg(i + 1));
    setCentralWidget(m_tabs);

    m_jobs = new JobsView;
    auto* jobsDock = new QDockWidget(tr("Jobs"), this);
    jobsDock->setObjectName(QStringLiteral("jobsDock"));
    jobsDock->setWidget(m_jobs);
    addDockWidget(Qt::BottomDockWidgetArea, jobsDock);
    resizeDocks({jobsDock}, {130}, Qt::Vertical);

    m_status = new StatusReporter(statusBar(), this);
    m_status->setStatus(tr("Ready"));
    const JobRouter::Views views{m_prompt, m_sampler, m_tabs, m_gallery, m_scoring, m_compare, m_training, m_jobs, m_grid};
    m_router = new JobRouter(worker(), views, &m_settings, m_status, this);
    // The queue on disk follows every change (a crash or a kill keeps it), and so do the settings
    // the jobs were started from (labels, dataset folder, training name).
    m_queuePath = jobQueuePath(m_settingsPath);
    connect(m_router, &JobRouter::queueChanged, this, [this] {
        writeJobQueue();
        saveSettings();
    });
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
    connect(m_grid, &GridView::statusMessage, this, showMessage);
    connect(m_grid, &GridView::openImageRequested, this, [this](const QString& path) {
        if (!m_gridViewer) m_gridViewer = new ImageViewer(this);
        m_gridViewer->setImagePath(path);
        m_gridViewer->show();
        m_gridViewer->raise();
    });
    connect(m_prompt, &PromptPanel::statusMessage, this, showMessage);
    // Pasted or dropped parameters: the same path as the gallery's "Reuse parameters".
    connect(m_prompt, &PromptPanel::parametersApplyRequested, this, [this](const QString& text, bool keepInitImage) {
        GenerationParams params;
        if (!parseParameters(text, &params, m_sampler->params())) return;
        const QString init = m_prompt->initImage();
        reuseParameters(params);
        if (keepInitImage && !init.isEmpty() && m_prompt->initImage().isEmpty()) m_prompt->setInitImage(init);
    });
    connect(m_sampler, &SamplerPanel::presetApplied, this, [this](const QString& text) { m_status->showMessage(text, 8000); });
    connect(m_training, &TrainingView::classesChanged, m_gallery, &GalleryView::setDatasetClasses);
    m_gallery->setDatasetClasses(m_training->classNames());  // applySettings set them before the connection
    connect(m_gallery, &GalleryView::initImageRequested, this, [this](const QString& path) {
        if (m_prompt->setInitImage(path))
            m_status->showMessage(tr("Init image set: the next Generate runs img2img from %1").arg(QFileInfo(path).fileName()), 5000);
    });

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
    connect(m_sampler, &SamplerPanel::changed, this, [this] { m_training->setGenerationSummary(m_sampler->params()); });
    m_training->setGenerationSummary(m_sampler->params());

    offerInterruptedJobs();

    // 1440×900, or less on a smaller screen: the window must fit a 1024×700 laptop's.
    QSize size(1440, 900);
    if (const QScreen* screen = QGuiApplication::primaryScreen()) size = size.boundedTo(screen->availableGeometry().size());
    resize(size);
}

MainWindow::~MainWindow() {
    // The jobs the shutdown cancels stay in the queue file: this is what a crash would leave.
    m_queueFrozen = true;
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
    file->addAction(tr("Open &output folder"), QKeySequence(QStringLiteral("Ctrl+Shift+O")), this,
                    &MainWindow::openOutputFolder);
    file->addAction(tr("Choose output folder…"), this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Output folder"),
                                                              PreferencesDialog::nearestExistingFolder(m_settings.outputFolder));
        if (dir.isEmpty()) return;
        setOutputFolder(dir);
        saveSettings();
    });
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    // Alt+E is the strength field's and Alt+R the seed's Random: the menus take other letters.
    QMenu* settingsMenu = menuBar()->addMenu(tr("Se&ttings"));
    QAction* preferences = settingsMenu->addAction(tr("&Preferences…"), this, &MainWindow::showPreferences);
    preferences->setShortcut(QKeySequence(QStringLiteral("Ctrl+,")));
    preferences->setMenuRole(QAction::PreferencesRole);
    preferences->setToolTip(tr("Model folders, output folder, threads and device (settings.yaml)"));

    QMenu* run = menuBar()->addMenu(tr("R&un"));
    QAction* gen = run->addAction(tr("&Generate"), m_router, &JobRouter::generate);
    gen->setShortcuts({QKeySequence(QStringLiteral("Ctrl+Return")), QKeySequence(QStringLiteral("Ctrl+Enter"))});
    run->addAction(tr("&Reuse last seed"), QKeySequence(QStringLiteral("Ctrl+R")), m_sampler, &SamplerPanel::reuseLastSeed);
    run->addAction(tr("&Cancel running job"), QKeySequence(Qt::Key_Escape), m_router, &JobRouter::cancelRunning);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    const QList<QPair<QString, View>> views{{tr("&Gallery"), View::Gallery},
                                            {tr("&Scoring"), View::Scoring},
                                            {tr("&Compare"), View::Compare},
                                            {tr("&Training"), View::Training},
                                            {tr("G&rid"), View::Grid}};
    int key = 1;
    for (const auto& [name, v] : views) {
        const View target = v;
        view->addAction(name, QKeySequence(QStringLiteral("Ctrl+%1").arg(key++)), this, [this, target] { showView(target); });
    }
    view->addSeparator();
    for (QDockWidget* d : findChildren<QDockWidget*>()) view->addAction(d->toggleViewAction());
    auto* focusPrompt = new QShortcut(QKeySequence(QStringLiteral("Ctrl+L")), this);
    connect(focusPrompt, &QShortcut::activated, this, [this] { m_prompt->promptEdit()->setFocus(); });

    // Alt+M is the Sampler panel's Model field.
    QMenu* models = menuBar()->addMenu(tr("M&odels"));
    models->addAction(tr("Model &manager…"), QKeySequence(QStringLiteral("Ctrl+M")), this, &MainWindow::showModelManager);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Pictor"), this, &MainWindow::showAbout);
}

void MainWindow::applySettings(const StudioSettings& s) {
    m_prompt->setPrompt(s.generation.prompt);
    m_prompt->setNegativePrompt(s.generation.negativePrompt);
    m_prompt->setStrength(s.generation.strength);
    m_sampler->setModels({s.sdModel});
    m_sampler->setModelFolders(s.modelFolders, s.loraFolders);
    GenerationParams params = s.generation;
    if (params.model.isEmpty()) params.model = s.sdModel;
    m_sampler->setParams(params);
    m_scoring->setPresets(s.labelPresets);
    m_scoring->setLabels(s.startLabels());
    m_training->setTrainingName(s.trainingName);
    m_training->setClasses(s.trainingClasses);
    m_training->setTrainingDefaults(s.imagesPerClass, s.epochs, s.learningRate, s.batchSize, s.testFraction,
                                    s.optimizer, s.trainingSeed);
    m_training->setDatasetFolder(datasetFolderFor(s));
    m_gallery->setFolder(s.outputFolder);
}

StudioSettings MainWindow::currentSettings() const {
    StudioSettings s = m_settings;
    GenerationParams g = m_sampler->params();
    g.prompt = m_prompt->prompt();
    g.negativePrompt = m_prompt->negativePrompt();
    g.strength = m_prompt->strength();
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
    s.trainingName = m_training->trainingName();
    // Kept only when they differ from what a start would show anyway, so that the defaults
    // (the first preset's labels, the folder named after the classes) keep following the presets.
    const QStringList labels = m_scoring->labels();
    s.scoringLabels = labels == s.defaultLabels() ? QStringList{} : labels;
    StudioSettings derived = s;
    derived.datasetFolder.clear();
    s.datasetFolder = m_training->datasetFolder() == datasetFolderFor(derived) ? QString() : m_training->datasetFolder();
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
                                            {QStringLiteral("training"), View::Training},
                                            {QStringLiteral("grid"), View::Grid}};
    const auto it = names.find(name.toLower());
    if (it == names.end()) return false;
    *view = *it;
    return true;
}

void MainWindow::reuseParameters(const GenerationParams& params) {
    m_prompt->setPrompt(params.prompt);
    m_prompt->setNegativePrompt(params.negativePrompt);
    m_sampler->setParams(params);
    const QString img2img = m_prompt->restoreImg2Img(params);  // strength, and the init image if known
    m_status->showMessage(tr("Prompt and sampler settings restored (seed %1)").arg(params.seed) + img2img, 8000);
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
    StudioSettings now = m_settings;
    now.generation.model = m_sampler->params().model;  // the Sampler panel's model is the one in use
    m_modelManager->setSettings(now);
    m_modelManager->show();
    m_modelManager->raise();
    m_modelManager->refresh();
}

void MainWindow::showEvent(QShowEvent* event) {
    QMainWindow::showEvent(event);
    if (!m_fittedToScreen) {
        m_fittedToScreen = true;
        // The first layout pass measures word-wrapped labels at a widget's default width, so the
        // window's first minimum is ~80 px too tall and the window grew past a 1024×700 screen.
        // Once the event loop has laid everything out at its real width, fit the screen if it can.
        QTimer::singleShot(0, this, [this] {
            const QScreen* shown = screen();
            if (!shown || isMaximized() || isFullScreen()) return;
            const QSize room = shown->availableGeometry().size();
            const QSize least = minimumSizeHint().expandedTo(minimumSize());
            if (room.width() < least.width() || room.height() < least.height()) return;  // cannot fit
            if (width() > room.width() || height() > room.height()) resize(size().boundedTo(room));
        });
    }
    if (!m_settingsProblem.isEmpty()) {
        const QString problem = m_settingsProblem;
        m_settingsProblem.clear();
        QTimer::singleShot(0, this, [this, problem] { m_router->reportError(tr("Settings"), problem, true); });
    }
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (!confirmCloseWithJobs()) {
        event->ignore();
        return;
    }
    saveSettings();
    event->accept();
}

bool MainWindow::confirmCloseWithJobs() {
    const QVector<StoredJob> unfinished = m_router->unfinishedJobs();
    if (unfinished.isEmpty()) {
        writeJobQueue();  // only the interrupted ones still offered, if any
        m_queueFrozen = true;
        return true;
    }
    QStringList titles;
    for (const StoredJob& job : unfinished) titles << QStringLiteral("• ") + jobTitle(job.request);
    QMessageBox box(QMessageBox::Question, tr("Quit Pictor?"),
                    (unfinished.size() == 1 ? tr("1 job did not finish yet:")
                                            : tr("%1 jobs did not finish yet:").arg(unfinished.size())) +
                        tr("\n\n%1\n\nKeep them to be offered again at the next start, or discard them?")
                            .arg(titles.join(QLatin1Char('\n'))),
                    QMessageBox::NoButton, this);
    box.setObjectName(QStringLiteral("closeWithJobs"));
    QPushButton* keep = box.addButton(tr("Quit, &keep them for the next start"), QMessageBox::AcceptRole);
    keep->setObjectName(QStringLiteral("quitKeep"));
    QPushButton* discard = box.addButton(tr("Quit and &discard them"), QMessageBox::DestructiveRole);
    discard->setObjectName(QStringLiteral("quitDiscard"));
    QPushButton* cancel = box.addButton(QMessageBox::Cancel);
    cancel->setObjectName(QStringLiteral("quitCancel"));
    box.setDefaultButton(keep);
    box.setEscapeButton(cancel);
    box.exec();
    if (box.clickedButton() == keep) {
        writeJobQueue();
        m_queueFrozen = true;  // the cancellations of the shutdown must not empty the file
        return true;
    }
    if (box.clickedButton() == discard) {
        m_interrupted.clear();
        saveJobQueue(m_queuePath, {});
        m_queueFrozen = true;
        return true;
    }
    return false;
}

void MainWindow::writeJobQueue() {
    if (m_queueFrozen) return;
    QString error;
    if (!saveJobQueue(m_queuePath, m_interrupted + m_router->unfinishedJobs(), &error)) {
        m_status->showMessage(tr("The job queue could not be kept for the next start: %1").arg(error), 10000);
    }
}

void MainWindow::offerInterruptedJobs() {
    QString error;
    m_interrupted = loadJobQueue(m_queuePath, &error);
    if (!error.isEmpty()) {
        m_settingsProblem += (m_settingsProblem.isEmpty() ? QString() : QStringLiteral("\n\n")) +
                             tr("Jobs of the last session could not all be read:\n%1").arg(error);
    }
    if (m_interrupted.isEmpty()) return;
    m_interruptedBar = new QToolBar(tr("Interrupted jobs"), this);
    m_interruptedBar->setObjectName(QStringLiteral("interruptedJobs"));
    m_interruptedBar->setMovable(false);
    m_interruptedBar->setFloatable(false);
    m_interruptedBar->toggleViewAction()->setVisible(false);
    QStringList titles;
    for (const StoredJob& job : m_interrupted) titles << jobTitle(job.request);
    const QString count = m_interrupted.size() == 1 ? tr("1 job of the last session did not finish")
                                                    : tr("%1 jobs of the last session did not finish").arg(m_interrupted.size());
    // One widget across the bar: the list of jobs ends in "…" where the window is too narrow for
    // it (as a label of its own it widened a 1024 px window past the screen), the buttons stay.
    auto* row = new QWidget(m_interruptedBar);
    row->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    auto* rowLayout = new QHBoxLayout(row);
    rowLayout->setContentsMargins(8, 0, 0, 0);
    auto* text = new ElidedLabel(QStringLiteral("%1: %2").arg(count, titles.join(QStringLiteral(" · "))), Qt::ElideRight, row);
    text->setObjectName(QStringLiteral("interruptedText"));
    text->setToolTip(count + QLatin1Char(':') + QLatin1Char('\n') + titles.join(QLatin1Char('\n')));
    auto* again = new QPushButton(tr("Run a&gain"), row);
    again->setObjectName(QStringLiteral("runInterrupted"));
    again->setToolTip(tr("Queue these jobs again, in their order"));
    auto* discard = new QPushButton(tr("Discard"), row);
    discard->setObjectName(QStringLiteral("discardInterrupted"));
    discard->setToolTip(tr("Forget these jobs"));
    rowLayout->addWidget(text, 1);
    rowLayout->addWidget(again);
    rowLayout->addWidget(discard);
    m_interruptedBar->addWidget(row);
    connect(again, &QPushButton::clicked, this, &MainWindow::runInterruptedJobs);
    connect(discard, &QPushButton::clicked, this, &MainWindow::discardInterruptedJobs);
    addToolBar(Qt::TopToolBarArea, m_interruptedBar);
}

void MainWindow::runInterruptedJobs() {
    const QVector<StoredJob> jobs = m_interrupted;
    m_interrupted.clear();  // from here on they are this session's jobs
    if (m_interruptedBar) m_interruptedBar->hide();
    int queued = 0;
    for (const StoredJob& job : jobs) queued += m_router->runAgain(job) != 0 ? 1 : 0;
    writeJobQueue();
    m_status->showMessage(tr("Queued again from the last session: %1 of %2 jobs").arg(queued).arg(jobs.size()), 5000);
}

void MainWindow::discardInterruptedJobs() {
    m_interrupted.clear();
    if (m_interruptedBar) m_interruptedBar->hide();
    writeJobQueue();
}

void MainWindow::showPreferences() {
    auto* dialog = new PreferencesDialog(currentSettings(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] { applyPreferences(dialog->settings()); });
    dialog->open();
}

void MainWindow::applyPreferences(const StudioSettings& p) {
    m_settings.sdModel = p.sdModel;
    m_settings.clipModel = p.clipModel;
    m_settings.resnet50Model = p.resnet50Model;
    m_settings.resnet18Model = p.resnet18Model;
    m_settings.loraFolders = p.loraFolders;
    m_settings.modelFolders = p.modelFolders;
    m_sampler->setModelFolders(p.modelFolders, p.loraFolders);
    m_settings.device = p.device;
    m_settings.threads = p.threads;
    // 0 = one per CPU: the start-up choice applies again at the next start.
    if (p.threads > 0) pictor::set_thread_count(p.threads);
    setOutputFolder(p.outputFolder);
    // The Sampler panel holds the model and device the jobs and settings.yaml use.
    GenerationParams g = m_sampler->params();
    g.device = p.device;
    if (g.model != p.sdModel) {
        g.model = p.sdModel;
        m_sampler->setModels({p.sdModel});
    }
    m_sampler->setParams(g);
    if (saveSettings()) m_status->showMessage(tr("Preferences saved to %1").arg(m_settingsPath), 5000);
}

void MainWindow::openOutputFolder() {
    const QString folder = m_settings.outputFolder;
    if (!QFileInfo(folder).isDir()) {
        QMessageBox box(QMessageBox::Question, tr("Open output folder"),
                        tr("The output folder %1 does not exist yet.").arg(folder), QMessageBox::Cancel, this);
        box.setObjectName(QStringLiteral("createOutputFolder"));
        QPushButton* create = box.addButton(tr("Create and open it"), QMessageBox::AcceptRole);
        box.setDefaultButton(create);
        box.exec();
        if (box.clickedButton() != create) return;
        if (!QDir().mkpath(folder)) {
            m_router->reportError(tr("Open output folder"),
                                  tr("Cannot create the output folder %1. Check the permissions of its parent "
                                     "folder, or choose another one in Settings → Preferences (Ctrl+,).")
                                      .arg(folder),
                                  true);
            return;
        }
    }
    if (!QDesktopServices::openUrl(QUrl::fromLocalFile(folder))) {
        m_router->reportError(tr("Open output folder"),
                              tr("No file manager could open %1 (nothing handles folders on this desktop). "
                                 "The folder is there: open it yourself.")
                                  .arg(folder),
                              true);
    }
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
