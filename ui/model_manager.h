// The model manager: the catalogue of models the studio uses, where each is on disk, and
// download buttons with progress (downloads run as EngineWorker jobs).
#pragma once

#include "ui/background_task.h"
#include "ui/engine_types.h"

#include <QDialog>
#include <QHash>

class QLabel;
class QTableWidget;

namespace pictor::ui {

class EngineWorker;

class ModelManagerDialog : public QDialog {
    Q_OBJECT
public:
    ModelManagerDialog(EngineWorker* worker, QWidget* parent = nullptr);

    // Re-reads the on-disk state of every entry (on a pool thread).
    void refresh();

Q_SIGNALS:
    void modelsChanged();

private:
    void showEntries(const QVector<ModelEntryInfo>& entries, const QString& error);
    void download(int row);

    EngineWorker* m_worker;
    QTableWidget* m_table;
    QLabel* m_message;
    QVector<ModelEntryInfo> m_entries;
    QHash<int, int> m_jobRows;  // job id → row
    BackgroundTask m_refreshing{this};  // the newest refresh wins
};

}  // namespace pictor::ui
