#include "ui/studio_settings.h"

#include <QDir>
#include <QRegularExpression>
#include <QStandardPaths>

#include <stdexcept>

#include "core/settings/settings.h"

namespace pictor::ui {

namespace {

[[maybe_unused]] const char* const kExamplePrompt = "a watercolor painting of a fox in the snow";

QString q(const std::string& s) { return QString::fromStdString(s); }
std::string s(const QString& q) { return q.toStdString(); }

// settings.yaml scheduler ids ↔ the names the sampler panel shows (A1111's names, also written
// into the PNG parameters).
const QList<QPair<QString, QString>>& schedulerNames() {
    static const QList<QPair<QString, QString>> names{
        {QStringLiteral("pndm"), QStringLiteral("PNDM")},
        {QStringLiteral("ddim"), QStringLiteral("DDIM")},
        {QStringLiteral("euler"), QStringLiteral("Euler")},
        {QStringLiteral("euler_a"), QStringLiteral("Euler a")},
        {QStringLiteral("dpmpp_2m"), QStringLiteral("DPM++ 2M")},
        {QStringLiteral("dpmpp_2m_karras"), QStringLiteral("DPM++ 2M Karras")},
        {QStringLiteral("lms"), QStringLiteral("LMS")},
        {QStringLiteral("lcm"), QStringLiteral("LCM")}};
    return names;
}

QString schedulerDisplayName(const QString& id) {
    for (const auto& [key, name] : schedulerNames()) {
        if (key == id.toLower() || name.compare(id, Qt::CaseInsensitive) == 0) return name;
    }
    return id;
}

QString schedulerId(const QString& name) {
    for (const auto& [key, display] : schedulerNames()) {
        if (display == name || key == name) return key;
    }
    return name;
}

StudioSettings fromEngine(const pictor::Settings& e, bool firstStart) {
    StudioSettings st;
    st.sdModel = q(e.models.stable_diffusion);
    st.clipModel = q(e.models.clip);
    st.resnet50Model = q(e.models.resnet50);
    st.resnet18Model = q(e.models.resnet18);
    st.device = q(e.device);
    st.threads = e.threads;
    st.outputFolder = q(pictor::output_folder(e).string());
    for (const std::string& f : e.lora_folders) st.loraFolders << q(f);
    for (const std::string& f : e.model_folders) st.modelFolders << q(f);

    GenerationParams& g = st.generation;
    g.prompt = q(e.generation.prompt);
    if (g.prompt.isEmpty() && firstStart) g.prompt = QString::fromLatin1(kExamplePrompt);
    g.negativePrompt = q(e.generation.negative_prompt);
    g.model = st.sdModel;
    g.scheduler = schedulerDisplayName(q(e.generation.scheduler));
    g.steps = e.generation.steps;
    g.guidance = e.generation.guidance_scale;
    g.imagesPerPrompt = e.generation.images_per_prompt;
    g.width = e.generation.width;
    g.height = e.generation.height;
    g.seed = e.generation.seed;
    g.device = st.device;
    g.timestepSpacing = q(e.generation.timestep_spacing);
    g.decoder = q(e.generation.decoder);
    g.dtype = q(e.generation.dtype);
    g.promptSyntax = q(e.generation.prompt_syntax);
    g.clipSkip = e.generation.clip_skip;
    g.strength = e.generation.strength;
    g.loras.clear();
    for (const pictor::LoraSetting& l : e.generation.loras) g.loras << LoraEntry{q(l.file), l.strength};

    for (const pictor::LabelPreset& preset : e.label_presets) {
        LabelPresetEntry entry{q(preset.name), {}};
        for (const std::string& label : preset.expanded_labels()) entry.labels << q(label);
        st.labelPresets << entry;
    }
    for (const std::string& label : e.scoring_labels) st.scoringLabels << q(label);
    st.trainingName = q(e.training.name);
    st.datasetFolder = q(e.training.dataset_folder);
    for (const pictor::TrainingClass& c : e.training.classes) st.trainingClasses << DatasetClass{q(c.name), q(c.prompt)};
    st.imagesPerClass = e.training.images_per_class;
    st.epochs = e.training.epochs;
    st.learningRate = e.training.learning_rate;
    st.batchSize = e.training.batch_size;
    st.testFraction = 1.0 - e.training.split;
    st.optimizer = e.training.optimizer == "adam" ? QStringLiteral("Adam") : QStringLiteral("SGD");
    st.trainingSeed = e.training.seed;
    st.base = std::make_shared<const pictor::Settings>(e);
    return st;
}

pictor::Settings toEngine(const StudioSettings& st) {
    pictor::Settings e = st.base ? *st.base : pictor::defaults();
    e.models.stable_diffusion = s(st.generation.model.isEmpty() ? st.sdModel : st.generation.model);
    e.models.clip = s(st.clipModel);
    e.models.resnet50 = s(st.resnet50Model);
    e.models.resnet18 = s(st.resnet18Model);
    e.device = s(st.device);
    e.threads = st.threads;
    // Keep "" (the platform default) when the folder is the default one.
    if (st.outputFolder != q(pictor::output_folder(e).string())) e.output_folder = s(st.outputFolder);
    e.lora_folders.clear();
    for (const QString& f : st.loraFolders) e.lora_folders.push_back(s(f));
    e.model_folders.clear();
    for (const QString& f : st.modelFolders) e.model_folders.push_back(s(f));
    e.scoring_labels.clear();
    for (const QString& label : st.scoringLabels) e.scoring_labels.push_back(s(label));
    e.training.name = s(st.trainingName);
    e.training.dataset_folder = s(st.datasetFolder);

    const GenerationParams& g = st.generation;
    e.generation.prompt = s(g.prompt);
    e.generation.negative_prompt = s(g.negativePrompt);
    e.generation.scheduler = s(schedulerId(g.scheduler));
    e.generation.steps = g.steps;
    e.generation.guidance_scale = g.guidance;
    e.generation.images_per_prompt = g.imagesPerPrompt;
    e.generation.width = g.width;
    e.generation.height = g.height;
    e.generation.seed = g.seed;
    e.generation.timestep_spacing = s(g.timestepSpacing);
    e.generation.decoder = s(g.decoder);
    e.generation.dtype = s(g.dtype);
    e.generation.prompt_syntax = s(g.promptSyntax);
    e.generation.clip_skip = g.clipSkip;
    e.generation.strength = g.strength;
    e.generation.loras.clear();
    for (const LoraEntry& l : g.loras) e.generation.loras.push_back({s(l.file), l.strength});

    e.training.classes.clear();
    for (const DatasetClass& c : st.trainingClasses) e.training.classes.push_back({s(c.name), s(c.prompt)});
    e.training.images_per_class = st.imagesPerClass;
    e.training.epochs = st.epochs;
    e.training.learning_rate = st.learningRate;
    e.training.batch_size = st.batchSize;
    e.training.split = 1.0 - st.testFraction;
    e.training.optimizer = st.optimizer.toLower() == QLatin1String("adam") ? "adam" : "sgd";
    e.training.seed = st.trainingSeed;
    return e;
}


}  // namespace

StudioSettings defaultStudioSettings() { return fromEngine(pictor::defaults(), true); }

QString studioSettingsPath() {
    const QString env = qEnvironmentVariable("PICTOR_SETTINGS");
    if (!env.isEmpty()) return env;
    return q(pictor::settings_path().string());
}

StudioSettings loadStudioSettings(const QString& path, QStringList* warnings) {
    const pictor::SettingsLoadResult result = pictor::load_settings(std::filesystem::path(s(path)));
    if (warnings) {
        for (const std::string& w : result.warnings) *warnings << q(w);
    }
    return fromEngine(result.settings, !result.file_found);
}

void saveStudioSettings(const StudioSettings& settings, const QString& path) {
    pictor::save_settings(std::filesystem::path(s(path)), toEngine(settings));
}

QString settingsProblem(const StudioSettings& settings) {
    // The loader's own checks, as a settings.yaml with these values would get them at the next start.
    static const std::string kSource = "settings";
    try {
        pictor::parse_settings(pictor::settings_to_yaml(toEngine(settings)), kSource);
        return {};
    } catch (const std::exception& e) {
        // "settings:12:3: threads: must be …": the line of a file nobody sees means nothing here.
        static const QRegularExpression where(QStringLiteral("^settings:\\d+:\\d+: "));
        return QString::fromUtf8(e.what()).remove(where);
    }
}

QString datasetFolderFor(const StudioSettings& settings) {
    if (!settings.datasetFolder.isEmpty()) {
        if (settings.datasetFolder.startsWith(QLatin1String("~/")))
            return QDir::home().filePath(settings.datasetFolder.mid(2));
        return settings.datasetFolder;
    }
    QString name;
    for (const DatasetClass& c : settings.trainingClasses)
        name += (name.isEmpty() ? QString() : QStringLiteral("-vs-")) + c.name;
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
        .filePath(QStringLiteral("datasets/") + (name.isEmpty() ? QStringLiteral("dataset") : name));
}


}  // namespace pictor::ui
