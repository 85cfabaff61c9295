// The only studio file that runs engine jobs. Runs on the EngineWorker thread.
//
// Each studio request maps onto one job of core/jobs and each job result onto the studio's value
// types; validation, model loading and caching, file naming and writing are the job layer's, so
// the studio and pictor-cli give the same files and numbers for the same settings.
#include "ui/engine_backend.h"

#include "core/util/runtime.h"

#include "ui/engine_worker.h"

#include <QDateTime>
#include <QFileInfo>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "core/jobs/compare_job.h"
#include "core/jobs/dataset_job.h"
#include "core/jobs/generate_job.h"
#include "core/jobs/grid_job.h"
#include "core/jobs/job_error.h"
#include "core/jobs/job_sink.h"
#include "core/jobs/model_cache.h"
#include "core/jobs/model_catalogue.h"
#include "core/jobs/predict_job.h"
#include "core/jobs/pull_job.h"
#include "core/jobs/score_job.h"
#include "core/jobs/train_job.h"
#include "core/util/error.h"

namespace pictor::ui {

namespace {

namespace fs = std::filesystem;
namespace jobs = pictor::jobs;

QString q(const char* s) { return QString::fromUtf8(s); }
QString q(const std::string& s) { return QString::fromStdString(s); }
QString q(std::string_view s) { return QString::fromUtf8(s.data(), qsizetype(s.size())); }
QString q(const fs::path& p) { return QString::fromStdString(p.string()); }
fs::path p(const QString& s) { return fs::path(s.toStdString()); }

// The engine's RGB bytes → a QImage that owns its pixels (the job's buffer does not outlive the call).
QImage toQImage(const pictor::Rgb8Image& rgb) {
    if (rgb.empty() || rgb.width <= 0 || rgb.height <= 0 ||
        rgb.pixels.size() != size_t(rgb.width) * size_t(rgb.height) * 3) {
        return {};
    }
    const QImage view(rgb.pixels.data(), rgb.width, rgb.height, rgb.width * 3, QImage::Format_RGB888);
    return view.copy();
}

QImage thumbnailOf(const QImage& image) {
    return image.scaled(160, 160, Qt::KeepAspectRatio, Qt::SmoothTransformation);
}

// The job layer's progress → the job's context (which throttles it), and the cancel flag back.
class ContextSink : public pictor::JobSink {
public:
    explicit ContextSink(JobContext& ctx) : m_ctx(ctx) {}

    void on_stage(std::string_view stage) override {
        m_timed = false;
        m_ctx.stage(q(stage));
    }
    void on_step(int step, int total) override {
        // A stage that reports timings follows each step with one: that report carries the step
        // together with the engine's ETA, so the step itself would only be a duplicate signal.
        if (!m_timed) m_ctx.step(step, total);
    }
    void on_timing(const pictor::StepTiming& timing) override {
        m_timed = true;
        m_ctx.timing(timing.step, timing.total, timing.eta_s);
    }
    void on_preview(const pictor::Rgb8Image& rgb) override { m_ctx.preview(toQImage(rgb)); }
    void on_message(std::string_view message) override { m_ctx.message(q(message)); }
    void on_train_batch(const pictor::TrainBatchReport& r) override { m_ctx.batchLoss(r.epoch, r.batch, r.batches, r.loss); }
    void on_train_epoch(const pictor::TrainEpochReport& r) override {
        m_ctx.epoch(EpochMetrics{r.epoch, r.epochs, r.train_loss, r.train_accuracy, r.test_loss, r.test_accuracy});
    }
    bool cancelled() const override { return m_ctx.cancelled(); }

private:
    JobContext& m_ctx;
    bool m_timed = false;  // the current stage reports StepTiming
};

// A LoRA row's file as the engine takes it: a path as it is, a catalogue name (not a path that
// exists) as the folder its download is in.
std::string loraFile(const QString& file) {
    std::error_code ec;
    const std::string f = file.trimmed().toStdString();
    if (f.empty() || fs::exists(p(file.trimmed()), ec)) return f;
    std::vector<jobs::CatalogueModel> catalogue;
    try {
        catalogue = jobs::list_catalogue_models();
    } catch (const std::exception&) {  // a malformed models.yaml only means no catalogue names
    }
    for (const jobs::CatalogueModel& m : catalogue) {
        if (m.name != f && m.reference != f) continue;
        if (m.complete) return m.location;
        pictor::ModelNotFound missing("LoRA '" + f + "' (" + m.title + ") is not on this computer yet (pictor-cli models pull " +
                                          f + ")",
                                      "LoRA", f);
        missing.catalogue_entry = m.name;
        missing.catalogue_title = m.title;
        missing.approx_size = m.approx_size;
        throw missing;
    }
    return f;  // the job reports the file that does not exist
}

struct Runner {
    JobContext& ctx;
    ContextSink sink{ctx};
    pictor::ModelCache& cache = pictor::ModelCache::process();

    void operator()(const GenerateRequest& r) {
        const jobs::GenerateRequest request = generateJobRequest(r);
        const jobs::GenerateResult result = jobs::run_generate(request, sink, cache);
        if (result.cancelled) return;
        for (const jobs::GeneratedImage& image : result.images) {
            GalleryItem item;
            item.path = q(image.file);
            item.modifiedMsecs = QFileInfo(item.path).lastModified().toMSecsSinceEpoch();
            item.parametersText = q(image.parameters);
            item.params = r.params;
            // The file records the list's LoRAs as <lora:NAME:STRENGTH> tags in its prompt (as A1111 does).
            item.params.loras.clear();
            if (result.seed) item.params.seed = qint64(*result.seed);
            parseParameters(item.parametersText, &item.params, item.params);
            item.thumbnail = thumbnailOf(toQImage(image.pixels));
            ctx.image(item);
        }
    }

    void operator()(const ScoreRequest& r) {
        jobs::ScoreRequest request;
        request.clip = r.clipModel.trimmed().toStdString();
        for (const QString& image : r.imagePaths) request.images.push_back(p(image));
        for (const QString& label : r.labels) request.labels.push_back(label.toStdString());
        request.on_image = [this](const jobs::ImageScore& score) {
            // A skipped image was already reported through the sink's on_message.
            if (!score.error.empty()) return;
            ScoreResult out;
            out.imagePath = q(score.image);
            for (const jobs::LabelProbability& l : score.labels) out.scores.push_back(LabelScore{q(l.label), l.probability, l.logit});
            ctx.score(out);
        };
        jobs::run_score(request, sink, cache);
    }

    void operator()(const CompareRequest& r) {
        jobs::CompareRequest request;
        request.clip = r.clipModel.trimmed().toStdString();
        request.resnet = r.resnetModel.trimmed().toStdString();
        request.image = p(r.imagePath);
        for (const QString& label : r.labels) request.labels.push_back(label.toStdString());
        const jobs::CompareResult result = jobs::run_compare(request, sink, cache);
        if (result.cancelled) return;
        CompareResult out;
        out.imagePath = r.imagePath;
        out.resnetModel = q(result.resnet.model);
        out.resnetPreset = q(result.resnet.preset);
        for (const jobs::LabelProbability& l : result.labels) out.clip.push_back(LabelScore{q(l.label), l.probability, l.logit});
        for (const jobs::ClassProbability& c : result.resnet_top) {
            out.resnetTop5.push_back(ClassScore{q(c.name), c.probability,
                                                QStringLiteral("ImageNet class %1, logit %2").arg(c.index).arg(c.logit, 0, 'f', 3)});
        }
        for (const jobs::ObjectComparison& o : result.objects) {
            out.groups.push_back(ClassScore{q(o.object), o.resnet_probability,
                                            QStringLiteral("CLIP gives the labels naming it %1").arg(o.clip_probability, 0, 'f', 3)});
        }
        ctx.compare(out);
    }

    void operator()(const DatasetRequest& r) {
        jobs::DatasetRequest request;
        request.model = r.params.model.trimmed().toStdString();
        for (const DatasetClass& c : r.classes) {
            jobs::DatasetClassSpec spec;
            spec.name = c.name.toStdString();
            spec.prompts = {c.prompt.toStdString()};
            spec.negative_prompt = r.params.negativePrompt.toStdString();
            request.classes.push_back(spec);
        }
        request.per_class = r.imagesPerClass;
        request.steps = r.params.steps;
        request.guidance = r.params.guidance;
        request.width = r.params.width;
        request.height = r.params.height;
        request.scheduler = r.params.scheduler.toStdString();
        request.seed = uint64_t(std::max<qint64>(0, r.params.seed));  // a random seed would not resume
        request.out_dir = p(r.folder);
        request.device = r.params.device.toStdString();
        const jobs::DatasetResult result = jobs::run_dataset(request, sink, cache);
        ctx.message(QStringLiteral("dataset: %1 generated, %2 already present").arg(result.generated).arg(result.skipped));
    }

    void operator()(const TrainRequest& r) {
        jobs::TrainRequest request;
        request.data_dir = p(r.datasetFolder);
        request.weights = r.resnetModel.trimmed().toStdString();
        request.out_dir = p(r.exportPath);
        request.epochs = r.epochs;
        request.batch_size = r.batchSize;
        request.learning_rate = r.learningRate;
        request.split = 1.0 - r.testFraction;
        request.optimizer = r.optimizer.toLower().toStdString();
        request.seed = uint64_t(std::max<qint64>(0, r.seed));
        const jobs::TrainResult result = jobs::run_train(request, sink);
        TrainingEvaluation eval;
        for (const std::string& c : result.classes) eval.classes << q(c);
        for (double a : result.per_class_accuracy) eval.perClassAccuracy << a;
        for (const auto& row : result.confusion) {
            QVector<int> counts;
            for (int64_t v : row) counts << int(v);
            eval.confusion << counts;
        }
        eval.accuracy = result.test_accuracy;
        if (result.exported) eval.exportedModel = q(result.exported_to);
        ctx.evaluation(eval);
    }

    void operator()(const ClassifyRequest& r) {
        jobs::PredictRequest request;
        request.classifier = p(r.classifierPath);
        request.images = {p(r.imagePath)};
        const jobs::PredictResult result = jobs::run_predict(request, sink, cache);
        ClassifyResult out;
        out.imagePath = r.imagePath;
        if (!result.images.empty()) {
            for (const jobs::ClassProbability& c : result.images.front().classes) {
                out.scores.push_back(ClassScore{q(c.name), c.probability, {}});
            }
        }
        std::stable_sort(out.scores.begin(), out.scores.end(),
                         [](const ClassScore& a, const ClassScore& b) { return a.probability > b.probability; });
        ctx.classify(out);
    }

    void operator()(const GridRequest& r) {
        jobs::GridRequest request;
        request.base = generateJobRequest(GenerateRequest{r.params, r.outputFolder});
        request.base.preview_every = 1;
        request.base.keep_pixels = false;
        request.out_dir = p(r.outputFolder);
        for (const GridAxisText& axis : r.axes) request.axes.push_back(jobs::parse_axis(axis.text().toStdString()));
        for (const QString& label : r.labels) request.labels.push_back(label.toStdString());
        request.clip = r.clipModel.trimmed().toStdString();
        request.heat_label = r.heatLabel.toStdString();
        request.on_cell = [this](const jobs::GridCell& c) {
            GridCellResult out;
            out.x = c.x;
            out.y = c.y;
            out.z = c.z;
            out.path = q(c.file);
            out.reused = c.reused;
            // Thumbnails are read here, on the worker thread: the view only shows them.
            out.thumbnail = QImage(out.path).scaled(96, 96, Qt::KeepAspectRatio, Qt::SmoothTransformation);
            for (const jobs::LabelProbability& l : c.scores) {
                out.labels << q(l.label);
                out.probabilities << l.probability;
            }
            out.best = c.best;
            ctx.gridCell(out);
        };
        const jobs::GridResult result = jobs::run_grid(request, sink, cache);
        GridResult out;
        out.gridFile = q(result.grid_file);
        out.heatmapFile = q(result.heatmap_file);
        out.csvFile = q(result.csv_file);
        out.generated = result.generated;
        out.reused = result.reused;
        out.cancelled = result.cancelled;
        ctx.grid(out);
    }

    void operator()(const DownloadRequest& r) {
        jobs::PullRequest request;
        request.name = r.entryName.toStdString();
        request.variant = r.variant.toStdString();
        const jobs::PullResult result = jobs::run_pull(request, sink);
        if (!result.cancelled) ctx.message(QStringLiteral("%1 is in %2").arg(q(result.name), q(result.location)));
    }
};

}  // namespace

jobs::GenerateRequest generateJobRequest(const GenerateRequest& r) {
    const GenerationParams& g = r.params;
    jobs::GenerateRequest request;
    request.model = g.model.trimmed().toStdString();
    request.prompts = {g.prompt.toStdString()};
    if (!g.negativePrompt.isEmpty()) request.negative_prompts = {g.negativePrompt.toStdString()};
    request.steps = g.steps;
    request.guidance = g.guidance;
    request.images_per_prompt = g.imagesPerPrompt;
    request.width = g.width;
    request.height = g.height;
    request.scheduler = g.scheduler.toStdString();
    request.timestep_spacing = g.timestepSpacing.toStdString();
    if (g.seed >= 0) request.seed = uint64_t(g.seed);
    request.decoder = g.decoder.trimmed().toStdString();
    request.out_dir = p(r.outputFolder);
    request.device = g.device.toStdString();
    request.dtype = g.dtype.toStdString();
    request.prompt_syntax = g.promptSyntax.toStdString();
    request.clip_skip = g.clipSkip;
    for (const LoraEntry& l : g.loras) request.loras.push_back(jobs::LoraRequest{loraFile(l.file), l.strength, l.strength});
    if (!g.initImage.isEmpty()) {  // img2img: the init image resized to width × height (as A1111)
        request.init_image = p(g.initImage);
        request.strength = g.strength;
    }
    request.preview_every = 1;   // the worker throttles and downscales them
    request.keep_pixels = true;  // the gallery's thumbnails, without reading the files back
    return request;
}

QVector<ModelEntryInfo> EngineBackend::modelCatalogue() {
    QVector<ModelEntryInfo> out;
    for (const jobs::CatalogueModel& m : jobs::list_catalogue_models()) {
        ModelEntryInfo info;
        info.name = q(m.name);
        info.title = q(m.title);
        info.description = q(m.description);
        info.reference = q(m.reference);
        for (const std::string& v : m.variants) info.variants << q(v);
        info.approxSize = qint64(m.approx_size);
        info.status = q(m.status);
        info.complete = m.complete;
        info.location = q(m.location);
        out << info;
    }
    return out;
}

void EngineBackend::run(const JobRequest& request, JobContext& context) {
    pictor::adopt_thread_count();
    try {
        std::visit(Runner{context}, request);
    } catch (const JobError&) {
        throw;
    } catch (const pictor::ModelNotFound& e) {
        std::optional<MissingModel> missing;
        if (!e.catalogue_entry.empty()) missing = MissingModel{q(e.catalogue_entry), q(e.catalogue_title), qint64(e.approx_size)};
        throw JobError(q(e.what()),
                       QStringLiteral("Open the model manager (Models → Model manager…) to download it, or choose a "
                                      "local model."),
                       std::move(missing));
    } catch (const pictor::InvalidRequest& e) {
        throw JobError(q(e.what()), QStringLiteral("Fix the setting and run again."));
    } catch (const pictor::Error& e) {
        throw JobError(q(e.what()));
    }
}

}  // namespace pictor::ui
