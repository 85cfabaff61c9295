#include "ui/status_reporter.h"

#include "ui/training_view.h"

#include <QEvent>
#include <QProgressBar>
#include <QStatusBar>
#include <QStatusTipEvent>

namespace pictor::ui {

StatusReporter::StatusReporter(QStatusBar* bar, QObject* window) : QObject(bar), m_bar(bar) {
    m_progress = new QProgressBar(bar);
    m_progress->setObjectName(QStringLiteral("jobProgress"));
    m_progress->setMaximumWidth(280);
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setTextVisible(true);
    m_progress->hide();
    bar->addPermanentWidget(m_progress);
    m_messageTimer.setSingleShot(true);
    connect(&m_messageTimer, &QTimer::timeout, this, [this] {
        m_message.clear();
        refresh();
    });
    // QMainWindow would put status tips on the bar itself (and an empty tip, sent when the pointer
    // leaves a menu, would wipe the standing state): they come here instead.
    if (window) window->installEventFilter(this);
}

void StatusReporter::setStatus(const QString& text) {
    m_status = text;
    refresh();
}

void StatusReporter::showMessage(const QString& text, int timeoutMs) {
    m_message = text;
    if (text.isEmpty()) {
        m_messageTimer.stop();
    } else {
        m_messageTimer.start(timeoutMs);
    }
    refresh();
}

void StatusReporter::showProgress(int step, int total, double etaSeconds) {
    if (total > 0) {
        m_progress->setRange(0, total);
        m_progress->setValue(step);
        // '%' is QProgressBar's placeholder character: "%p%" is the percentage.
        m_progress->setFormat(QStringLiteral("%p%  ") +
                              tr("ETA %1").arg(TrainingView::formatEta(etaSeconds)));
    } else {
        m_progress->setRange(0, 0);
        m_progress->setFormat(QString());
    }
    m_progress->show();
}

void StatusReporter::hideProgress() {
    m_progress->hide();
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
}

bool StatusReporter::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() == QEvent::StatusTip) {
        m_tip = static_cast<QStatusTipEvent*>(event)->tip();
        refresh();
        return true;
    }
    return QObject::eventFilter(watched, event);
}

void StatusReporter::refresh() {
    // The most transient text wins: a hovered entry's tip, then a message, then the state.
    const QString text = !m_tip.isEmpty() ? m_tip : !m_message.isEmpty() ? m_message : m_status;
    if (m_bar->currentMessage() != text) m_bar->showMessage(text);
}

}  // namespace pictor::ui
