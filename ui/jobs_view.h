// The jobs list: every job of the session with its state, progress and a cancel button.
#pragma once

#include "ui/engine_types.h"

#include <QHash>
#include <QWidget>

class QTreeWidget;
class QTreeWidgetItem;

namespace pictor::ui {

class JobsView : public QWidget {
    Q_OBJECT
public:
    explicit JobsView(QWidget* parent = nullptr);

    void addJob(int id, const QString& title);
    void setStarted(int id);
    void setProgress(int id, const QString& stage, int step, int total, double etaSeconds);
    void setFinished(int id, JobState state, const QString& message);

    JobState state(int id) const;

Q_SIGNALS:
    void cancelRequested(int id);

private:
    QTreeWidgetItem* item(int id) const;
    QTreeWidget* m_tree;
    QHash<int, QTreeWidgetItem*> m_items;
    QHash<int, JobState> m_states;
};

}  // namespace pictor::ui
