// The model manager: the catalogue of models the studio uses, where each is on disk, and
// download buttons with progress (downloads run as EngineWorker jobs); below it, the models found
// on this computer (ui/model_scan.h) with the ones the settings use marked. A catalogue entry that
// is missing while the settings point its role at a local model shows as not needed.
#pragma once

#include "ui/background_task.h"
#include "ui/engine_types.h"
#include "ui/model_scan.h"
#include "ui/studio_settings.h"

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

    // The model references and folders of the settings (what "in use" and the local list follow).
    void setSettings(const StudioSettings& settings);
    // Re-reads the on-disk state of every entry and scans for local models (on a pool thread).
    void refresh();

Q_SIGNALS:
    void modelsChanged();

private:
    void showEntries(const QVector<ModelEntryInfo>& entries, const QString& error);
    void showLocal(const QVector<LocalModelInfo>& found);
    // The role the settings use `reference` for, if any.
    bool usedBySettings(const QString& reference, ModelRole* role = nullptr) const;
    void download(int row);

    EngineWorker* m_worker;
    QTableWidget* m_table;
    QTableWidget* m_local;
    StudioSettings m_settings;
    bool m_hasSettings = false;
    QLabel* m_message;
    QVector<ModelEntryInfo> m_entries;
    QHash<int, int> m_jobRows;  // job id → row
    BackgroundTask m_refreshing{this};  // the newest refresh wins
};

}  // namespace pictor::ui
