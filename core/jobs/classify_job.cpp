#include "core/jobs/classify_job.h"

#include "core/image/image_io.h"
#include "core/io/safetensors.h"
#include "core/jobs/job_support.h"
#include "core/jobs/vision_models.h"
#include "core/pipelines/classify.h"

namespace pictor::jobs {

using namespace detail;

void validate(const ClassifyRequest& r) {
    if (r.images.empty()) throw InvalidRequest("image: give at least one image");
    for (const auto& image : r.images) require_file(image, "image");
    if (r.top_k < 1) throw InvalidRequest("top-k must be at least 1, got " + std::to_string(r.top_k));
    require_preset(r.preset);
}

ClassifyResult run_classify(const ClassifyRequest& r, JobSink& sink, ModelCache& cache) {
    validate(r);
    const LoadedResNet resnet = resnet_for(r.resnet, r.preset, cache, sink);
    ClassifyParams params;
    for (const auto& image : r.images) params.images.push_back(read_image(image));
    params.transform = resnet.transform;
    params.top_k = r.top_k;
    params.class_names = imagenet_class_names();
    sink.on_stage("classifying");
    SinkBridge bridge(sink);
    const ResNetInference fast(**resnet.model);  // folded BatchNorm, channels-last (bench resnet50)
    const pictor::ClassifyResult out = classify(fast, params, &bridge);
    ClassifyResult result;
    result.classifier = resnet.used;
    result.cancelled = out.cancelled;
    result.num_classes = int((*resnet.model)->config().num_classes);
    if (out.cancelled) return result;
    if (!r.save_tensors.empty()) write_safetensors(r.save_tensors, {{"input", out.input}, {"logits", out.logits}});
    for (const auto& top : out.top) {
        std::vector<ClassProbability> row;
        for (const ClassPrediction& c : top) row.push_back({c.index, c.name, c.probability, c.logit});
        result.top.push_back(std::move(row));
    }
    return result;
}

}  // namespace pictor::jobs
