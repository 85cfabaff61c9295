// The status bar's one voice. Every status text of the studio — the standing state ("Ready", the
// running job and its stage, how the last job ended), short messages ("Saved …", "… failed — see
// the message") and status tips — is shown through QStatusBar::showMessage from here, so exactly
// one text is on the bar at a time (a label beside showMessage was painted over by it). The
// running job's progress and ETA are the text of one permanent progress bar.
#pragma once

#include <QObject>
#include <QString>
#include <QTimer>

class QProgressBar;
class QStatusBar;

namespace pictor::ui {

class StatusReporter : public QObject {
    Q_OBJECT
public:
    // `window` is the one whose status tips (hovered menu entries…) are shown here as well.
    StatusReporter(QStatusBar* bar, QObject* window);

    // The standing state: shown whenever no message or status tip is.
    void setStatus(const QString& text);
    // A message for `timeoutMs`, then the standing state again; a newer message replaces it.
    void showMessage(const QString& text, int timeoutMs);
    // The running job's progress with its ETA; total <= 0 shows a busy bar.
    void showProgress(int step, int total, double etaSeconds);
    void hideProgress();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void refresh();

    QStatusBar* m_bar;
    QProgressBar* m_progress;
    QTimer m_messageTimer;
    QString m_status;
    QString m_message;
    QString m_tip;
};

}  // namespace pictor::ui
