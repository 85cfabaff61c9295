#include "ui/model_scan.h"

#include "core/hub/local_models.h"
#include "core/settings/settings.h"

#include <QCoreApplication>
#include <QDir>

namespace pictor::ui {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

// A folder as the user knows it: "~/ComfyUI" rather than "/home/me/ComfyUI".
QString shortFolder(const QString& path) {
    const QString home = QDir::homePath();
    if (path == home || path.startsWith(home + QLatin1Char('/'))) return QStringLiteral("~") + path.mid(home.size());
    return path;
}

}  // namespace

QString modelRoleTitle(ModelRole role) {
    switch (role) {
        case ModelRole::StableDiffusion: return QCoreApplication::translate("ModelRole", "Stable Diffusion");
        case ModelRole::Clip: return QStringLiteral("CLIP");
        case ModelRole::ResNet50: return QStringLiteral("ResNet50");
        case ModelRole::ResNet18: return QStringLiteral("ResNet18");
        case ModelRole::Taesd: return QStringLiteral("TAESD");
        case ModelRole::Lora: return QStringLiteral("LoRA");
    }
    return {};
}

QVector<LocalModelInfo> scanLocalModels(const QStringList& modelFolders, const QStringList& loraFolders) {
    QVector<LocalModelInfo> out;
    try {
        pictor::Settings settings;
        for (const QString& f : modelFolders) settings.model_folders.push_back(f.toStdString());
        for (const QString& f : loraFolders) settings.lora_folders.push_back(f.toStdString());
        for (const hub::LocalModel& m : hub::scan_local_models(hub::local_model_places(settings))) {
            LocalModelInfo info;
            info.role = ModelRole(int(m.role));  // the same order (static_asserts below)
            info.reference = q(m.reference);
            info.name = q(m.name);
            info.path = q(m.path.string());
            info.detail = q(m.detail);
            const QString place = shortFolder(q(m.place.string()));
            switch (m.source) {
                case hub::LocalSource::hf_cache: info.source = QCoreApplication::translate("ModelScan", "Hugging Face cache"); break;
                case hub::LocalSource::torch_hub: info.source = QCoreApplication::translate("ModelScan", "torch hub cache"); break;
                case hub::LocalSource::model_folder: info.source = QCoreApplication::translate("ModelScan", "models folder %1").arg(place); break;
                case hub::LocalSource::lora_folder: info.source = QCoreApplication::translate("ModelScan", "LoRA folder %1").arg(place); break;
            }
            out << info;
        }
    } catch (const std::exception&) {
        // Only the places themselves (no HOME) can throw; a scan without them lists nothing.
    }
    return out;
}

static_assert(int(hub::ModelRole::stable_diffusion) == int(ModelRole::StableDiffusion));
static_assert(int(hub::ModelRole::clip) == int(ModelRole::Clip));
static_assert(int(hub::ModelRole::resnet50) == int(ModelRole::ResNet50));
static_assert(int(hub::ModelRole::resnet18) == int(ModelRole::ResNet18));
static_assert(int(hub::ModelRole::taesd) == int(ModelRole::Taesd));
static_assert(int(hub::ModelRole::lora) == int(ModelRole::Lora));

}  // namespace pictor::ui
