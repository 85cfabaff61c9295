// A model reference field for one role (Stable Diffusion, CLIP, ResNet50, ResNet18, TAESD, LoRA):
// an editable combo listing the models found on this computer (ui/model_scan.h: HF cache, torch
// hub cache, the settings' model and LoRA folders) with where each was found, plus Browse… for a
// file or a folder. Any text may still be typed (a repo id that is not downloaded yet).
// The scan runs on a pool thread (BackgroundTask): the list fills in a moment after rescan().
#pragma once

#include "ui/background_task.h"
#include "ui/model_scan.h"

#include <QWidget>

class QComboBox;
class QLineEdit;
class QToolButton;

namespace pictor::ui {

class ModelPicker : public QWidget {
    Q_OBJECT
public:
    // `fieldName` becomes the combo's line edit's objectName (what tests and settings name the field).
    ModelPicker(ModelRole role, const QString& fieldName, QWidget* parent = nullptr);

    ModelRole role() const { return m_role; }
    QString reference() const;  // the text, trimmed
    void setReference(const QString& reference);

    // Lists the models found in the caches and these folders (as written in the settings).
    void rescan(const QStringList& modelFolders, const QStringList& loraFolders);
    // Lists `models` of this picker's role (the others are ignored), keeping the text.
    void setFound(const QVector<LocalModelInfo>& models);
    const QVector<LocalModelInfo>& found() const { return m_found; }

    QComboBox* comboBox() const { return m_combo; }
    QLineEdit* lineEdit() const;
    QToolButton* browseButton() const { return m_browse; }

Q_SIGNALS:
    void referenceChanged(const QString& reference);
    void scanned();  // the list was refreshed by a rescan()

private:
    void browse(bool folder);

    ModelRole m_role;
    QComboBox* m_combo;
    QToolButton* m_browse;
    QVector<LocalModelInfo> m_found;
    BackgroundTask m_scan{this};  // the newest rescan wins
};

}  // namespace pictor::ui
