#include "ui/engine_types.h"

#include <QRegularExpression>

namespace pictor::ui {

QString formatParameters(const GenerationParams& p) {
    QString text = p.prompt;
    if (!p.negativePrompt.isEmpty()) text += QStringLiteral("\nNegative prompt: ") + p.negativePrompt;
    text += QStringLiteral("\nSteps: %1, Sampler: %2, CFG scale: %3, Seed: %4, Size: %5x%6, Model: %7")
                .arg(p.steps)
                .arg(p.scheduler)
                .arg(p.guidance)
                .arg(p.seed)
                .arg(p.width)
                .arg(p.height)
                .arg(p.model);
    return text;
}

bool parseParameters(const QString& text, GenerationParams* out, const GenerationParams& defaults) {
    GenerationParams p = defaults;
    QStringList lines = text.split(QLatin1Char('\n'));
    // The last line holding "Steps: " is the key/value line; everything before it is prompt text.
    int kvLine = -1;
    for (int i = lines.size() - 1; i >= 0; --i) {
        if (lines[i].startsWith(QLatin1String("Steps: "))) {
            kvLine = i;
            break;
        }
    }
    if (kvLine < 0) return false;
    QStringList promptLines, negativeLines;
    bool inNegative = false;
    for (int i = 0; i < kvLine; ++i) {
        if (lines[i].startsWith(QLatin1String("Negative prompt: "))) {
            inNegative = true;
            negativeLines << lines[i].mid(17);
        } else if (inNegative) {
            negativeLines << lines[i];
        } else {
            promptLines << lines[i];
        }
    }
    p.prompt = promptLines.join(QLatin1Char('\n'));
    p.negativePrompt = negativeLines.join(QLatin1Char('\n'));
    // "Key: value" pairs separated by ", "; a piece that does not start with "Key: " belongs to
    // the previous value (a model path containing ", ").
    static const QRegularExpression keyed(QStringLiteral("^([A-Za-z][\\w ]*): (.*)$"));
    QList<QPair<QString, QString>> pairs;
    for (const QString& piece : lines[kvLine].split(QStringLiteral(", "))) {
        const auto m = keyed.match(piece);
        if (m.hasMatch()) {
            pairs.append({m.captured(1).trimmed(), m.captured(2).trimmed()});
        } else if (!pairs.isEmpty()) {
            pairs.last().second += QStringLiteral(", ") + piece;
        }
    }
    for (const auto& [key, value] : pairs) {
        if (key == QLatin1String("Steps")) {
            p.steps = value.toInt();
        } else if (key == QLatin1String("Sampler")) {
            p.scheduler = value;
        } else if (key == QLatin1String("CFG scale")) {
            p.guidance = value.toDouble();
        } else if (key == QLatin1String("Seed")) {
            p.seed = value.toLongLong();
        } else if (key == QLatin1String("Model")) {
            p.model = value;
        } else if (key == QLatin1String("Size")) {
            const auto wh = value.split(QLatin1Char('x'));
            if (wh.size() == 2) {
                p.width = wh[0].toInt();
                p.height = wh[1].toInt();
            }
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
        QString operator()(const CompareRequest&) const { return QStringLiteral("Compare CLIP vs ResNet50"); }
        QString operator()(const DatasetRequest& r) const {
            return QStringLiteral("Build dataset (%1 classes × %2)").arg(r.classes.size()).arg(r.imagesPerClass);
        }
        QString operator()(const TrainRequest& r) const { return QStringLiteral("Train ResNet18 (%1 epochs)").arg(r.epochs); }
        QString operator()(const ClassifyRequest&) const { return QStringLiteral("Classify image"); }
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
        qRegisterMetaType<GenerationParams>();
        qRegisterMetaType<GalleryItem>();
        qRegisterMetaType<ScoreResult>();
        qRegisterMetaType<CompareResult>();
        qRegisterMetaType<EpochMetrics>();
        qRegisterMetaType<TrainingEvaluation>();
        qRegisterMetaType<ClassifyResult>();
        qRegisterMetaType<JobState>();
        qRegisterMetaType<MissingModel>();
        return true;
    }();
    (void)once;
}

}  // namespace pictor::ui
