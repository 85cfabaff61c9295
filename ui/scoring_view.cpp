#include "ui/scoring_view.h"

#include "ui/charts.h"
#include "ui/vertical_scroll_area.h"

#include <QComboBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QShortcut>
#include <QSplitter>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace pictor::ui {

ScoringView::ScoringView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);
    layout->setSpacing(0);
    // Image column | chart over table, in splitters that never collapse a side: the chart keeps
    // kChartMinWidth × kChartMinHeight, the column gives up width first.
    auto* columns = new QSplitter(Qt::Horizontal, this);
    columns->setObjectName(QStringLiteral("scoringColumns"));
    columns->setChildrenCollapsible(false);
    columns->setHandleWidth(10);

    // Left column: image, labels, actions; it scrolls when the window is too short for it.
    auto* leftScroll = new VerticalScrollArea(columns);
    auto* left = new QWidget(leftScroll);
    left->setMinimumWidth(240);
    left->setMaximumWidth(420);
    auto* l = new QVBoxLayout(left);
    l->setContentsMargins(0, 0, 0, 0);
    l->setSpacing(8);
    m_image = new ImageDropZone(tr("Drop an image here\nor click to choose one"), left);
    m_image->setMinimumHeight(150);  // leaves the labels their room in a 700 px window
    l->addWidget(makeSection(tr("Image"), m_image, left), 3);

    auto* labelsBox = new QWidget(left);
    auto* lb = new QVBoxLayout(labelsBox);
    lb->setContentsMargins(0, 0, 0, 0);
    m_presets = new QComboBox(labelsBox);
    m_presets->setToolTip(tr("Replace the labels with a preset (style × object)"));
    lb->addWidget(m_presets);
    m_labels = new QListWidget(labelsBox);
    m_labels->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed |
                              QAbstractItemView::SelectedClicked);
    m_labels->setAccessibleName(tr("Labels"));
    m_labels->setToolTip(tr("Double-click or F2 to edit a label; Insert adds one, Delete removes it"));
    lb->addWidget(m_labels, 1);
    auto* labelButtons = new QHBoxLayout;
    auto* add = new QPushButton(tr("Add"), labelsBox);
    auto* remove = new QPushButton(tr("Remove"), labelsBox);
    add->setToolTip(tr("Add a label (Insert)"));
    remove->setToolTip(tr("Remove the selected label (Delete)"));
    labelButtons->addWidget(add);
    labelButtons->addWidget(remove);
    labelButtons->addStretch();
    lb->addLayout(labelButtons);
    l->addWidget(makeSection(tr("Labels"), labelsBox, left), 3);

    m_score = new QPushButton(tr("Score"), left);
    m_score->setObjectName(QStringLiteral("primary"));
    m_score->setToolTip(tr("Score the image against the labels with CLIP (F5)"));
    m_scoreAll = new QPushButton(tr("Score all gallery images"), left);
    m_scoreAll->setToolTip(tr("Score every gallery image and list the results in a table (Shift+F5)"));
    m_error = makeErrorLabel(left);
    l->addWidget(m_score);
    l->addWidget(m_scoreAll);
    l->addWidget(m_error);
    leftScroll->setWidget(left);
    leftScroll->setMaximumWidth(440);  // the column's 420 and a scroll bar
    columns->addWidget(leftScroll);

    // Right: the chart over the table.
    auto* right = new QSplitter(Qt::Vertical, columns);
    right->setObjectName(QStringLiteral("scoringResults"));
    right->setChildrenCollapsible(false);
    m_chart = new BarChart(tr("CLIP zero-shot probabilities"), right);
    m_chart->setObjectName(QStringLiteral("scoreChart"));
    m_chart->setMinimumSize(kChartMinWidth, kChartMinHeight);
    m_table = new QTableWidget(right);
    m_table->setMinimumHeight(110);
    m_table->setToolTip(tr("Click a row to see that image and its bars"));
    m_table->setObjectName(QStringLiteral("scoreTable"));
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->hide();
    right->addWidget(m_chart);
    right->addWidget(m_table);
    right->setStretchFactor(0, 3);
    right->setStretchFactor(1, 2);
    columns->addWidget(right);
    columns->setStretchFactor(0, 0);
    columns->setStretchFactor(1, 1);
    layout->addWidget(columns);
    connect(m_table, &QTableWidget::currentCellChanged, this, [this](int row) { showRow(row); });

    connect(m_presets, &QComboBox::activated, this, &ScoringView::applyPreset);
    connect(add, &QPushButton::clicked, this, [this] {
        auto* item = new QListWidgetItem(tr("a new label"), m_labels);
        item->setFlags(item->flags() | Qt::ItemIsEditable);
        m_labels->setCurrentItem(item);
        m_labels->editItem(item);
    });
    connect(remove, &QPushButton::clicked, this, [this] { delete m_labels->currentItem(); });
    auto* ins = new QShortcut(QKeySequence(Qt::Key_Insert), m_labels, nullptr, nullptr, Qt::WidgetShortcut);
    connect(ins, &QShortcut::activated, add, &QPushButton::click);
    auto* del = new QShortcut(QKeySequence::Delete, m_labels, nullptr, nullptr, Qt::WidgetShortcut);
    connect(del, &QShortcut::activated, remove, &QPushButton::click);
    connect(m_score, &QPushButton::clicked, this, &ScoringView::requestScore);
    connect(m_scoreAll, &QPushButton::clicked, this, [this] {
        showError({});
        Q_EMIT scoreAllRequested(labels());
    });
    auto* f5 = new QShortcut(QKeySequence(Qt::Key_F5), this, nullptr, nullptr, Qt::WidgetWithChildrenShortcut);
    connect(f5, &QShortcut::activated, m_score, &QPushButton::click);
    auto* sf5 = new QShortcut(QKeySequence(Qt::SHIFT | Qt::Key_F5), this, nullptr, nullptr, Qt::WidgetWithChildrenShortcut);
    connect(sf5, &QShortcut::activated, m_scoreAll, &QPushButton::click);
    connect(m_image, &ImageDropZone::imageDropped, this, [this] { showError({}); });
    m_chart->clear(tr("Score an image to see the probabilities"));
}

void ScoringView::setPresets(const QVector<LabelPresetEntry>& presets) {
    m_presets->clear();
    m_presetLabels.clear();
    m_presets->addItem(tr("Presets…"));
    m_presetLabels << QStringList{};
    for (const LabelPresetEntry& preset : presets) {
        m_presets->addItem(tr("%1 (%2 labels)").arg(preset.name).arg(preset.labels.size()));
        m_presetLabels << preset.labels;
    }
}

void ScoringView::applyPreset(int index) {
    if (index <= 0 || index >= m_presetLabels.size()) return;
    setLabels(m_presetLabels[index]);
    m_presets->setCurrentIndex(0);
}

void ScoringView::setLabels(const QStringList& labels) {
    m_labels->clear();
    for (const QString& label : labels) {
        auto* item = new QListWidgetItem(label, m_labels);
        item->setFlags(item->flags() | Qt::ItemIsEditable);
    }
}

QStringList ScoringView::labels() const {
    QStringList out;
    for (int i = 0; i < m_labels->count(); ++i) {
        const QString text = m_labels->item(i)->text().trimmed();
        if (!text.isEmpty()) out << text;
    }
    return out;
}

void ScoringView::setImagePath(const QString& path) {
    m_image->setImagePath(path);
    showError({});
}

QString ScoringView::imagePath() const { return m_image->imagePath(); }

void ScoringView::requestScore() {
    if (imagePath().isEmpty()) {
        showError(tr("Choose an image first: drop one on the image box, click it, or use “Send to scoring” "
                     "in the gallery."));
        return;
    }
    if (labels().isEmpty()) {
        showError(tr("The label list is empty: add at least one label or pick a preset."));
        return;
    }
    showError({});
    Q_EMIT scoreRequested(imagePath(), labels());
}

void ScoringView::showResult(const ScoreResult& result) {
    QVector<BarChart::Bar> bars;
    for (const LabelScore& s : result.scores) {
        bars << BarChart::Bar{s.label, s.probability, tr("logit %1").arg(s.logit, 0, 'f', 3)};
    }
    m_chart->setBars(bars);
    m_chart->chart()->setTitle(tr("CLIP zero-shot probabilities — %1").arg(QFileInfo(result.imagePath).fileName()));
    if (imagePath() != result.imagePath) m_image->setImagePath(result.imagePath);
}

void ScoringView::showRow(int row) {
    if (row >= 0 && row < m_rows.size()) showResult(m_rows[row]);
}

void ScoringView::clearTable() {
    m_rows.clear();
    m_table->clear();
    m_table->setRowCount(0);
    m_table->setColumnCount(0);
    m_table->show();
}

void ScoringView::appendTableRow(const ScoreResult& result) {
    if (m_table->columnCount() == 0) {
        QStringList headers{tr("Image"), tr("Best label"), tr("p(best)")};
        for (const LabelScore& s : result.scores) headers << s.label;
        m_table->setColumnCount(headers.size());
        m_table->setHorizontalHeaderLabels(headers);
    }
    const int row = m_table->rowCount();
    m_rows << result;
    m_table->insertRow(row);
    int best = 0;
    for (int i = 1; i < result.scores.size(); ++i) {
        if (result.scores[i].probability > result.scores[best].probability) best = i;
    }
    auto* name = new QTableWidgetItem(QFileInfo(result.imagePath).fileName());
    name->setToolTip(result.imagePath);
    m_table->setItem(row, 0, name);
    if (!result.scores.isEmpty()) {
        m_table->setItem(row, 1, new QTableWidgetItem(result.scores[best].label));
        m_table->setItem(row, 2, new QTableWidgetItem(QString::number(result.scores[best].probability, 'f', 3)));
    }
    for (int i = 0; i < result.scores.size(); ++i) {
        auto* cell = new QTableWidgetItem(QString::number(result.scores[i].probability, 'f', 3));
        cell->setToolTip(tr("logit %1").arg(result.scores[i].logit, 0, 'f', 3));
        if (i == best) cell->setForeground(QColor(0xf5, 0xa6, 0x23));
        m_table->setItem(row, 3 + i, cell);
    }
    m_table->resizeColumnsToContents();
    // Long labels as column titles would make the table as wide as all of them: cap each column
    // (the header's tooltip has the whole label).
    for (int c = 0; c < m_table->columnCount(); ++c) {
        m_table->setColumnWidth(c, std::min(m_table->columnWidth(c), 180));
        if (auto* header = m_table->horizontalHeaderItem(c)) header->setToolTip(header->text());
    }
    if (row == 0) {
        m_table->setCurrentCell(0, 0);  // shows it
        showResult(result);
    }
}

void ScoringView::setBusy(bool busy) {
    m_score->setEnabled(!busy);
    m_scoreAll->setEnabled(!busy);
}

void ScoringView::showError(const QString& message) {
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

}  // namespace pictor::ui
