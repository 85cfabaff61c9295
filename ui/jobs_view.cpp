#include "ui/jobs_view.h"

#include "ui/training_view.h"

#include <QHeaderView>
#include <QProgressBar>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace pictor::ui {

namespace {
enum Column { TitleColumn, StateColumn, ProgressColumn, EtaColumn, CancelColumn };
}

JobsView::JobsView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    m_tree = new QTreeWidget(this);
    m_tree->setObjectName(QStringLiteral("jobs"));
    m_tree->setColumnCount(5);
    m_tree->setHeaderLabels({tr("Job"), tr("State"), tr("Progress"), tr("ETA"), QString()});
    m_tree->setRootIsDecorated(false);
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->header()->setStretchLastSection(false);
    m_tree->header()->setSectionResizeMode(TitleColumn, QHeaderView::Stretch);
    m_tree->header()->setSectionResizeMode(StateColumn, QHeaderView::ResizeToContents);
    m_tree->header()->resizeSection(ProgressColumn, 200);
    m_tree->header()->resizeSection(EtaColumn, 90);
    m_tree->header()->resizeSection(CancelColumn, 80);
    m_tree->setAccessibleName(tr("Jobs"));
    layout->addWidget(m_tree);
}

QTreeWidgetItem* JobsView::item(int id) const { return m_items.value(id, nullptr); }

void JobsView::addJob(int id, const QString& title) {
    auto* it = new QTreeWidgetItem;
    it->setText(TitleColumn, QStringLiteral("#%1  %2").arg(id).arg(title));
    it->setToolTip(TitleColumn, title);
    m_tree->insertTopLevelItem(0, it);
    auto* bar = new QProgressBar(m_tree);
    bar->setRange(0, 1);
    bar->setValue(0);
    bar->setMaximumHeight(18);
    m_tree->setItemWidget(it, ProgressColumn, bar);
    auto* cancel = new QPushButton(tr("Cancel"), m_tree);
    cancel->setToolTip(tr("Cancel this job (Esc cancels the running job)"));
    connect(cancel, &QPushButton::clicked, this, [this, id] { Q_EMIT cancelRequested(id); });
    m_tree->setItemWidget(it, CancelColumn, cancel);
    m_items.insert(id, it);
    m_states.insert(id, JobState::Queued);
    it->setText(StateColumn, jobStateName(JobState::Queued));
}

void JobsView::setStarted(int id) {
    if (auto* it = item(id)) {
        m_states[id] = JobState::Running;
        it->setText(StateColumn, jobStateName(JobState::Running));
    }
}

void JobsView::setProgress(int id, const QString& stage, int step, int total, double etaSeconds) {
    auto* it = item(id);
    if (!it) return;
    it->setText(StateColumn, stage.isEmpty() ? jobStateName(JobState::Running) : stage);
    if (auto* bar = qobject_cast<QProgressBar*>(m_tree->itemWidget(it, ProgressColumn))) {
        if (total > 0) {
            bar->setRange(0, total);
            bar->setValue(step);
        } else {
            bar->setRange(0, 0);  // busy indicator while a stage has no step count
        }
    }
    it->setText(EtaColumn, TrainingView::formatEta(etaSeconds));
}

void JobsView::setFinished(int id, JobState state, const QString& message) {
    auto* it = item(id);
    if (!it) return;
    m_states[id] = state;
    it->setText(StateColumn, jobStateName(state));
    it->setText(EtaColumn, QString());
    if (!message.isEmpty()) {
        it->setToolTip(TitleColumn, message);
        it->setToolTip(StateColumn, message);
    }
    if (state == JobState::Failed) it->setForeground(StateColumn, QColor(0xef, 0x53, 0x50));
    if (state == JobState::Done) it->setForeground(StateColumn, QColor(0x8b, 0xc3, 0x4a));
    if (auto* bar = qobject_cast<QProgressBar*>(m_tree->itemWidget(it, ProgressColumn))) {
        bar->setRange(0, 1);
        bar->setValue(state == JobState::Done ? 1 : 0);
    }
    if (auto* cancel = m_tree->itemWidget(it, CancelColumn)) cancel->setEnabled(false);
}

JobState JobsView::state(int id) const { return m_states.value(id, JobState::Failed); }

}  // namespace pictor::ui
