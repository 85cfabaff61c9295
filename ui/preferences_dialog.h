// Preferences (Edit → Preferences…, Ctrl+,): the settings.yaml keys no panel shows — the model
// references (each a picker of the models found on disk), the model and LoRA folders, the output
// folder, threads and device.
//
// Every change is checked by the settings loader itself (settingsProblem: the values written as
// settings.yaml and read back), so the dialog refuses exactly what the next start would refuse;
// the message shows under the fields and OK stays disabled while there is one. A folder that
// does not exist yet is accepted: the output folder is created on OK (LoRA folders are only
// searched, so a missing one is named but left alone).
#pragma once

#include "ui/background_task.h"
#include "ui/studio_settings.h"

#include <QDialog>

class QComboBox;
class QDialogButtonBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSpinBox;
class QTimer;

namespace pictor::ui {

class ModelPicker;

class PreferencesDialog : public QDialog {
    Q_OBJECT
public:
    explicit PreferencesDialog(const StudioSettings& settings, QWidget* parent = nullptr);

    // The settings with the dialog's values (valid once accepted).
    StudioSettings settings() const;
    // What is wrong with the values now ("" when OK is enabled).
    QString problem() const { return m_problem; }

    // The folder a picker opens for `path`: the path itself, else its nearest existing parent.
    static QString nearestExistingFolder(const QString& path);

    // The model fields (Stable Diffusion, CLIP, ResNet50, ResNet18), each listing the models found.
    const QVector<ModelPicker*>& modelPickers() const { return m_pickers; }

public Q_SLOTS:
    void accept() override;

Q_SIGNALS:
    void modelsScanned();  // the model fields list what the caches and folders hold now

private:
    void validate();
    void rescanModels();
    QLineEdit* addFolderRow(QFormLayout* form, const QString& label, const QString& objectName,
                            const QString& tip);

    StudioSettings m_base;
    QLineEdit* m_sdModel;
    QLineEdit* m_clipModel;
    QLineEdit* m_resnet50;
    QLineEdit* m_resnet18;
    QPlainTextEdit* m_loraFolders;
    QPlainTextEdit* m_modelFolders;
    QVector<ModelPicker*> m_pickers;
    QTimer* m_rescan;
    BackgroundTask m_scan{this};
    QLineEdit* m_outputFolder;
    QSpinBox* m_threads;
    QComboBox* m_device;
    QLabel* m_folderNote;
    QLabel* m_error;
    QDialogButtonBox* m_buttons;
    QString m_problem;
};

}  // namespace pictor::ui
