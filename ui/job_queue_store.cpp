#include "ui/job_queue_store.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

namespace pictor::ui {

namespace {

// Bumped when a field changes meaning; an unknown version is not read (its jobs could run wrong).
constexpr int kVersion = 1;

QJsonArray strings(const QStringList& list) { return QJsonArray::fromStringList(list); }
QStringList strings(const QJsonValue& v) {
    QStringList out;
    for (const QJsonValue& item : v.toArray()) out << item.toString();
    return out;
}

QJsonObject paramsJson(const GenerationParams& p) {
    QJsonArray loras;
    for (const LoraEntry& l : p.loras) loras.append(QJsonObject{{"file", l.file}, {"strength", l.strength}});
    return QJsonObject{{"prompt", p.prompt},
                       {"negativePrompt", p.negativePrompt},
                       {"model", p.model},
                       {"scheduler", p.scheduler},
                       {"steps", p.steps},
                       {"guidance", p.guidance},
                       {"imagesPerPrompt", p.imagesPerPrompt},
                       {"width", p.width},
                       {"height", p.height},
                       // JSON numbers are doubles: a seed beyond 2^53 would change, so it is text.
                       {"seed", QString::number(p.seed)},
                       {"device", p.device},
                       {"timestepSpacing", p.timestepSpacing},
                       {"decoder", p.decoder},
                       {"dtype", p.dtype},
                       {"promptSyntax", p.promptSyntax},
                       {"clipSkip", p.clipSkip},
                       {"loras", loras},
                       {"initImage", p.initImage},
                       {"strength", p.strength},
                       {"img2img", p.img2img}};
}

// Missing fields keep GenerationParams' defaults (a queue written before a field existed).
GenerationParams paramsFrom(const QJsonObject& o) {
    GenerationParams p;
    p.prompt = o.value("prompt").toString(p.prompt);
    p.negativePrompt = o.value("negativePrompt").toString(p.negativePrompt);
    p.model = o.value("model").toString(p.model);
    p.scheduler = o.value("scheduler").toString(p.scheduler);
    p.steps = o.value("steps").toInt(p.steps);
    p.guidance = o.value("guidance").toDouble(p.guidance);
    p.imagesPerPrompt = o.value("imagesPerPrompt").toInt(p.imagesPerPrompt);
    p.width = o.value("width").toInt(p.width);
    p.height = o.value("height").toInt(p.height);
    bool ok = false;
    const qint64 seed = o.value("seed").toString().toLongLong(&ok);
    if (ok) p.seed = seed;
    p.device = o.value("device").toString(p.device);
    p.timestepSpacing = o.value("timestepSpacing").toString(p.timestepSpacing);
    p.decoder = o.value("decoder").toString(p.decoder);
    p.dtype = o.value("dtype").toString(p.dtype);
    p.promptSyntax = o.value("promptSyntax").toString(p.promptSyntax);
    p.clipSkip = o.value("clipSkip").toInt(p.clipSkip);
    for (const QJsonValue& v : o.value("loras").toArray()) {
        const QJsonObject l = v.toObject();
        p.loras << LoraEntry{l.value("file").toString(), l.value("strength").toDouble(1.0)};
    }
    p.initImage = o.value("initImage").toString(p.initImage);
    p.strength = o.value("strength").toDouble(p.strength);
    p.img2img = o.value("img2img").toBool(p.img2img);
    return p;
}

QJsonObject requestJson(const JobRequest& request) {
    struct Visitor {
        QJsonObject operator()(const GenerateRequest& r) const {
            return {{"params", paramsJson(r.params)}, {"outputFolder", r.outputFolder}};
        }
        QJsonObject operator()(const ScoreRequest& r) const {
            return {{"imagePaths", strings(r.imagePaths)}, {"labels", strings(r.labels)}, {"clipModel", r.clipModel}};
        }
        QJsonObject operator()(const CompareRequest& r) const {
            return {{"imagePath", r.imagePath},
                    {"labels", strings(r.labels)},
                    {"clipModel", r.clipModel},
                    {"resnetModel", r.resnetModel}};
        }
        QJsonObject operator()(const DatasetRequest& r) const {
            QJsonArray classes;
            for (const DatasetClass& c : r.classes) classes.append(QJsonObject{{"name", c.name}, {"prompt", c.prompt}});
            return {{"classes", classes},
                    {"imagesPerClass", r.imagesPerClass},
                    {"folder", r.folder},
                    {"params", paramsJson(r.params)}};
        }
        QJsonObject operator()(const TrainRequest& r) const {
            return {{"datasetFolder", r.datasetFolder}, {"resnetModel", r.resnetModel}, {"epochs", r.epochs},
                    {"batchSize", r.batchSize},         {"learningRate", r.learningRate},
                    {"testFraction", r.testFraction},   {"optimizer", r.optimizer},
                    {"seed", QString::number(r.seed)},  {"exportPath", r.exportPath}};
        }
        QJsonObject operator()(const ClassifyRequest& r) const {
            return {{"imagePath", r.imagePath}, {"classifierPath", r.classifierPath}};
        }
        QJsonObject operator()(const GridRequest& r) const {
            QJsonArray axes;
            for (const GridAxisText& a : r.axes) axes.append(QJsonObject{{"name", a.name}, {"values", a.values}});
            return {{"params", paramsJson(r.params)}, {"outputFolder", r.outputFolder}, {"axes", axes},
                    {"labels", strings(r.labels)},    {"clipModel", r.clipModel},       {"heatLabel", r.heatLabel}};
        }
        QJsonObject operator()(const DownloadRequest& r) const {
            return {{"entryName", r.entryName}, {"variant", r.variant}};
        }
    };
    return std::visit(Visitor{}, request);
}

// The request a kind runs with, read from its JSON object; false for an unknown kind.
bool requestFrom(const QString& kind, const QJsonObject& o, JobRequest* out) {
    if (kind == QLatin1String("generate")) {
        *out = GenerateRequest{paramsFrom(o.value("params").toObject()), o.value("outputFolder").toString()};
    } else if (kind == QLatin1String("score") || kind == QLatin1String("scoreAll")) {
        *out = ScoreRequest{strings(o.value("imagePaths")), strings(o.value("labels")), o.value("clipModel").toString()};
    } else if (kind == QLatin1String("compare")) {
        *out = CompareRequest{o.value("imagePath").toString(), strings(o.value("labels")),
                              o.value("clipModel").toString(), o.value("resnetModel").toString()};
    } else if (kind == QLatin1String("dataset")) {
        DatasetRequest r;
        for (const QJsonValue& v : o.value("classes").toArray()) {
            const QJsonObject c = v.toObject();
            r.classes << DatasetClass{c.value("name").toString(), c.value("prompt").toString()};
        }
        r.imagesPerClass = o.value("imagesPerClass").toInt(r.imagesPerClass);
        r.folder = o.value("folder").toString();
        r.params = paramsFrom(o.value("params").toObject());
        *out = r;
    } else if (kind == QLatin1String("train")) {
        TrainRequest r;
        r.datasetFolder = o.value("datasetFolder").toString();
        r.resnetModel = o.value("resnetModel").toString();
        r.epochs = o.value("epochs").toInt(r.epochs);
        r.batchSize = o.value("batchSize").toInt(r.batchSize);
        r.learningRate = o.value("learningRate").toDouble(r.learningRate);
        r.testFraction = o.value("testFraction").toDouble(r.testFraction);
        r.optimizer = o.value("optimizer").toString(r.optimizer);
        r.seed = o.value("seed").toString().toLongLong();
        r.exportPath = o.value("exportPath").toString();
        *out = r;
    } else if (kind == QLatin1String("classify")) {
        *out = ClassifyRequest{o.value("imagePath").toString(), o.value("classifierPath").toString()};
    } else if (kind == QLatin1String("grid")) {
        GridRequest r;
        r.params = paramsFrom(o.value("params").toObject());
        r.outputFolder = o.value("outputFolder").toString();
        for (const QJsonValue& v : o.value("axes").toArray())
            r.axes << GridAxisText{v.toObject().value("name").toString(), v.toObject().value("values").toString()};
        r.labels = strings(o.value("labels"));
        r.clipModel = o.value("clipModel").toString();
        r.heatLabel = o.value("heatLabel").toString();
        *out = r;
    } else {
        return false;
    }
    return true;
}

bool readJob(const QJsonObject& o, StoredJob* job, QString* error) {
    const QString kind = o.value("kind").toString();
    if (!o.value("request").isObject()) {
        if (error) *error = QStringLiteral("job “%1” has no request").arg(kind);
        return false;
    }
    if (!requestFrom(kind, o.value("request").toObject(), &job->request)) {
        if (error) *error = QStringLiteral("unknown job kind “%1”").arg(kind);
        return false;
    }
    job->kind = kind;
    return true;
}

}  // namespace

QString jobQueuePath(const QString& settingsPath) {
    return QFileInfo(settingsPath).absoluteDir().filePath(QStringLiteral("job_queue.json"));
}

QByteArray storedJobJson(const StoredJob& job) {
    return QJsonDocument(QJsonObject{{"kind", job.kind}, {"request", requestJson(job.request)}})
        .toJson(QJsonDocument::Compact);
}

bool parseStoredJob(const QByteArray& json, StoredJob* job, QString* error) {
    QJsonParseError parseError{};
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (!doc.isObject()) {
        if (error) *error = parseError.errorString();
        return false;
    }
    return readJob(doc.object(), job, error);
}

bool saveJobQueue(const QString& path, const QVector<StoredJob>& jobs, QString* error) {
    if (jobs.isEmpty()) {
        if (!QFile::exists(path) || QFile::remove(path)) return true;
        if (error) *error = QStringLiteral("%1: cannot remove the finished queue").arg(path);
        return false;
    }
    QJsonArray array;
    for (const StoredJob& job : jobs) {
        array.append(QJsonObject{{"kind", job.kind}, {"request", requestJson(job.request)}});
    }
    const QByteArray bytes = QJsonDocument(QJsonObject{{"version", kVersion}, {"jobs", array}}).toJson();
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
        if (error) *error = QStringLiteral("%1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

QVector<StoredJob> loadJobQueue(const QString& path, QString* error) {
    QVector<StoredJob> jobs;
    QFile file(path);
    if (!file.exists()) return jobs;
    if (!file.open(QIODevice::ReadOnly)) {
        if (error) *error = QStringLiteral("%1: %2").arg(path, file.errorString());
        return jobs;
    }
    QJsonParseError parseError{};
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parseError);
    const QJsonObject root = doc.object();
    if (!doc.isObject() || !root.value("jobs").isArray()) {
        if (error) {
            *error = QStringLiteral("%1: not a job queue (%2)")
                         .arg(path, parseError.error != QJsonParseError::NoError ? parseError.errorString()
                                                                                 : QStringLiteral("no “jobs” list"));
        }
        return jobs;
    }
    if (root.value("version").toInt() != kVersion) {
        if (error) *error = QStringLiteral("%1: written by another version of Pictor (version %2)")
                                .arg(path).arg(root.value("version").toInt());
        return jobs;
    }
    QStringList problems;
    const QJsonArray array = root.value("jobs").toArray();
    for (int i = 0; i < array.size(); ++i) {
        StoredJob job;
        QString problem;
        if (readJob(array[i].toObject(), &job, &problem)) {
            jobs << job;
        } else {
            problems << QStringLiteral("jobs[%1]: %2").arg(i).arg(problem);
        }
    }
    if (error && !problems.isEmpty()) *error = QStringLiteral("%1: %2").arg(path, problems.join(QStringLiteral("; ")));
    return jobs;
}

}  // namespace pictor::ui
