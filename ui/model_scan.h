// The models on this computer (core/hub/local_models) in Qt types, for the model pickers and the
// model manager. scanLocalModels reads the file system: call it off the GUI thread.
#pragma once

#include <QMetaType>
#include <QString>
#include <QStringList>
#include <QVector>

namespace pictor::ui {

enum class ModelRole { StableDiffusion, Clip, ResNet50, ResNet18, Taesd, Lora };

// "Stable Diffusion", "CLIP", "ResNet50", "ResNet18", "TAESD", "LoRA".
QString modelRoleTitle(ModelRole role);

struct LocalModelInfo {
    ModelRole role = ModelRole::StableDiffusion;
    QString reference;  // what settings and the sampler take (repo id, torch hub file name or path)
    QString name;       // repo id, file or folder name
    QString source;     // "Hugging Face cache", "torch hub cache", "models folder ~/ComfyUI", …
    QString path;       // the snapshot folder, file or folder
    QString detail;     // "StableDiffusionPipeline", "single-file checkpoint", …
};

// Every model in the HF and torch hub caches (environment), `modelFolders` and `loraFolders` (as
// written in the settings, "~/" expanded). Never throws: what cannot be read is not listed.
QVector<LocalModelInfo> scanLocalModels(const QStringList& modelFolders, const QStringList& loraFolders);

}  // namespace pictor::ui

Q_DECLARE_METATYPE(pictor::ui::LocalModelInfo)
