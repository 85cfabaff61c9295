#include "core/jobs/predict_job.h"

#include <ATen/ATen.h>

#include "core/image/image_io.h"
#include "core/jobs/job_support.h"
#include "core/jobs/memory_estimate.h"
#include "core/training/classifier_export.h"

namespace pictor::jobs {

using namespace detail;

void validate(const PredictRequest& r) {
    if (r.classifier.empty()) throw InvalidRequest("no trained classifier is set (train one first)");
    std::error_code ec;
    if (!std::filesystem::is_directory(r.classifier, ec))
        throw InvalidRequest("classifier folder '" + r.classifier.string() + "' does not exist");
    if (r.images.empty()) throw InvalidRequest("image: give at least one image");
    for (const auto& image : r.images) require_file(image, "image");
}

PredictResult run_predict(const PredictRequest& r, JobSink& sink, ModelCache& cache) {
    validate(r);
    const std::string identity = "classifier|" + std::filesystem::absolute(r.classifier).string() + "|";
    const std::string key = identity + modification_stamp(r.classifier / "classifier.json");
    const std::shared_ptr<ExportedClassifier> classifier = cache.get<ExportedClassifier>(
        key, weights_in_memory_bytes(r.classifier), [&] {
            sink.on_stage("loading the classifier");
            return std::make_shared<ExportedClassifier>(load_classifier(r.classifier));
        },
        identity);
    std::vector<at::Tensor> images;
    for (const auto& image : r.images) images.push_back(read_image(image));
    sink.on_stage("classifying");
    const std::vector<Prediction> predictions = predict(*classifier, images);
    PredictResult result;
    result.classes = classifier->classes;
    result.backbone = classifier->backbone;
    for (size_t i = 0; i < predictions.size(); ++i) {
        ImagePrediction p;
        p.image = r.images[i];
        for (size_t c = 0; c < classifier->classes.size(); ++c)
            p.classes.push_back({int(c), classifier->classes[c], predictions[i].probabilities[c], 0.0});
        p.best = predictions[i].best;
        result.images.push_back(std::move(p));
    }
    return result;
}

}  // namespace pictor::jobs
