#include "ui/grid_view.h"
#include "ui/vertical_scroll_area.h"

#include "core/jobs/grid_axes.h"
#include "core/jobs/grid_image.h"
#include "core/jobs/job_error.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QShortcut>
#include <QStyledItemDelegate>
#include <QTableWidget>
#include <QVBoxLayout>

namespace pictor::ui {

namespace {

struct AxisChoice {
    const char* title;
    const char* name;  // the engine's axis name; "" = no axis
    const char* placeholder;
};

// The axes the engine's grid job has (core/jobs/grid_axes.h), as the studio names them.
const AxisChoice kAxisChoices[] = {
    {"—", "", ""},
    {"Steps", "steps", "10,20,30  or  10-30 (+10)"},
    {"CFG scale", "guidance", "3,7.5,12  or  3-12 [4]"},
    {"Seed", "seed", "1,2,3  or  1-8"},
    {"Sampler", "sampler", "PNDM,Euler a,DPM++ 2M Karras"},
    {"Size", "size", "512x512,768x512"},
    {"Prompt S/R", "prompt_sr", "fox,cat,dog  (the first is searched for in the prompt)"},
    {"LoRA strength", "lora", "0,0.5,1  (the LoRA list's LoRAs)"},
    {"Checkpoint", "checkpoint", "model folders, files or repo ids"},
    {"Denoising strength", "strength", "0.3,0.5,0.7  (img2img)"},
    {"Clip skip", "clip_skip", "1,2"},
    {"Timestep spacing", "spacing", "leading,trailing"},
};

constexpr int kThumb = 96;

// A cell's thumbnail above its text (the probability and best label), as in the grid picture.
class CellDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;

protected:
    void initStyleOption(QStyleOptionViewItem* option, const QModelIndex& index) const override {
        QStyledItemDelegate::initStyleOption(option, index);
        option->decorationPosition = QStyleOptionViewItem::Top;
        option->displayAlignment = Qt::AlignHCenter | Qt::AlignTop;
        option->textElideMode = Qt::ElideRight;
    }
};

QString percentText(double p) { return QString::number(p * 100, 'f', 0) + QLatin1Char('%'); }

}  // namespace

GridView::GridView(QWidget* parent) : QWidget(parent) {
    // A group box is at least as wide as its title: the explanation is a wrapped line inside.
    auto* axesBox = new QGroupBox(tr("Axes"));
    auto* axesForm = new QFormLayout(axesBox);
    auto* axesHint = new QLabel(tr("The Generate panel's prompt, model and settings, one value changed per axis."));
    axesHint->setObjectName(QStringLiteral("hint"));
    axesHint->setWordWrap(true);
    axesForm->addRow(axesHint);
    const char* rowNames[] = {"&X", "&Y", "&Z"};
    for (int a = 0; a < 3; ++a) {
        auto* type = new QComboBox;
        for (const AxisChoice& c : kAxisChoices) type->addItem(tr(c.title), QString::fromLatin1(c.name));
        if (a == 0) type->removeItem(0);  // X is always an axis
        auto* values = new QLineEdit;
        values->setClearButtonEnabled(true);
        auto* row = new QHBoxLayout;
        row->addWidget(type);
        row->addWidget(values, 1);
        auto* label = new QLabel(tr(rowNames[a]));
        label->setBuddy(values);  // Alt+X/Y/Z reaches the values
        axesForm->addRow(label, row);
        type->setAccessibleName(tr("%1 axis").arg(QLatin1Char('X' + a)));
        values->setAccessibleName(tr("%1 axis values").arg(QLatin1Char('X' + a)));
        m_rows[a] = {type, values};
        connect(type, &QComboBox::currentIndexChanged, this, [this, a] {
            const QString name = m_rows[a].type->currentData().toString();
            for (const AxisChoice& c : kAxisChoices)
                if (name == QLatin1String(c.name)) m_rows[a].values->setPlaceholderText(tr(c.placeholder));
            m_rows[a].values->setEnabled(!name.isEmpty());
            validate();
        });
        connect(values, &QLineEdit::textChanged, this, &GridView::validate);
    }
    m_rows[0].type->setCurrentIndex(0);
    m_rows[0].values->setPlaceholderText(tr(kAxisChoices[1].placeholder));
    m_rows[1].values->setEnabled(false);
    m_rows[2].values->setEnabled(false);
    m_count = new QLabel;
    m_error = new QLabel;
    m_error->setObjectName(QStringLiteral("inlineError"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #c62828;"));
    axesForm->addRow(m_count);
    axesForm->addRow(m_error);

    auto* scoreBox = new QGroupBox(tr("CLIP scoring"));
    auto* scoreLayout = new QFormLayout(scoreBox);
    m_score = new QCheckBox(tr("Score every cell with CLIP"));
    m_score->setToolTip(tr("CLIP's probability of each label for every cell: the best label under each cell, "
                           "a heat map of one label over the axes, and a CSV"));
    m_labels = new QPlainTextEdit;
    m_labels->setPlaceholderText(tr("One label per line, e.g.\na watercolor painting of a fox\na photo of a fox"));
    m_labels->setMaximumHeight(90);
    m_labels->setTabChangesFocus(true);
    m_heat = new QComboBox;
    m_heat->setToolTip(tr("The label whose probability colours the cells"));
    scoreLayout->addRow(m_score);
    scoreLayout->addRow(tr("Labels"), m_labels);
    scoreLayout->addRow(tr("Heat map"), m_heat);
    connect(m_score, &QCheckBox::toggled, this, [this](bool on) {
        m_labels->setEnabled(on);
        m_heat->setEnabled(on);
        validate();
    });
    connect(m_labels, &QPlainTextEdit::textChanged, this, [this] {
        const QString current = m_heat->currentText();
        m_heat->clear();
        m_heat->addItems(labels());
        const int i = m_heat->findText(current);
        if (i >= 0) m_heat->setCurrentIndex(i);
        validate();
    });
    connect(m_heat, &QComboBox::currentIndexChanged, this, &GridView::recolour);
    m_labels->setEnabled(false);
    m_heat->setEnabled(false);

    m_run = new QPushButton(tr("Run grid"));  // Ctrl+Shift+G; its letters are taken
    m_run->setToolTip(tr("Generate every cell (Ctrl+Shift+G); cells made before are reused"));
    m_run->setDefault(true);
    m_cancel = new QPushButton(tr("Cancel"));
    m_cancel->setToolTip(tr("Stop after the current step; finished cells are kept and reused by the next run"));
    m_cancel->setEnabled(false);
    connect(m_run, &QPushButton::clicked, this, [this] {
        if (validationError().isEmpty()) Q_EMIT runRequested();
    });
    connect(m_cancel, &QPushButton::clicked, this, &GridView::cancelRequested);
    auto* runShortcut = new QShortcut(QKeySequence(QStringLiteral("Ctrl+Shift+G")), this);
    runShortcut->setContext(Qt::WidgetWithChildrenShortcut);
    connect(runShortcut, &QShortcut::activated, m_run, &QPushButton::click);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_run);
    buttons->addWidget(m_cancel);
    buttons->addStretch(1);

    m_zPick = new QComboBox;
    m_zPick->setToolTip(tr("The Z value whose cells the table shows"));
    m_zPick->setVisible(false);
    connect(m_zPick, &QComboBox::currentIndexChanged, this, [this](int z) { showZ(std::max(z, 0)); });
    m_table = new QTableWidget;
    m_table->setIconSize(QSize(kThumb, kThumb));
    m_table->setItemDelegate(new CellDelegate(m_table));
    m_table->setWordWrap(false);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->horizontalHeader()->setDefaultSectionSize(kThumb + 64);
    m_table->verticalHeader()->setDefaultSectionSize(kThumb + 2 * fontMetrics().height() + 8);
    m_table->setToolTip(tr("Double-click a cell to view its image"));
    connect(m_table, &QTableWidget::cellDoubleClicked, this, [this](int row, int column) {
        if (QTableWidgetItem* item = m_table->item(row, column)) {
            const QString path = item->data(Qt::UserRole).toString();
            if (!path.isEmpty()) Q_EMIT openImageRequested(path);
        }
    });
    m_openGrid = new QPushButton(tr("View grid"));
    m_openHeat = new QPushButton(tr("View heat map"));
    m_exportCsv = new QPushButton(tr("Export CSV…"));
    m_exportCsv->setToolTip(tr("Every cell's axis values, file and CLIP probabilities"));
    connect(m_openGrid, &QPushButton::clicked, this, [this] { Q_EMIT openImageRequested(m_result.gridFile); });
    connect(m_openHeat, &QPushButton::clicked, this, [this] { Q_EMIT openImageRequested(m_result.heatmapFile); });
    connect(m_exportCsv, &QPushButton::clicked, this, &GridView::exportCsv);
    for (QPushButton* b : {m_openGrid, m_openHeat, m_exportCsv}) b->setEnabled(false);
    m_summary = new QLabel;
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* resultButtons = new QHBoxLayout;
    resultButtons->addWidget(m_zPick);
    resultButtons->addWidget(m_openGrid);
    resultButtons->addWidget(m_openHeat);
    resultButtons->addWidget(m_exportCsv);
    resultButtons->addStretch(1);

    // In a scroll area: the wrapped hint and error lines ask for height by width, and outside a
    // scroll area that made the whole window taller than a 700 px screen.
    auto* content = new QWidget;
    auto* layout = new QVBoxLayout(content);
    auto* top = new QHBoxLayout;
    top->addWidget(axesBox, 3);
    top->addWidget(scoreBox, 2);
    layout->addLayout(top);
    layout->addLayout(buttons);
    layout->addWidget(m_table, 1);
    layout->addLayout(resultButtons);
    layout->addWidget(m_summary);
    auto* scroll = new VerticalScrollArea(this);
    scroll->setWidget(content);
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(scroll);
    validate();
}

QVector<GridAxisText> GridView::axes() const {
    QVector<GridAxisText> out;
    for (const AxisRow& row : m_rows) {
        const QString name = row.type->currentData().toString();
        if (name.isEmpty() || row.values->text().trimmed().isEmpty()) continue;
        out.push_back({name, row.values->text().trimmed()});
    }
    return out;
}

void GridView::setAxes(const QVector<GridAxisText>& axes) {
    for (int a = 0; a < 3; ++a) {
        const GridAxisText axis = a < axes.size() ? axes[a] : GridAxisText{};
        const int i = m_rows[a].type->findData(axis.name);
        m_rows[a].type->setCurrentIndex(i >= 0 ? i : 0);
        m_rows[a].values->setText(axis.values);
    }
    validate();
}

bool GridView::scoring() const { return m_score->isChecked(); }

QStringList GridView::labels() const {
    QStringList out;
    for (const QString& line : m_labels->toPlainText().split(QLatin1Char('\n')))
        if (!line.trimmed().isEmpty()) out << line.trimmed();
    return out;
}

void GridView::setLabels(const QStringList& labels) {
    m_labels->setPlainText(labels.join(QLatin1Char('\n')));
    m_score->setChecked(!labels.isEmpty());
}

QString GridView::heatLabel() const { return m_heat->currentText(); }

QStringList GridView::axisValues(int axis) const {
    const QVector<GridAxisText> list = axes();
    if (axis >= list.size()) return {};
    QStringList out;
    try {
        for (const std::string& v : jobs::parse_axis(list[axis].text().toStdString()).values) out << QString::fromStdString(v);
    } catch (const std::exception&) {
        return {};
    }
    return out;
}

int GridView::cellCount() const {
    int n = 1;
    for (int a = 0; a < axes().size(); ++a) n *= std::max<int>(1, int(axisValues(a).size()));
    return n;
}

QString GridView::validationError() const {
    // The rows in order: a Y axis needs an X axis, a Z axis a Y axis (as the CLI's --x/--y/--z).
    bool gap = false;
    QStringList names;
    for (int a = 0; a < 3; ++a) {
        const QString name = m_rows[a].type->currentData().toString();
        const bool has = !name.isEmpty() && !m_rows[a].values->text().trimmed().isEmpty();
        if (has && gap) return tr("Fill the axes in order: %1 needs the axis above it").arg(QLatin1Char('X' + a));
        if (!has) gap = true;
        if (has && names.contains(name)) return tr("The axis %1 is chosen twice").arg(m_rows[a].type->currentText());
        if (has) names << name;
    }
    const QVector<GridAxisText> list = axes();
    if (list.isEmpty()) return tr("Give the X axis its values");
    for (const GridAxisText& axis : list) {
        try {
            jobs::parse_axis(axis.text().toStdString());
        } catch (const std::exception& e) {
            return QString::fromStdString(e.what());
        }
    }
    if (scoring() && labels().isEmpty()) return tr("Give at least one CLIP label (one per line), or turn scoring off");
    if (cellCount() > 1000) return tr("%1 cells: a grid has at most 1000").arg(cellCount());
    return {};
}

void GridView::validate() {
    const QString problem = validationError();
    m_error->setText(problem);
    m_error->setVisible(!problem.isEmpty());
    m_run->setEnabled(problem.isEmpty() && !m_cancel->isEnabled());
    const QVector<GridAxisText> list = axes();
    QStringList dims;
    for (int a = 0; a < list.size(); ++a) dims << QString::number(axisValues(a).size());
    m_count->setText(problem.isEmpty() ? tr("%1 = %2 cells").arg(dims.join(QStringLiteral(" × "))).arg(cellCount()) : QString());
}

void GridView::beginRun() {
    m_cells.clear();
    m_result = {};
    m_runValues.clear();
    for (int a = 0; a < 3; ++a) m_runValues.push_back(axisValues(a));
    for (QPushButton* b : {m_openGrid, m_openHeat, m_exportCsv}) b->setEnabled(false);
    m_summary->clear();
    m_zPick->blockSignals(true);
    m_zPick->clear();
    const QVector<GridAxisText> list = axes();
    if (list.size() > 2)
        for (const QString& v : m_runValues[2]) m_zPick->addItem(m_rows[2].type->currentText() + QStringLiteral(": ") + v);
    m_zPick->setVisible(list.size() > 2);
    m_zPick->blockSignals(false);
    showZ(0);
}

void GridView::showZ(int z) {
    const QStringList xs = m_runValues.value(0), ys = m_runValues.value(1);
    m_table->clear();
    m_table->setColumnCount(std::max<int>(1, int(xs.size())));
    m_table->setRowCount(std::max<int>(1, int(ys.size())));
    QStringList xHeaders, yHeaders;
    for (const QString& v : xs) xHeaders << m_rows[0].type->currentText() + QStringLiteral(": ") + v;
    for (const QString& v : ys) yHeaders << m_rows[1].type->currentText() + QStringLiteral(": ") + v;
    m_table->setHorizontalHeaderLabels(xHeaders);
    if (!yHeaders.isEmpty()) m_table->setVerticalHeaderLabels(yHeaders);
    for (const GridCellResult& cell : m_cells)
        if (cell.z == z) {
            auto* item = new QTableWidgetItem(QIcon(QPixmap::fromImage(cell.thumbnail)), QString());
            item->setData(Qt::UserRole, cell.path);
            item->setToolTip(QFileInfo(cell.path).fileName() + (cell.reused ? tr(" (from an earlier run)") : QString()));
            m_table->setItem(cell.y, cell.x, item);
        }
    recolour();
}

void GridView::recolour() {
    const int z = std::max(0, m_zPick->currentIndex());
    const QString heat = heatLabel();
    for (const GridCellResult& cell : m_cells) {
        if (cell.z != z) continue;
        QTableWidgetItem* item = m_table->item(cell.y, cell.x);
        if (!item || cell.best < 0) continue;
        const int h = int(cell.labels.indexOf(heat));
        const int shown = h >= 0 ? h : cell.best;
        const Color c = jobs::heat_color(cell.probabilities.value(shown));
        item->setBackground(QColor(c.r, c.g, c.b));
        item->setForeground((0.299 * c.r + 0.587 * c.g + 0.114 * c.b) < 128 ? Qt::white : Qt::black);
        item->setText(h >= 0 ? percentText(cell.probabilities.value(h)) + QStringLiteral(" · ") + cell.labels.value(cell.best)
                             : cell.labels.value(cell.best) + QLatin1Char(' ') + percentText(cell.probabilities.value(cell.best)));
    }
}

void GridView::addCell(const GridCellResult& cell) {
    m_cells.push_back(cell);
    if (cell.z == std::max(0, m_zPick->currentIndex())) showZ(cell.z);
    m_summary->setText(tr("%1 of %2 cells").arg(m_cells.size()).arg(cellCount()));
}

void GridView::finishRun(const GridResult& result) {
    m_result = result;
    m_openGrid->setEnabled(!result.gridFile.isEmpty());
    m_openHeat->setEnabled(!result.heatmapFile.isEmpty());
    m_exportCsv->setEnabled(!result.csvFile.isEmpty());
    if (result.cancelled)
        m_summary->setText(tr("Cancelled: %1 finished cells are kept; Run grid again makes only the others").arg(m_cells.size()));
    else
        m_summary->setText(tr("%1 cells generated, %2 reused from earlier runs · %3")
                               .arg(result.generated)
                               .arg(result.reused)
                               .arg(QDir::toNativeSeparators(result.gridFile)));
}

void GridView::setBusy(bool busy) {
    m_cancel->setEnabled(busy);
    validate();
}

void GridView::showError(const QString& message) {
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

void GridView::exportCsv() {
    const QString target = QFileDialog::getSaveFileName(this, tr("Export grid scores"), QFileInfo(m_result.csvFile).fileName(),
                                                        tr("CSV files (*.csv)"));
    if (target.isEmpty()) return;
    if (QFile::exists(target)) QFile::remove(target);
    if (!QFile::copy(m_result.csvFile, target)) {
        showError(tr("Could not write %1").arg(QDir::toNativeSeparators(target)));
        return;
    }
    Q_EMIT statusMessage(tr("Scores exported to %1").arg(QDir::toNativeSeparators(target)));
}

}  // namespace pictor::ui
