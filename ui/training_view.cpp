#include "ui/training_view.h"

#include "ui/charts.h"
#include "ui/theme.h"
#include "ui/vertical_scroll_area.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QSplitter>
#include <QStandardPaths>
#include <QTableWidget>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace pictor::ui {

namespace {

constexpr double kSmoothing = 0.9;  // exponential moving average of the per-batch loss

QLineSeries* makeSeries(const QString& objectName, const QString& name, const QColor& color, qreal width = 2.0) {
    auto* s = new QLineSeries;
    s->setObjectName(objectName);
    s->setName(name);
    QPen pen(color);
    pen.setWidthF(width);
    s->setPen(pen);
    s->setPointsVisible(width >= 2.0);
    return s;
}

QValueAxis* makeAxis(const QString& title, const QString& format) {
    auto* a = new QValueAxis;
    a->setTitleText(title);
    a->setLabelFormat(format);
    a->setLabelsColor(theme::mutedText());
    a->setTitleBrush(theme::mutedText());
    a->setGridLineColor(QColor(0x3a, 0x3f, 0x47));
    a->setLinePenColor(theme::mutedText());
    return a;
}

}  // namespace

QString TrainingView::formatEta(double seconds) {
    if (seconds < 0 || !std::isfinite(seconds)) return QStringLiteral("–");
    const qint64 s = qint64(std::llround(seconds));
    if (s >= 3600) return QStringLiteral("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60);
    if (s >= 60) return QStringLiteral("%1 min %2 s").arg(s / 60).arg(s % 60);
    return QStringLiteral("%1 s").arg(s);
}

TrainingView::TrainingView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);
    layout->setSpacing(10);

    auto* formsScroll = new VerticalScrollArea(this);
    formsScroll->setMaximumWidth(430);
    auto* forms = new QWidget(formsScroll);
    auto* f = new QVBoxLayout(forms);
    f->setContentsMargins(0, 0, 4, 0);
    f->setSpacing(8);
    f->addWidget(makeSection(tr("1 · Dataset"), buildDatasetForm(), forms));
    f->addWidget(makeSection(tr("2 · Training"), buildTrainingForm(), forms));
    m_classifyZone = new ImageDropZone(tr("Drop an image here to classify it\nwith the trained model"), forms);
    m_classifyZone->setMinimumHeight(140);
    m_classifyResult = new QLabel(forms);
    m_classifyResult->setWordWrap(true);
    auto* classify = new QWidget(forms);
    auto* c = new QVBoxLayout(classify);
    c->setContentsMargins(0, 0, 0, 0);
    c->addWidget(m_classifyZone);
    c->addWidget(m_classifyResult);
    f->addWidget(makeSection(tr("3 · Classify"), classify, forms));
    f->addStretch();
    formsScroll->setWidget(forms);
    layout->addWidget(formsScroll);

    auto* right = new QSplitter(Qt::Vertical, this);
    right->addWidget(buildCharts());
    right->addWidget(buildEvaluation());
    right->setStretchFactor(0, 3);
    right->setStretchFactor(1, 2);
    layout->addWidget(right, 1);

    connect(m_classifyZone, &ImageDropZone::imageDropped, this, [this](const QString& path) {
        if (m_classifier.isEmpty()) {
            m_classifyResult->setText(tr("<span style='color:#ef5350'>No trained model yet: train one first "
                                         "(or it was not exported).</span>"));
            return;
        }
        m_classifyResult->setText(tr("Classifying…"));
        Q_EMIT classifyRequested(path);
    });
    resetCharts(m_epochs->value());
    setTrainingRunning(false);
    setDatasetRunning(false);
}

QWidget* TrainingView::buildDatasetForm() {
    auto* w = new QWidget;
    auto* l = new QVBoxLayout(w);
    l->setContentsMargins(0, 0, 0, 0);
    auto* nameForm = new QFormLayout;
    m_name = new QLineEdit(w);
    m_name->setObjectName(QStringLiteral("trainingName"));
    m_name->setPlaceholderText(tr("e.g. fox vs dog (watercolor)"));
    m_name->setToolTip(tr("A name for this dataset and training (kept in settings.yaml)"));
    nameForm->addRow(tr("Name"), m_name);
    l->addLayout(nameForm);
    m_classTable = new QTableWidget(0, 2, w);
    m_classTable->setHorizontalHeaderLabels({tr("Class"), tr("Prompt")});
    m_classTable->horizontalHeader()->setStretchLastSection(true);
    m_classTable->verticalHeader()->hide();
    m_classTable->setMinimumHeight(110);
    m_classTable->setMaximumHeight(150);
    m_classTable->setToolTip(tr("One row per class: its folder name and the prompt that generates its images"));
    l->addWidget(m_classTable);
    auto* rowButtons = new QHBoxLayout;
    auto* add = new QPushButton(tr("Add class"), w);
    auto* remove = new QPushButton(tr("Remove"), w);
    rowButtons->addWidget(add);
    rowButtons->addWidget(remove);
    rowButtons->addStretch();
    l->addLayout(rowButtons);
    auto* form = new QFormLayout;
    m_imagesPerClass = new QSpinBox(w);
    m_imagesPerClass->setRange(2, 10000);
    form->addRow(tr("Images per class"), m_imagesPerClass);
    auto* folderRow = new QHBoxLayout;
    m_datasetFolder = new QLineEdit(w);
    m_datasetFolder->setObjectName(QStringLiteral("datasetFolder"));
    m_datasetFolder->setToolTip(tr("Where the dataset goes, one sub-folder per class; a folder that does not "
                                   "exist yet is created when the dataset is built"));
    auto* browse = new QPushButton(tr("Browse…"), w);
    browse->setToolTip(tr("Choose the dataset folder (or type a new one in the field)"));
    folderRow->addWidget(m_datasetFolder);
    folderRow->addWidget(browse);
    form->addRow(tr("Folder"), folderRow);
    l->addLayout(form);
    m_generationSummary = new QLabel(w);
    m_generationSummary->setObjectName(QStringLiteral("datasetGeneration"));
    m_generationSummary->setWordWrap(true);
    m_generationSummary->setToolTip(tr("The images are generated with the Sampler panel's settings: change them "
                                       "there (the seed is the base of every image's own seed)"));
    l->addWidget(m_generationSummary);
    m_build = new QPushButton(tr("Build dataset"), w);
    m_build->setToolTip(tr("Generate the images of every class with Stable Diffusion (resumes a partial dataset)"));
    m_datasetProgress = new QProgressBar(w);
    m_datasetProgress->setRange(0, 1);
    m_datasetProgress->setValue(0);
    m_datasetProgress->setFormat(tr("not built in this session"));
    l->addWidget(m_build);
    l->addWidget(m_datasetProgress);

    connect(add, &QPushButton::clicked, this, [this] {
        const int row = m_classTable->rowCount();
        m_classTable->insertRow(row);
        m_classTable->setItem(row, 0, new QTableWidgetItem(tr("class%1").arg(row + 1)));
        m_classTable->setItem(row, 1, new QTableWidgetItem(tr("a watercolor painting of …")));
        Q_EMIT classesChanged(classNames());
    });
    connect(remove, &QPushButton::clicked, this, [this] {
        if (m_classTable->currentRow() >= 0) m_classTable->removeRow(m_classTable->currentRow());
        Q_EMIT classesChanged(classNames());
    });
    connect(m_classTable, &QTableWidget::itemChanged, this, [this] { Q_EMIT classesChanged(classNames()); });
    connect(browse, &QPushButton::clicked, this, [this] {
        // A folder that does not exist yet opens its nearest existing parent (the dialog has "New folder").
        QString start = m_datasetFolder->text().trimmed();
        while (!start.isEmpty() && !QFileInfo(start).isDir() && QFileInfo(start).absolutePath() != start)
            start = QFileInfo(start).absolutePath();
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Dataset folder"), start);
        if (!dir.isEmpty()) m_datasetFolder->setText(dir);
    });
    connect(m_build, &QPushButton::clicked, this, [this] {
        if (classes().size() < 2) {
            showError(tr("A dataset needs at least two classes, each with a name and a prompt."));
            return;
        }
        if (m_datasetFolder->text().trimmed().isEmpty()) {
            showError(tr("Choose a folder for the dataset."));
            return;
        }
        showError({});
        Q_EMIT buildDatasetRequested();
    });
    return w;
}

QWidget* TrainingView::buildTrainingForm() {
    auto* w = new QWidget;
    auto* l = new QVBoxLayout(w);
    l->setContentsMargins(0, 0, 0, 0);
    auto* form = new QFormLayout;
    m_epochs = new QSpinBox(w);
    m_epochs->setRange(1, 1000);
    m_batchSize = new QSpinBox(w);
    m_batchSize->setRange(1, 1024);
    m_learningRate = new QDoubleSpinBox(w);
    m_learningRate->setDecimals(5);
    m_learningRate->setRange(1e-5, 1.0);
    m_learningRate->setSingleStep(1e-4);
    m_testFraction = new QDoubleSpinBox(w);
    m_testFraction->setRange(0.05, 0.9);
    m_testFraction->setSingleStep(0.05);
    m_testFraction->setToolTip(tr("Share of each class held out for evaluation (stratified, seeded)"));
    m_optimizer = new QComboBox(w);
    m_optimizer->addItems({QStringLiteral("SGD"), QStringLiteral("Adam")});
    m_optimizer->setToolTip(tr("SGD with momentum 0.9, or Adam"));
    m_seed = new QSpinBox(w);
    m_seed->setRange(0, 1 << 30);
    form->addRow(tr("Epochs"), m_epochs);
    form->addRow(tr("Batch size"), m_batchSize);
    form->addRow(tr("Learning rate"), m_learningRate);
    form->addRow(tr("Test split"), m_testFraction);
    form->addRow(tr("Optimizer"), m_optimizer);
    form->addRow(tr("Seed"), m_seed);
    l->addLayout(form);
    // Train across the top, Stop and Export under it: three buttons in a row made the forms
    // column too wide for a 1024 px window.
    auto* buttons = new QGridLayout;
    m_train = new QPushButton(tr("Train"), w);
    m_train->setObjectName(QStringLiteral("primary"));
    m_train->setToolTip(tr("Transfer-learn ResNet18 (frozen backbone, new head) on the dataset (Ctrl+T)"));
    m_train->setShortcut(QKeySequence(QStringLiteral("Ctrl+T")));
    m_stop = new QPushButton(tr("Stop"), w);
    m_stop->setToolTip(tr("Stop training after the current batch (Esc)"));
    m_export = new QPushButton(tr("Export…"), w);
    m_export->setToolTip(tr("Save the trained classifier to a file"));
    buttons->addWidget(m_train, 0, 0, 1, 2);
    buttons->addWidget(m_stop, 1, 0);
    buttons->addWidget(m_export, 1, 1);
    l->addLayout(buttons);
    m_trainProgress = new QProgressBar(w);
    m_trainProgress->setValue(0);
    m_eta = new QLabel(tr("ETA –"), w);
    m_eta->setObjectName(QStringLiteral("hint"));
    l->addWidget(m_trainProgress);
    l->addWidget(m_eta);
    m_error = makeErrorLabel(w);
    l->addWidget(m_error);

    connect(m_train, &QPushButton::clicked, this, [this] {
        if (m_datasetFolder->text().trimmed().isEmpty()) {
            showError(tr("Choose the dataset folder first (build a dataset or pick an ImageFolder layout)."));
            return;
        }
        showError({});
        Q_EMIT trainRequested();
    });
    connect(m_stop, &QPushButton::clicked, this, &TrainingView::stopRequested);
    connect(m_export, &QPushButton::clicked, this, &TrainingView::exportClassifier);
    return w;
}

QWidget* TrainingView::buildCharts() {
    auto* w = new QWidget;
    auto* l = new QHBoxLayout(w);
    l->setContentsMargins(0, 0, 0, 0);
    l->setSpacing(10);

    auto* lossChart = new QChart;
    lossChart->setTitle(tr("Loss"));
    theme::styleChart(lossChart);
    m_trainLoss = makeSeries(QStringLiteral("trainLoss"), tr("train"), theme::train());
    m_testLoss = makeSeries(QStringLiteral("testLoss"), tr("test"), theme::test());
    m_batchLoss = makeSeries(QStringLiteral("batchLoss"), tr("per batch (smoothed)"), theme::smoothed(), 1.2);
    for (QLineSeries* s : {m_batchLoss, m_trainLoss, m_testLoss}) lossChart->addSeries(s);
    m_lossX = makeAxis(tr("epoch"), QStringLiteral("%.0f"));
    m_lossY = makeAxis(QString(), QStringLiteral("%.2f"));
    lossChart->addAxis(m_lossX, Qt::AlignBottom);
    lossChart->addAxis(m_lossY, Qt::AlignLeft);
    for (QLineSeries* s : {m_batchLoss, m_trainLoss, m_testLoss}) {
        s->attachAxis(m_lossX);
        s->attachAxis(m_lossY);
    }
    m_lossView = new QChartView(lossChart, w);
    m_lossView->setObjectName(QStringLiteral("lossChart"));
    m_lossView->setRenderHint(QPainter::Antialiasing);

    auto* accChart = new QChart;
    accChart->setTitle(tr("Accuracy"));
    theme::styleChart(accChart);
    m_trainAcc = makeSeries(QStringLiteral("trainAccuracy"), tr("train"), theme::train());
    m_testAcc = makeSeries(QStringLiteral("testAccuracy"), tr("test"), theme::test());
    accChart->addSeries(m_trainAcc);
    accChart->addSeries(m_testAcc);
    m_accX = makeAxis(tr("epoch"), QStringLiteral("%.0f"));
    m_accY = makeAxis(QString(), QStringLiteral("%.1f"));
    m_accY->setRange(0.0, 1.0);
    m_accY->setTickCount(6);
    accChart->addAxis(m_accX, Qt::AlignBottom);
    accChart->addAxis(m_accY, Qt::AlignLeft);
    for (QLineSeries* s : {m_trainAcc, m_testAcc}) {
        s->attachAxis(m_accX);
        s->attachAxis(m_accY);
    }
    m_accView = new QChartView(accChart, w);
    m_accView->setObjectName(QStringLiteral("accuracyChart"));
    m_accView->setRenderHint(QPainter::Antialiasing);
    for (QChartView* v : {m_lossView, m_accView}) {
        v->setMinimumSize(170, 200);  // two side by side still fit a 1024 px window
        v->chart()->legend()->setAlignment(Qt::AlignBottom);
    }
    l->addWidget(m_lossView);
    l->addWidget(m_accView);
    return w;
}

QWidget* TrainingView::buildEvaluation() {
    auto* w = new QWidget;
    auto* l = new QHBoxLayout(w);
    l->setContentsMargins(0, 0, 0, 0);
    l->setSpacing(10);
    m_perClass = new QTableWidget(0, 2, w);
    m_perClass->setHorizontalHeaderLabels({tr("Class"), tr("Test accuracy")});
    m_perClass->horizontalHeader()->setStretchLastSection(true);
    m_perClass->verticalHeader()->hide();
    m_perClass->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_heatMap = new HeatMap(w);
    l->addWidget(makeSection(tr("Per-class accuracy"), m_perClass, w), 1);
    l->addWidget(makeSection(tr("Confusion matrix (rows: true class)"), m_heatMap, w), 1);
    return w;
}

void TrainingView::setClasses(const QVector<DatasetClass>& classes) {
    const QSignalBlocker block(m_classTable);
    m_classTable->setRowCount(0);
    for (const DatasetClass& c : classes) {
        const int row = m_classTable->rowCount();
        m_classTable->insertRow(row);
        m_classTable->setItem(row, 0, new QTableWidgetItem(c.name));
        m_classTable->setItem(row, 1, new QTableWidgetItem(c.prompt));
    }
    m_classTable->resizeColumnToContents(0);
    Q_EMIT classesChanged(classNames());
}

QVector<DatasetClass> TrainingView::classes() const {
    QVector<DatasetClass> out;
    for (int r = 0; r < m_classTable->rowCount(); ++r) {
        const auto* name = m_classTable->item(r, 0);
        const auto* prompt = m_classTable->item(r, 1);
        if (name && prompt && !name->text().trimmed().isEmpty() && !prompt->text().trimmed().isEmpty()) {
            out << DatasetClass{name->text().trimmed(), prompt->text().trimmed()};
        }
    }
    return out;
}

QStringList TrainingView::classNames() const {
    QStringList out;
    for (const DatasetClass& c : classes()) out << c.name;
    return out;
}

void TrainingView::setDatasetFolder(const QString& folder) { m_datasetFolder->setText(folder); }
QString TrainingView::datasetFolder() const { return m_datasetFolder->text().trimmed(); }
void TrainingView::setTrainingName(const QString& name) { m_name->setText(name); }
QString TrainingView::trainingName() const { return m_name->text().trimmed(); }

void TrainingView::setGenerationSummary(const GenerationParams& p) {
    // As the window fills the request in (JobRouter::buildDataset): a random seed becomes 0 so
    // that an interrupted dataset resumes with the same images.
    const qint64 seed = p.seed < 0 ? 0 : p.seed;
    m_generationSummary->setText(tr("Images: %1, %2, %3 steps, guidance %4, %5×%6, seeds from %7, on %8 "
                                    "(the Sampler panel's settings)")
                                     .arg(QFileInfo(p.model).fileName().isEmpty() ? p.model : QFileInfo(p.model).fileName(),
                                          p.scheduler)
                                     .arg(p.steps)
                                     .arg(p.guidance, 0, 'g', 3)
                                     .arg(p.width)
                                     .arg(p.height)
                                     .arg(seed)
                                     .arg(p.device));
}

void TrainingView::setTrainingDefaults(int imagesPerClass, int epochs, double learningRate, int batchSize,
                                       double testFraction, const QString& optimizer, qint64 seed) {
    const int o = m_optimizer->findText(optimizer, Qt::MatchFixedString);
    m_optimizer->setCurrentIndex(o >= 0 ? o : 0);
    m_seed->setValue(int(seed));
    m_imagesPerClass->setValue(imagesPerClass);
    m_epochs->setValue(epochs);
    m_learningRate->setValue(learningRate);
    m_batchSize->setValue(batchSize);
    m_testFraction->setValue(testFraction);
    m_epochsPlanned = std::max(1, epochs);
    fitAxes();
}

DatasetRequest TrainingView::datasetRequest() const {
    DatasetRequest r;
    r.classes = classes();
    r.imagesPerClass = m_imagesPerClass->value();
    r.folder = datasetFolder();
    return r;
}

TrainRequest TrainingView::trainRequest() const {
    TrainRequest r;
    r.datasetFolder = datasetFolder();
    r.epochs = m_epochs->value();
    r.batchSize = m_batchSize->value();
    r.learningRate = m_learningRate->value();
    r.testFraction = m_testFraction->value();
    r.optimizer = m_optimizer->currentText();
    r.seed = m_seed->value();
    // Beside the dataset, not inside it (every sub-folder of the dataset is a class).
    r.exportPath = QDir::cleanPath(datasetFolder()) + QStringLiteral("-classifier");
    return r;
}

void TrainingView::resetCharts(int epochs) {
    m_epochsPlanned = std::max(1, epochs);
    for (QLineSeries* s : {m_trainLoss, m_testLoss, m_batchLoss, m_trainAcc, m_testAcc}) s->clear();
    m_smoothed = -1;
    m_lossY->setRange(0.0, 1.0);
    fitAxes();
    m_perClass->setRowCount(0);
    m_heatMap->setMatrix({}, {});
}

void TrainingView::fitAxes() {
    m_lossX->setRange(0.0, m_epochsPlanned);
    m_accX->setRange(0.0, m_epochsPlanned);
    // Whole epochs at a 1-2-5 step that leaves at most 6 labels: a fixed tick count puts ticks
    // between epochs ("1.2") and crowds the narrow charts until Qt elides every label to "…".
    int step = 1;
    for (const int s : {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000}) {
        step = s;
        if (m_epochsPlanned / s <= 6) break;
    }
    for (QValueAxis* axis : {m_lossX, m_accX}) {
        axis->setTickType(QValueAxis::TicksDynamic);
        axis->setTickAnchor(0.0);
        axis->setTickInterval(step);
    }
}

void TrainingView::addEpoch(const EpochMetrics& m) {
    if (m.epochs > 0 && m.epochs != m_epochsPlanned) {
        m_epochsPlanned = m.epochs;
        fitAxes();
    }
    m_trainLoss->append(m.epoch, m.trainLoss);
    m_testLoss->append(m.epoch, m.testLoss);
    m_trainAcc->append(m.epoch, m.trainAccuracy);
    m_testAcc->append(m.epoch, m.testAccuracy);
    const double top = std::max({m_lossY->max(), m.trainLoss * 1.1, m.testLoss * 1.1});
    m_lossY->setRange(0.0, top);
}

void TrainingView::addBatchLoss(int epoch, int batch, int batchesPerEpoch, double loss) {
    m_smoothed = m_smoothed < 0 ? loss : kSmoothing * m_smoothed + (1 - kSmoothing) * loss;
    // x in epochs: batch b (1-based) of epoch e (1-based) ends at e-1 + b/B.
    const double x = (epoch - 1) + double(batch) / std::max(1, batchesPerEpoch);
    m_batchLoss->append(x, m_smoothed);
    if (m_smoothed * 1.1 > m_lossY->max()) m_lossY->setRange(0.0, m_smoothed * 1.1);
}

void TrainingView::showEvaluation(const TrainingEvaluation& e) {
    m_perClass->setRowCount(0);
    for (int i = 0; i < e.classes.size(); ++i) {
        m_perClass->insertRow(i);
        m_perClass->setItem(i, 0, new QTableWidgetItem(e.classes[i]));
        const double acc = i < e.perClassAccuracy.size() ? e.perClassAccuracy[i] : 0.0;
        m_perClass->setItem(i, 1, new QTableWidgetItem(QStringLiteral("%1 %").arg(acc * 100.0, 0, 'f', 1)));
    }
    m_heatMap->setMatrix(e.classes, e.confusion);
    if (!e.exportedModel.isEmpty()) setClassifier(e.exportedModel);
}

void TrainingView::showClassification(const ClassifyResult& r) {
    QStringList lines;
    for (const ClassScore& s : r.scores) lines << QStringLiteral("%1: %2 %").arg(s.name.toHtmlEscaped()).arg(s.probability * 100.0, 0, 'f', 1);
    if (!lines.isEmpty()) lines[0] = QStringLiteral("<b>") + lines[0] + QStringLiteral("</b>");
    m_classifyResult->setText(lines.join(QStringLiteral("<br>")));
}

void TrainingView::setDatasetRunning(bool running) {
    m_build->setEnabled(!running);
    m_train->setEnabled(!running);
}

void TrainingView::setDatasetProgress(int step, int total) {
    m_datasetProgress->setFormat(tr("%v / %m images"));
    m_datasetProgress->setMaximum(std::max(1, total));
    m_datasetProgress->setValue(step);
}

void TrainingView::setTrainingRunning(bool running) {
    m_train->setEnabled(!running);
    m_build->setEnabled(!running);
    m_stop->setEnabled(running);
    m_export->setEnabled(!running && !m_classifier.isEmpty());
}

void TrainingView::setTrainingProgress(int step, int total, double etaSeconds) {
    m_trainProgress->setMaximum(std::max(1, total));
    m_trainProgress->setValue(step);
    m_eta->setText(tr("ETA %1").arg(formatEta(etaSeconds)));
}

void TrainingView::showError(const QString& message) {
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

void TrainingView::setClassifier(const QString& path) {
    m_classifier = path;
    m_export->setEnabled(!path.isEmpty() && m_train->isEnabled());
}

void TrainingView::exportClassifier() {
    if (m_classifier.isEmpty()) return;
    const QString target = QFileDialog::getExistingDirectory(this, tr("Export the classifier into folder"), QDir::homePath());
    if (target.isEmpty()) return;
    // The classifier is a folder (model.safetensors + classifier.json): copy every file.
    const QDir source(m_classifier);
    QStringList failed;
    for (const QString& name : source.entryList(QDir::Files)) {
        const QString to = QDir(target).filePath(name);
        if (QFile::exists(to)) QFile::remove(to);
        if (!QFile::copy(source.filePath(name), to)) failed << to;
    }
    if (!failed.isEmpty()) {
        QMessageBox::warning(this, tr("Export classifier"),
                             tr("Could not write %1.\nCheck that the folder is writable.").arg(failed.join(QStringLiteral(", "))));
        return;
    }
    Q_EMIT statusMessage(tr("Classifier exported to %1").arg(target));
}

}  // namespace pictor::ui
