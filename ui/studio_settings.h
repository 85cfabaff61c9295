// The studio's view of settings.yaml: a Qt-typed copy of the engine's Settings.
//
// Loading and saving go through core/settings (yaml-cpp, the XDG config folder, defaults from
// resources/default_settings.yaml); this struct only carries the values to and from the panels.
// load/save throw std::exception subclasses with a message naming the file, line and field.
#pragma once

#include "ui/engine_types.h"

#include <QString>
#include <QStringList>
#include <QVector>

#include <memory>

namespace pictor {
struct Settings;
}

namespace pictor::ui {

struct LabelPresetEntry {
    QString name;
    QStringList labels;  // expanded: every style × object, then the explicit labels
};

struct StudioSettings {
    // Model references: a Hugging Face repo id ("stable-diffusion-v1-5/stable-diffusion-v1-5"),
    // a local folder or a weight file.
    QString sdModel;
    QString clipModel;
    QString resnet50Model;
    QString resnet18Model;
    QString device = QStringLiteral("cpu");
    int threads = 0;  // 0: one per usable CPU
    QString outputFolder;
    QStringList loraFolders;  // where <lora:NAME> looks, in order, as written ("~/" not expanded)
    QStringList modelFolders;  // where the model pickers look besides the caches, as written

    GenerationParams generation;  // prompt, sampler settings, seed (-1 = random)

    // CLIP label presets (the first is the default label list).
    QVector<LabelPresetEntry> labelPresets;
    // The Scoring view's labels as last edited (empty: the first preset's).
    QStringList scoringLabels;

    // Training preset.
    QString trainingName;
    QString datasetFolder;  // "" = the default (datasetFolderFor)
    QVector<DatasetClass> trainingClasses;
    int imagesPerClass = 20;
    int epochs = 5;
    double learningRate = 1e-3;
    int batchSize = 8;
    double testFraction = 0.2;
    QString optimizer = QStringLiteral("SGD");
    qint64 trainingSeed = 0;

    // The engine's settings this was read from: fields the studio does not edit (threads, preset
    // names, …) are written back unchanged. Null for defaultStudioSettings() before the first load.
    std::shared_ptr<const pictor::Settings> base;

    QStringList defaultLabels() const { return labelPresets.isEmpty() ? QStringList{} : labelPresets.first().labels; }
    // The label list the Scoring view starts with: the last edited one, else the first preset's.
    QStringList startLabels() const { return scoringLabels.isEmpty() ? defaultLabels() : scoringLabels; }
};

// The built-in defaults (resources/default_settings.yaml through core/settings).
StudioSettings defaultStudioSettings();

// The settings file the studio uses ($XDG_CONFIG_HOME/pictor/settings.yaml), or $PICTOR_SETTINGS.
QString studioSettingsPath();

// Reads `path`; a missing file gives the defaults. Throws on an invalid file. `warnings` receives
// non-fatal findings (unknown keys) when given.
StudioSettings loadStudioSettings(const QString& path, QStringList* warnings = nullptr);

// Writes `settings` to `path` atomically (creating the folder). Throws on failure.
void saveStudioSettings(const StudioSettings& settings, const QString& path);

// What the settings loader says about `settings` once written and read back as settings.yaml
// ("threads: must be in 0..1024 (0 = auto), got 2000"), or "" when it takes them as they are.
QString settingsProblem(const StudioSettings& settings);

// The dataset folder the Training view starts with: settings' datasetFolder ("~/" expanded), else
// <app data>/datasets/<class names joined by "-vs-">.
QString datasetFolderFor(const StudioSettings& settings);

}  // namespace pictor::ui
