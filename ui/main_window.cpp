#include "ui/main_window.h"

#include "core/util/runtime.h"

#include "ui/app_icon.h"
#include "ui/charts.h"
#include "ui/compare_view.h"
#include "ui/engine_backend.h"
#include "ui/engine_worker.h"
#include "ui/gallery_view.h"
#include "ui/jobs_view.h"
#include "ui/model_manager.h"
#include "ui/prompt_panel.h"
#include "ui/sampler_panel.h"
#include "ui/scoring_view.h"
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
#include <QLabel>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QProgressBar>
#include <QRandomGenerator>
#include <QScrollArea>
#include <QShortcut>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QUrl>
#include <QVBoxLayout>

namespace pictor::ui {

MainWindow::MainWindow(const QString& settingsPath, QWidget* parent)
    : QMainWindow(parent), m_settingsPath(settingsPath.isEmpty() ? studioSettingsPath() : settingsPath) {
    registerEngineTypes();
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

    buildStatusBar();
    buildMenus();
    applySettings(m_settings);
    connectWorker();

    connect(m_prompt, &PromptPanel::generateRequested, this, &MainWindow::generate);
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
    connect(m_gallery, &GalleryView::statusMessage, this, [this](const QString& t) { statusBar()->showMessage(t, 5000); });
    connect(m_training, &TrainingView::statusMessage, this, [this](const QString& t) { statusBar()->showMessage(t, 5000); });
    connect(m_training, &TrainingView::classesChanged, m_gallery, &GalleryView::setDatasetClasses);
    connect(m_scoring, &ScoringView::scoreRequested, this, [this](const QString& path, const QStringList&) { scoreImage(path); });
    connect(m_scoring, &ScoringView::scoreAllRequested, this, [this] { scoreAll(); });
    connect(m_compare, &CompareView::compareRequested, this, &MainWindow::compareImage);
    connect(m_training, &TrainingView::buildDatasetRequested, this, &MainWindow::buildDataset);
    connect(m_training, &TrainingView::trainRequested, this, &MainWindow::train);
    connect(m_training, &TrainingView::classifyRequested, this, &MainWindow::classify);
    connect(m_training, &TrainingView::stopRequested, this, [this] {
        for (auto it = m_records.cbegin(); it != m_records.cend(); ++it) {
            if ((it->kind == Kind::Train || it->kind == Kind::Dataset) && m_jobs->state(it.key()) <= JobState::Running) {
                worker()->cancel(it.key());
            }
        }
    });
    connect(m_jobs, &JobsView::cancelRequested, this, [this](int id) { worker()->cancel(id); });

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

void MainWindow::buildStatusBar() {
    m_statusText = new QLabel(tr("Ready"));
    m_progress = new QProgressBar;
    m_progress->setMaximumWidth(220);
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setTextVisible(true);
    m_progress->hide();
    m_eta = new QLabel;
    m_eta->setObjectName(QStringLiteral("hint"));
    statusBar()->addWidget(m_statusText, 1);
    statusBar()->addPermanentWidget(m_eta);
    statusBar()->addPermanentWidget(m_progress);
}

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
        m_settings.outputFolder = dir;
        m_gallery->setFolder(dir);
        saveSettings();
    });
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    QAction* gen = run->addAction(tr("&Generate"), this, &MainWindow::generate);
    gen->setShortcuts({QKeySequence(QStringLiteral("Ctrl+Return")), QKeySequence(QStringLiteral("Ctrl+Enter"))});
    run->addAction(tr("&Reuse last seed"), QKeySequence(QStringLiteral("Ctrl+R")), m_sampler, &SamplerPanel::reuseLastSeed);
    run->addAction(tr("&Cancel running job"), QKeySequence(Qt::Key_Escape), this, &MainWindow::cancelRunning);

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
        reportError(tr("Saving settings"), tr("%1\n\nThe settings of this session were not saved.").arg(QString::fromUtf8(e.what())),
                    false);
        return false;
    }
}

void MainWindow::setOutputFolder(const QString& folder) {
    m_settings.outputFolder = folder;
    m_gallery->setFolder(folder);
}

void MainWindow::setModelReferences(const QString& clip, const QString& resnet50, const QString& resnet18) {
    m_settings.clipModel = clip;
    m_settings.resnet50Model = resnet50;
    m_settings.resnet18Model = resnet18;
}

void MainWindow::showView(View view) { m_tabs->setCurrentIndex(int(view)); }
MainWindow::View MainWindow::currentView() const { return View(m_tabs->currentIndex()); }

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

void MainWindow::connectWorker() {
    EngineWorker* w = worker();
    connect(w, &EngineWorker::jobQueued, m_jobs, &JobsView::addJob);
    connect(w, &EngineWorker::jobStarted, this, &MainWindow::onJobStarted);
    connect(w, &EngineWorker::jobProgress, this, &MainWindow::onJobProgress);
    connect(w, &EngineWorker::modelMissing, this, [this](int id, const MissingModel& m) { m_missingModels.insert(id, m); });
    connect(w, &EngineWorker::jobFinished, this, &MainWindow::onJobFinished);
    connect(w, &EngineWorker::jobMessage, this, [this](int, const QString& text) { statusBar()->showMessage(text, 4000); });
    connect(w, &EngineWorker::jobPreview, m_gallery, &GalleryView::showPreview);
    connect(w, &EngineWorker::imageGenerated, this, [this](int id, const GalleryItem& item) {
        const auto rec = m_records.value(id);
        if (rec.kind == Kind::Dataset) return;  // dataset images live in the dataset folder
        m_gallery->addImage(item, id);
        if (const auto* g = std::get_if<GenerateRequest>(&rec.request); g && g->params.seed >= 0)
            m_sampler->setLastSeed(g->params.seed);
    });
    connect(w, &EngineWorker::scoreReady, this, [this](int id, const ScoreResult& r) {
        if (m_records.value(id).kind == Kind::ScoreAll) {
            m_scoring->appendTableRow(r);
        } else {
            m_scoring->showResult(r);
        }
    });
    connect(w, &EngineWorker::compareReady, this, [this](int, const CompareResult& r) { m_compare->showResult(r); });
    connect(w, &EngineWorker::epochFinished, this, [this](int, const EpochMetrics& m) { m_training->addEpoch(m); });
    connect(w, &EngineWorker::batchLoss, m_training,
            [this](int, int epoch, int batch, int batches, double loss) { m_training->addBatchLoss(epoch, batch, batches, loss); });
    connect(w, &EngineWorker::evaluationReady, this, [this](int, const TrainingEvaluation& e) { m_training->showEvaluation(e); });
    connect(w, &EngineWorker::classifyReady, this, [this](int, const ClassifyResult& r) { m_training->showClassification(r); });
}

int MainWindow::submit(Kind kind, const JobRequest& request) {
    m_lastError.clear();
    const int id = worker()->submit(request);
    m_records.insert(id, JobRecord{kind, jobTitle(request), request});
    // What the views show while the job runs (the same for a first run and a retry).
    switch (kind) {
    case Kind::Generate: {
        const GenerationParams& params = std::get<GenerateRequest>(request).params;
        m_gallery->beginJob(id, params.imagesPerPrompt);
        showView(View::Gallery);
        break;
    }
    case Kind::ScoreAll: m_scoring->clearTable(); break;
    case Kind::Dataset: m_training->setDatasetRunning(true); break;
    case Kind::Train:
        m_training->resetCharts(std::get<TrainRequest>(request).epochs);
        m_training->setTrainingRunning(true);
        break;
    default: break;
    }
    return id;
}

int MainWindow::generate() {
    GenerationParams params = m_sampler->params();
    params.prompt = m_prompt->prompt();
    params.negativePrompt = m_prompt->negativePrompt();
    if (params.prompt.isEmpty()) {
        reportError(tr("Generate"), tr("The prompt is empty: describe the image you want in the Prompt box."), false);
        m_prompt->promptEdit()->setFocus();
        return 0;
    }
    if (params.width % 8 != 0 || params.height % 8 != 0) {
        reportError(tr("Generate"), tr("Width and height must be multiples of 8 (they are %1×%2).").arg(params.width).arg(params.height),
                    false);
        return 0;
    }
    // The studio draws random seeds itself so every image's seed is known and reusable.
    if (params.seed < 0) params.seed = qint64(QRandomGenerator::global()->bounded(quint32(0xFFFFFFFFu)));
    const int id = submit(Kind::Generate, GenerateRequest{params, m_settings.outputFolder});
    saveSettings();
    return id;
}

int MainWindow::scoreImage(const QString& path) {
    m_scoring->setImagePath(path);
    const QStringList labels = m_scoring->labels();
    if (labels.isEmpty()) {
        m_scoring->showError(tr("The label list is empty: add at least one label or pick a preset."));
        return 0;
    }
    return submit(Kind::Score, ScoreRequest{{path}, labels, m_settings.clipModel});
}

int MainWindow::scoreAll() {
    const QStringList paths = m_gallery->imagePaths();
    const QStringList labels = m_scoring->labels();
    if (paths.isEmpty()) {
        m_scoring->showError(tr("The gallery is empty: generate images first, or drop an image on the image box."));
        return 0;
    }
    if (labels.isEmpty()) {
        m_scoring->showError(tr("The label list is empty: add at least one label or pick a preset."));
        return 0;
    }
    return submit(Kind::ScoreAll, ScoreRequest{paths, labels, m_settings.clipModel});
}

int MainWindow::compareImage(const QString& path) {
    m_compare->setImagePath(path);
    const QStringList labels = m_scoring->labels();
    if (labels.isEmpty()) {
        m_compare->showError(tr("The Scoring view's label list is empty: CLIP needs labels to compare."));
        return 0;
    }
    return submit(Kind::Compare, CompareRequest{path, labels, m_settings.clipModel, m_settings.resnet50Model});
}

int MainWindow::buildDataset() {
    DatasetRequest r = m_training->datasetRequest();
    r.params = m_sampler->params();
    if (r.params.seed < 0) r.params.seed = 0;
    return submit(Kind::Dataset, r);
}

int MainWindow::train() {
    TrainRequest r = m_training->trainRequest();
    r.resnetModel = m_settings.resnet18Model;
    return submit(Kind::Train, r);
}

int MainWindow::classify(const QString& path) {
    return submit(Kind::Classify, ClassifyRequest{path, m_training->classifier()});
}

void MainWindow::cancelRunning() {
    if (m_running) worker()->cancel(m_running);
}

void MainWindow::reuseParameters(const GenerationParams& params) {
    m_prompt->setPrompt(params.prompt);
    m_prompt->setNegativePrompt(params.negativePrompt);
    m_sampler->setParams(params);
    statusBar()->showMessage(tr("Prompt and sampler settings restored (seed %1)").arg(params.seed), 5000);
}

void MainWindow::onJobStarted(int id) {
    m_running = id;
    m_jobs->setStarted(id);
    const JobRecord rec = m_records.value(id);
    m_statusText->setText(rec.title.isEmpty() ? tr("Job #%1").arg(id) : rec.title);
    m_progress->setRange(0, 0);
    m_progress->show();
    m_eta->clear();
    switch (rec.kind) {
    case Kind::Score:
    case Kind::ScoreAll: m_scoring->setBusy(true); break;
    case Kind::Compare: m_compare->setBusy(true); break;
    default: break;
    }
}

void MainWindow::onJobProgress(int id, const QString& stage, int step, int total, double eta) {
    m_jobs->setProgress(id, stage, step, total, eta);
    if (id != m_running) return;
    const JobRecord rec = m_records.value(id);
    m_statusText->setText(stage.isEmpty() ? rec.title : QStringLiteral("%1 — %2").arg(rec.title, stage));
    if (total > 0) {
        m_progress->setRange(0, total);
        m_progress->setValue(step);
        m_eta->setText(tr("ETA %1").arg(TrainingView::formatEta(eta)));
    } else {
        m_progress->setRange(0, 0);
        m_eta->clear();
    }
    if (rec.kind == Kind::Dataset) m_training->setDatasetProgress(step, total);
    if (rec.kind == Kind::Train && total > 0) m_training->setTrainingProgress(step, total, eta);
}

void MainWindow::onJobFinished(int id, JobState state, const QString& message) {
    m_jobs->setFinished(id, state, message);
    if (!m_records.contains(id)) {  // a download (here or in the model manager): it reports itself
        if (id == m_running) {
            m_running = 0;
            m_progress->hide();
            m_eta->clear();
            m_statusText->setText(tr("%1: job #%2").arg(jobStateName(state)).arg(id));
        }
        if (m_retryAfterDownload.contains(id)) {
            const JobRecord retry = m_retryAfterDownload.take(id);
            if (state == JobState::Done) {
                // The new model's tokenizer and files are on disk now: what shows them reloads.
                m_tokens->load(m_sampler->params().model);
                if (m_modelManager) m_modelManager->refresh();
                statusBar()->showMessage(tr("Download complete: running “%1” again").arg(retry.title), 8000);
                submit(retry.kind, retry.request);
            } else if (state == JobState::Failed) {
                reportError(tr("Download"), tr("%1\n\n“%2” was not run again.").arg(message, retry.title), true);
            } else {
                statusBar()->showMessage(tr("Download cancelled: “%1” was not run again").arg(retry.title), 8000);
            }
        }
        return;
    }
    const JobRecord rec = m_records.value(id);
    if (id == m_running) {
        m_running = 0;
        m_progress->hide();
        m_eta->clear();
        m_statusText->setText(state == JobState::Done ? tr("Done: %1").arg(rec.title)
                              : state == JobState::Cancelled ? tr("Cancelled: %1").arg(rec.title)
                                                             : tr("Failed: %1").arg(rec.title));
    }
    switch (rec.kind) {
    case Kind::Generate: m_gallery->endJob(id); break;
    case Kind::Score:
    case Kind::ScoreAll: m_scoring->setBusy(false); break;
    case Kind::Compare: m_compare->setBusy(false); break;
    case Kind::Dataset: m_training->setDatasetRunning(false); break;
    case Kind::Train: m_training->setTrainingRunning(false); break;
    case Kind::Classify: break;
    }
    if (state != JobState::Failed) return;
    switch (rec.kind) {
    case Kind::Score:
    case Kind::ScoreAll: m_scoring->showError(message); break;
    case Kind::Compare: m_compare->showError(message); break;
    case Kind::Dataset:
    case Kind::Train: m_training->showError(message); break;
    default: break;
    }
    if (m_missingModels.contains(id)) {
        offerDownload(rec, m_missingModels.take(id), message);
        return;
    }
    // Generation has no inline place for errors: it gets a dialog; the other views show theirs inline.
    reportError(rec.title, message, rec.kind == Kind::Generate || rec.kind == Kind::Classify);
}

void MainWindow::offerDownload(const JobRecord& failed, const MissingModel& model, const QString& message) {
    m_lastError = QStringLiteral("%1: %2").arg(failed.title, message);
    statusBar()->showMessage(tr("%1 is not on this computer yet").arg(model.title), 8000);
    const QString size = model.approxSize > 0 ? tr(" (about %1)").arg(QLocale().formattedDataSize(model.approxSize, 1, QLocale::DataSizeSIFormat))
                                              : QString();
    // Non-blocking like every other message: the studio keeps running while it is open.
    auto* box = new QMessageBox(QMessageBox::Question, tr("Download %1?").arg(model.title),
                                tr("This job needs %2, which is not on this computer yet:\n\n%1\n\n"
                                   "Download it now%3? It goes into the same cache the Python tools use, and the "
                                   "job runs again as soon as the download is complete.")
                                    .arg(failed.title, model.title, size),
                                QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("downloadOffer"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setDetailedText(message);
    QPushButton* download = box->addButton(tr("&Download and run again"), QMessageBox::AcceptRole);
    download->setObjectName(QStringLiteral("downloadAndRetry"));
    QPushButton* manager = box->addButton(tr("Open model &manager"), QMessageBox::ActionRole);
    box->setDefaultButton(download);
    connect(download, &QPushButton::clicked, this, [this, failed, model] {
        m_lastError.clear();  // handled: the next error is the download's or the retry's
        const int id = worker()->submit(DownloadRequest{model.entryName, QString()});
        m_retryAfterDownload.insert(id, failed);
    });
    connect(manager, &QPushButton::clicked, this, &MainWindow::showModelManager);
    box->open();
}

void MainWindow::reportError(const QString& where, const QString& message, bool dialog) {
    m_lastError = QStringLiteral("%1: %2").arg(where, message);
    statusBar()->showMessage(tr("%1 failed — see the message").arg(where), 8000);
    if (!dialog) {
        if (currentView() == View::Scoring) m_scoring->showError(message);
        else if (currentView() == View::Compare) m_compare->showError(message);
        else if (currentView() == View::Training) m_training->showError(message);
        else statusBar()->showMessage(message, 10000);
        return;
    }
    // Non-blocking: the window keeps running (and tests never hang on a modal loop).
    auto* box = new QMessageBox(QMessageBox::Warning, where, message, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    if (message.contains(QLatin1String("model manager"), Qt::CaseInsensitive)) {
        QPushButton* open = box->addButton(tr("Open model manager"), QMessageBox::ActionRole);
        connect(open, &QPushButton::clicked, this, &MainWindow::showModelManager);
    }
    box->open();
}

void MainWindow::addToDataset(const QString& path, const QString& className) {
    const QString folder = QDir(m_training->datasetFolder()).filePath(className);
    if (!QDir().mkpath(folder)) {
        reportError(tr("Add to dataset"), tr("Cannot create the folder %1.\nCheck the dataset folder in the Training view.").arg(folder),
                    true);
        return;
    }
    const QString target = QDir(folder).filePath(QFileInfo(path).fileName());
    if (QFile::exists(target) || QFile::copy(path, target)) {
        statusBar()->showMessage(tr("Added to class “%1”: %2").arg(className, target), 5000);
    } else {
        reportError(tr("Add to dataset"), tr("Could not copy %1 to %2.").arg(path, target), true);
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
        QTimer::singleShot(0, this, [this, problem] { reportError(tr("Settings"), problem, true); });
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
