#include "ui/engine_types.h"

#include "core/jobs/parameters.h"

#include <cstdint>
#include <limits>
#include <optional>

namespace pictor::ui {

QString formatParameters(const GenerationParams& p) {
    pictor::GenerationParameters g;
    g.prompt = p.prompt.toStdString();
    g.negative_prompt = p.negativePrompt.toStdString();
    g.steps = p.steps;
    g.sampler = p.scheduler.toStdString();
    g.cfg_scale = p.guidance;
    if (p.seed >= 0) g.seed = uint64_t(p.seed);
    g.width = p.width;
    g.height = p.height;
    g.model = p.model.toStdString();
    if (p.imagesPerPrompt > 1) g.batch_size = p.imagesPerPrompt;  // as the engine and A1111: only for batches
    if (p.clipSkip > 1) g.clip_skip = p.clipSkip;                  // A1111 writes it only when not 1
    if (!p.decoder.isEmpty()) g.extra.emplace_back("VAE", decoderName(p.decoder).toStdString());
    if (!p.timestepSpacing.isEmpty()) g.extra.emplace_back("Timestep spacing", p.timestepSpacing.toStdString());
    if (!p.initImage.isEmpty() || p.img2img) g.denoising_strength = p.strength;
    return QString::fromStdString(pictor::format_parameters(g));
}

QString decoderName(const QString& decoder) {
    // As the generate job names it (its file name: "" for a path ending in '/'), "taesd" when empty.
    const QString name = decoder.section(QLatin1Char('/'), -1);
    return name.isEmpty() ? QStringLiteral("taesd") : name;
}

bool parseParameters(const QString& text, GenerationParams* out, const GenerationParams& defaults) {
    const std::optional<pictor::GenerationParameters> parsed = pictor::parse_parameters(text.toStdString());
    if (!parsed) return false;
    const pictor::GenerationParameters& g = *parsed;
    GenerationParams p = defaults;
    p.prompt = QString::fromStdString(g.prompt);
    p.negativePrompt = QString::fromStdString(g.negative_prompt);
    if (g.steps > 0) p.steps = g.steps;
    if (!g.sampler.empty()) {
        p.scheduler = QString::fromStdString(pictor::combined_sampler_name(g));
    }
    if (g.cfg_scale) p.guidance = *g.cfg_scale;
    // A seed beyond qint64 cannot be a studio seed (negative means random there): treat it as none.
    p.seed = g.seed && *g.seed <= uint64_t(std::numeric_limits<qint64>::max()) ? qint64(*g.seed) : -1;
    if (g.width > 0) p.width = g.width;
    if (g.height > 0) p.height = g.height;
    if (!g.model.empty()) p.model = QString::fromStdString(g.model);
    if (g.batch_size > 0) p.imagesPerPrompt = g.batch_size;
    p.clipSkip = g.clip_skip > 0 ? g.clip_skip : 1;
    p.timestepSpacing.clear();
    p.decoder.clear();
    p.img2img = g.denoising_strength.has_value();
    if (p.img2img) p.strength = *g.denoising_strength;
    if (!p.img2img) p.initImage.clear();
    for (const auto& [key, value] : g.extra) {
        if (key == "Timestep spacing") p.timestepSpacing = QString::fromStdString(value);
        if (key == "VAE") {
            const QString name = QString::fromStdString(value);
            const bool ours = !defaults.decoder.isEmpty() && decoderName(defaults.decoder) == name;
            p.decoder = ours ? defaults.decoder : name == QLatin1String("taesd") ? name : defaults.decoder;
        }
    }
    *out = p;
    return true;
}

QString jobTitle(const JobRequest& request) {
    auto elide = [](const QString& s) { return s.size() > 40 ? s.left(39) + QChar(0x2026) : s; };
    struct Visitor {
        decltype(elide)& e;
        QString operator()(const GenerateRequest& r) const {
            return QStringLiteral("Generate %1× “%2”").arg(r.params.imagesPerPrompt).arg(e(r.params.prompt));
        }
        QString operator()(const ScoreRequest& r) const {
            return r.imagePaths.size() == 1 ? QStringLiteral("Score %1 labels").arg(r.labels.size())
                                            : QStringLiteral("Score %1 images").arg(r.imagePaths.size());
        }
        QString operator()(const CompareRequest&) const { return QStringLiteral("Compare CLIP vs ResNet"); }
        QString operator()(const DatasetRequest& r) const {
            return QStringLiteral("Build dataset (%1 classes × %2)").arg(r.classes.size()).arg(r.imagesPerClass);
        }
        QString operator()(const TrainRequest& r) const { return QStringLiteral("Train ResNet18 (%1 epochs)").arg(r.epochs); }
        QString operator()(const ClassifyRequest&) const { return QStringLiteral("Classify image"); }
        QString operator()(const GridRequest& r) const {
            QStringList axes;
            for (const GridAxisText& a : r.axes) axes << a.name;
            return QStringLiteral("Grid %1 “%2”").arg(axes.join(QStringLiteral(" × ")), e(r.params.prompt));
        }
        QString operator()(const DownloadRequest& r) const {
            return r.variant.isEmpty() ? QStringLiteral("Download %1").arg(r.entryName)
                                       : QStringLiteral("Download %1 (%2)").arg(r.entryName, r.variant);
        }
    };
    return std::visit(Visitor{elide}, request);
}

QString jobStateName(JobState state) {
    switch (state) {
    case JobState::Queued: return QStringLiteral("Queued");
    case JobState::Running: return QStringLiteral("Running");
    case JobState::Done: return QStringLiteral("Done");
    case JobState::Failed: return QStringLiteral("Failed");
    case JobState::Cancelled: return QStringLiteral("Cancelled");
    }
    return {};
}

void registerEngineTypes() {
    static const bool once = [] {
        qRegisterMetaType<LoraEntry>();
        qRegisterMetaType<GenerationParams>();
        qRegisterMetaType<GalleryItem>();
        qRegisterMetaType<ScoreResult>();
        qRegisterMetaType<CompareResult>();
        qRegisterMetaType<EpochMetrics>();
        qRegisterMetaType<TrainingEvaluation>();
        qRegisterMetaType<ClassifyResult>();
        qRegisterMetaType<JobState>();
        qRegisterMetaType<MissingModel>();
        qRegisterMetaType<GridCellResult>();
        qRegisterMetaType<GridResult>();
        return true;
    }();
    (void)once;
}

}  // namespace pictor::ui
