// The only studio file that runs engine jobs. Runs on the EngineWorker thread.
#include "ui/engine_backend.h"

#include "core/util/runtime.h"

#include "ui/engine_worker.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>

#include <ATen/ATen.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>

#include "core/image/image_io.h"
#include "core/io/model_ref.h"
#include "core/util/error.h"
#include "core/util/progress.h"

#include "core/pipelines/txt2img.h"
#include "core/pipelines/zero_shot.h"
#include "core/models/resnet.h"
#include "core/pipelines/classify.h"
#include "core/pipelines/compare.h"
#include "core/hub/catalogue.h"
#include "core/hub/download.h"
#include "core/training/dataset_builder.h"
#include "core/training/classifier_export.h"
#include "core/training/image_folder.h"
#include "core/training/trainer.h"

namespace pictor::ui {

namespace {

namespace fs = std::filesystem;

QString q(const std::string& s) { return QString::fromStdString(s); }
fs::path p(const QString& s) { return fs::path(s.toStdString()); }

// uint8 HWC (1, 3 or 4 channels) → a deep-copied QImage.
QImage toQImage(const at::Tensor& hwc) {
    at::Tensor t = hwc.to(at::kCPU).to(at::kByte).contiguous();
    if (t.dim() != 3) return {};
    const int h = int(t.size(0)), w = int(t.size(1)), c = int(t.size(2));
    if (c == 1) t = t.expand({h, w, 3}).contiguous();
    if (c == 4) t = t.slice(2, 0, 3).contiguous();
    if (c != 1 && c != 3 && c != 4) return {};
    const QImage view(t.data_ptr<uint8_t>(), w, h, w * 3, QImage::Format_RGB888);
    return view.copy();
}

QImage thumbnailOf(const QImage& image) {
    return image.scaled(160, 160, Qt::KeepAspectRatio, Qt::SmoothTransformation);
}

// The catalogue entry a model reference names (by its reference or its short name), if any: the
// studio can then offer to download it. A malformed models.yaml just means no offer.
std::optional<MissingModel> catalogueEntryFor(const QString& reference) {
    try {
        const pictor::hub::Catalogue catalogue = pictor::hub::Catalogue::load();
        const std::string ref = reference.toStdString();
        for (const pictor::hub::CatalogueEntry& e : catalogue.entries()) {
            if (e.reference() != ref && e.name != ref) continue;
            if (e.kind == pictor::hub::ModelKind::local_folder) return std::nullopt;  // nothing to download
            return MissingModel{q(e.name), q(e.title), qint64(e.approx_size)};
        }
    } catch (const std::exception&) {
    }
    return std::nullopt;
}

// Turns a model reference into a folder/file, or a JobError that says where it looked and what to do.
fs::path resolveModel(const QString& reference, const QString& what) {
    if (reference.trimmed().isEmpty()) {
        throw JobError(QStringLiteral("No %1 is set.").arg(what),
                       QStringLiteral("Set it in settings.yaml (models section) or open the model manager "
                                      "(Models → Model manager…) to download one."));
    }
    try {
        return pictor::resolve_model_ref(reference.trimmed().toStdString()).path;
    } catch (const std::exception& e) {
        throw JobError(QStringLiteral("The %1 “%2” was not found: %3").arg(what, reference, q(e.what())),
                       QStringLiteral("Open the model manager (Models → Model manager…) to download it, or set a "
                                      "local folder in settings.yaml."),
                       catalogueEntryFor(reference.trimmed()));
    }
}

// Forwards the engine's progress to the job (throttled there) and reads its cancel flag.
template <typename Base>
class SinkAdapter : public Base {
public:
    explicit SinkAdapter(JobContext& ctx) : m_ctx(ctx) {}
    void on_stage(std::string_view stage) override { m_ctx.stage(QString::fromUtf8(stage.data(), qsizetype(stage.size()))); }
    void on_step(int step, int total) override { m_ctx.step(step, total); }
    void on_preview(const at::Tensor& rgb) override { m_ctx.preview(toQImage(rgb)); }
    void on_message(std::string_view message) override {
        m_ctx.message(QString::fromUtf8(message.data(), qsizetype(message.size())));
    }
    bool cancelled() const override { return m_ctx.cancelled(); }

protected:
    JobContext& m_ctx;
};

class TrainSink : public SinkAdapter<pictor::TrainingSink> {
public:
    TrainSink(JobContext& ctx, int epochs) : SinkAdapter(ctx), m_epochs(epochs) {}
    void on_batch(const pictor::BatchReport& r) override { m_ctx.batchLoss(r.epoch, r.batch, r.batches, r.loss); }
    void on_epoch(const pictor::EpochReport& r) override {
        m_ctx.epoch(EpochMetrics{r.epoch, m_epochs, r.train_loss, r.train_accuracy, r.test_loss, r.test_accuracy});
    }

private:
    int m_epochs;
};

}  // namespace

// Models loaded by earlier jobs, keyed by their resolved path (and device).
struct EngineBackend::Cache {
    std::string sdKey;
    std::unique_ptr<pictor::StableDiffusion> sd;
    std::string clipKey;
    std::optional<pictor::ClipZeroShot> clip;
    std::string resnetKey;
    pictor::ResNet resnet{nullptr};
    std::string classifierKey;
    std::unique_ptr<pictor::ExportedClassifier> classifier;
};

EngineBackend::EngineBackend() : m_cache(std::make_unique<Cache>()) {}
EngineBackend::~EngineBackend() = default;

namespace {

struct Runner {
    EngineBackend::Cache& cache;
    JobContext& ctx;

    const pictor::ClipZeroShot& clip(const QString& reference) {
        const fs::path path = resolveModel(reference, QStringLiteral("CLIP model"));
        if (!cache.clip || cache.clipKey != path.string()) {
            ctx.stage(QStringLiteral("loading CLIP"));
            cache.clip.reset();
            SinkAdapter<pictor::ProgressSink> sink(ctx);
            cache.clip = pictor::ClipZeroShot::load(path, c10::kCPU, &sink);
            cache.clipKey = path.string();
        }
        return *cache.clip;
    }

    pictor::StableDiffusion& stableDiffusion(const QString& reference, const QString& device) {
        const fs::path path = resolveModel(reference, QStringLiteral("Stable Diffusion model"));
        pictor::SdPlacement placement;
        placement.device = c10::Device(device.toStdString());
        const std::string key = path.string() + "|" + device.toStdString();
        if (!cache.sd || cache.sdKey != key) {
            ctx.stage(QStringLiteral("loading Stable Diffusion"));
            cache.sd.reset();  // free the old model before loading the next
            cache.sd = std::make_unique<pictor::StableDiffusion>(pictor::load_stable_diffusion(path, placement));
            cache.sdKey = key;
        }
        return *cache.sd;
    }

    void operator()(const GenerateRequest& r) {
        pictor::StableDiffusion& model = stableDiffusion(r.params.model, r.params.device);
        pictor::Txt2ImgParams params;
        params.prompts = {r.params.prompt.toStdString()};
        if (!r.params.negativePrompt.isEmpty()) params.negative_prompts = {r.params.negativePrompt.toStdString()};
        params.guidance_scale = r.params.guidance;
        params.num_inference_steps = r.params.steps;
        params.num_images_per_prompt = r.params.imagesPerPrompt;
        params.width = r.params.width;
        params.height = r.params.height;
        params.scheduler = r.params.scheduler.toStdString();
        if (r.params.seed >= 0) params.seed = uint64_t(r.params.seed);
        params.preview_every = 1;  // the worker throttles and downscales them

        SinkAdapter<pictor::Txt2ImgSink> sink(ctx);
        const pictor::Txt2ImgResult result = pictor::txt2img(model, params, sink);
        if (result.cancelled) return;

        const QDir out(r.outputFolder);
        if (!QDir().mkpath(r.outputFolder)) {
            throw JobError(QStringLiteral("Cannot create the output folder %1.").arg(r.outputFolder),
                           QStringLiteral("Choose another one with File → Choose output folder…"));
        }
        const QString stamp = QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"));
        const qint64 seed = result.seed ? qint64(*result.seed) : r.params.seed;
        for (size_t i = 0; i < size_t(result.images.size(0)); ++i) {
            const QString file = out.filePath(QStringLiteral("%1-%2-%3.png").arg(stamp).arg(seed).arg(i));
            pictor::save_txt2img_png(result, i, p(file));
            GalleryItem item;
            item.path = file;
            item.modifiedMsecs = QFileInfo(file).lastModified().toMSecsSinceEpoch();
            item.parametersText = i < result.parameters.size() ? q(result.parameters[i]) : QString();
            item.params = r.params;
            item.params.seed = seed;
            parseParameters(item.parametersText, &item.params, item.params);
            const at::Tensor u8 = pictor::float_to_u8(result.images[int64_t(i)]);
            item.thumbnail = thumbnailOf(toQImage(u8));
            ctx.image(item);
        }
    }

    void operator()(const ScoreRequest& r) {
        if (r.labels.isEmpty()) throw JobError(QStringLiteral("The label list is empty."), QStringLiteral("Add at least one label."));
        const pictor::ClipZeroShot& model = clip(r.clipModel);
        pictor::ZeroShotParams params;
        for (const QString& label : r.labels) params.labels.push_back(label.toStdString());
        ctx.stage(QStringLiteral("scoring"));
        int done = 0;
        for (const QString& image : r.imagePaths) {
            if (ctx.cancelled()) return;
            params.image_paths = {p(image)};
            pictor::ZeroShotResult result;
            try {
                SinkAdapter<pictor::ProgressSink> sink(ctx);
                result = model.score(params, sink);
            } catch (const pictor::Error& e) {
                // One unreadable file must not stop a whole batch; a single image reports it.
                if (r.imagePaths.size() == 1) throw JobError(q(e.what()), QStringLiteral("Choose another image."));
                ctx.message(QStringLiteral("skipped %1: %2").arg(image, q(e.what())));
                continue;
            }
            if (result.cancelled) return;
            ScoreResult out;
            out.imagePath = image;
            for (const pictor::LabelScore& s : result.images.at(0).labels) {
                out.scores.push_back(LabelScore{q(s.label), double(s.prob), double(s.logit)});
            }
            ctx.score(out);
            ctx.step(++done, int(r.imagePaths.size()));
        }
    }

    void operator()(const CompareRequest& r) {
        const pictor::ClipZeroShot& clipModel = clip(r.clipModel);
        const fs::path resnetPath = resolveModel(r.resnetModel, QStringLiteral("ResNet50 model"));
        if (cache.resnet.is_empty() || cache.resnetKey != resnetPath.string()) {
            ctx.stage(QStringLiteral("loading ResNet50"));
            cache.resnet = pictor::load_resnet(resnetPath);
            cache.resnetKey = resnetPath.string();
        }
        pictor::CompareParams params;
        try {
            params.image = pictor::read_image(p(r.imagePath));
        } catch (const pictor::Error& e) {
            throw JobError(q(e.what()), QStringLiteral("Choose another image."));
        }
        params.image_name = QFileInfo(r.imagePath).fileName().toStdString();
        for (const QString& label : r.labels) params.labels.push_back(label.toStdString());
        ctx.stage(QStringLiteral("comparing"));
        SinkAdapter<pictor::ProgressSink> sink(ctx);
        const pictor::CompareResult result = pictor::compare(clipModel, *cache.resnet, params, &sink);
        if (result.cancelled) return;
        CompareResult out;
        out.imagePath = r.imagePath;
        for (const pictor::CompareLabel& l : result.labels) {
            out.clip.push_back(LabelScore{q(l.label), double(l.clip_probability), double(l.clip_logit)});
        }
        for (const pictor::ClassPrediction& c : result.resnet_top) {
            out.resnetTop5.push_back(ClassScore{q(c.name), double(c.probability),
                                                QStringLiteral("ImageNet class %1, logit %2").arg(c.index).arg(c.logit, 0, 'f', 3)});
        }
        for (const pictor::ObjectAgreement& o : result.objects) {
            out.groups.push_back(ClassScore{q(o.object), double(o.resnet_probability),
                                            QStringLiteral("CLIP gives the labels naming it %1").arg(o.clip_probability, 0, 'f', 3)});
        }
        ctx.compare(out);
    }

    void operator()(const DatasetRequest& r) {
        pictor::StableDiffusion& model = stableDiffusion(r.params.model, r.params.device);
        pictor::DatasetParams params;
        for (const DatasetClass& c : r.classes) {
            pictor::DatasetClass dc;
            dc.name = c.name.toStdString();
            dc.prompts = {c.prompt.toStdString()};
            dc.negative_prompt = r.params.negativePrompt.toStdString();
            params.classes.push_back(dc);
        }
        params.per_class = r.imagesPerClass;
        params.steps = r.params.steps;
        params.guidance_scale = r.params.guidance;
        params.width = r.params.width;
        params.height = r.params.height;
        params.scheduler = r.params.scheduler.toStdString();
        params.base_seed = uint64_t(std::max<qint64>(0, r.params.seed));
        params.model_reference = r.params.model.toStdString();
        SinkAdapter<pictor::ProgressSink> sink(ctx);
        const pictor::DatasetResult result = pictor::build_dataset(model, params, p(r.folder), sink);
        ctx.message(QStringLiteral("dataset: %1 generated, %2 already present").arg(result.generated).arg(result.skipped));
    }

    void operator()(const TrainRequest& r) {
        pictor::ImageFolder dataset;
        try {
            dataset = pictor::scan_image_folder(p(r.datasetFolder));
        } catch (const pictor::Error& e) {
            throw JobError(q(e.what()), QStringLiteral("Build the dataset first, or choose a folder with one sub-folder "
                                                       "of images per class."));
        }
        const fs::path backbone = resolveModel(r.resnetModel, QStringLiteral("ResNet18 model"));
        ctx.stage(QStringLiteral("loading ResNet18"));
        pictor::ResNet model = pictor::load_resnet(backbone);  // fresh: training changes it
        pictor::TrainParams params;
        params.epochs = r.epochs;
        params.batch_size = r.batchSize;
        params.learning_rate = r.learningRate;
        params.split = 1.0 - r.testFraction;
        params.optimizer = pictor::optimizer_from_name(r.optimizer.toLower().toStdString());
        params.seed = uint64_t(std::max<qint64>(0, r.seed));
        TrainSink sink(ctx, r.epochs);
        ctx.stage(QStringLiteral("training"));
        const pictor::TrainResult result = pictor::train_classifier(*model, dataset, params, &sink);
        TrainingEvaluation eval;
        for (const std::string& c : result.classes) eval.classes << q(c);
        for (double a : result.test.per_class_accuracy) eval.perClassAccuracy << a;
        for (const auto& row : result.test.confusion) {
            QVector<int> counts;
            for (int64_t v : row) counts << int(v);
            eval.confusion << counts;
        }
        eval.accuracy = result.test.accuracy;
        if (!result.cancelled || result.best_epoch > 0) {
            const QString dir = r.exportPath;
            ctx.stage(QStringLiteral("exporting"));
            pictor::export_classifier(p(dir), *model, result.classes, pictor::ImagenetTransform::v1());
            eval.exportedModel = dir;
        }
        ctx.evaluation(eval);
    }

    void operator()(const DownloadRequest& r) {
        const pictor::hub::Catalogue catalogue = pictor::hub::Catalogue::load();
        const pictor::hub::CatalogueEntry* entry = catalogue.find(r.entryName.toStdString());
        if (!entry) {
            throw JobError(QStringLiteral("“%1” is not in the model catalogue.").arg(r.entryName),
                           QStringLiteral("Add it with pictor-cli models, or pick an entry of the list."));
        }
        pictor::hub::PullOptions options;
        options.variant = r.variant.toStdString();
        SinkAdapter<pictor::ProgressSink> sink(ctx);
        ctx.stage(QStringLiteral("downloading"));
        const pictor::hub::PullResult result =
            pictor::hub::pull_model(*entry, options, pictor::hub::HubConfig::from_environment(), {}, &sink);
        if (!result.cancelled) ctx.message(QStringLiteral("%1 is in %2").arg(r.entryName, q(result.location.string())));
    }

    void operator()(const ClassifyRequest& r) {
        if (r.classifierPath.isEmpty()) {
            throw JobError(QStringLiteral("No trained classifier yet."), QStringLiteral("Train one in the Training view first."));
        }
        const std::string key = r.classifierPath.toStdString() + "|" +
                                QString::number(QFileInfo(r.classifierPath + QStringLiteral("/classifier.json"))
                                                    .lastModified()
                                                    .toMSecsSinceEpoch())
                                    .toStdString();
        if (!cache.classifier || cache.classifierKey != key) {
            ctx.stage(QStringLiteral("loading the classifier"));
            cache.classifier = std::make_unique<pictor::ExportedClassifier>(pictor::load_classifier(p(r.classifierPath)));
            cache.classifierKey = key;
        }
        at::Tensor image;
        try {
            image = pictor::read_image(p(r.imagePath));
        } catch (const pictor::Error& e) {
            throw JobError(q(e.what()), QStringLiteral("Choose another image."));
        }
        const auto predictions = pictor::predict(*cache.classifier, {image});
        ClassifyResult out;
        out.imagePath = r.imagePath;
        const auto& probs = predictions.at(0).probabilities;
        for (size_t i = 0; i < probs.size(); ++i) {
            out.scores.push_back(ClassScore{q(cache.classifier->classes.at(i)), double(probs[i]), {}});
        }
        std::stable_sort(out.scores.begin(), out.scores.end(),
                         [](const ClassScore& a, const ClassScore& b) { return a.probability > b.probability; });
        ctx.classify(out);
    }
};

}  // namespace

QVector<ModelEntryInfo> EngineBackend::modelCatalogue() {
    QVector<ModelEntryInfo> out;
    const pictor::hub::Catalogue catalogue = pictor::hub::Catalogue::load();
    for (const pictor::hub::CatalogueEntry& e : catalogue.entries()) {
        const pictor::hub::ModelStatus status = pictor::hub::model_status(e);
        ModelEntryInfo info;
        info.name = q(e.name);
        info.title = q(e.title);
        info.description = q(e.description);
        info.reference = q(e.reference());
        for (const std::string& v : e.variants) info.variants << q(v);
        info.approxSize = qint64(e.approx_size);
        info.status = q(status.summary());
        info.complete = status.state == pictor::hub::ModelStatus::State::complete;
        info.location = q(status.location.string());
        out << info;
    }
    return out;
}

void EngineBackend::run(const JobRequest& request, JobContext& context) {
    pictor::adopt_thread_count();
    try {
        std::visit(Runner{*m_cache, context}, request);
    } catch (const JobError&) {
        throw;
    } catch (const pictor::Error& e) {
        throw JobError(q(e.what()));
    }
}

}  // namespace pictor::ui
