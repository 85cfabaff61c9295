#include "core/jobs/compare_job.h"

#include "core/image/image_io.h"
#include "core/jobs/job_support.h"
#include "core/jobs/vision_models.h"
#include "core/pipelines/compare.h"

namespace pictor::jobs {

using namespace detail;

namespace {

ClassProbability from(const ClassPrediction& c) { return {c.index, c.name, c.probability, c.logit}; }

}  // namespace

void validate(const CompareRequest& r) {
    require_file(r.image, "image");
    require_labels(r.labels, "labels");
    if (r.top_k < 1) throw InvalidRequest("top-k must be at least 1, got " + std::to_string(r.top_k));
    require_template(r.prompt_template);
    require_preset(r.preset);
}

CompareResult run_compare(const CompareRequest& r, JobSink& sink, ModelCache& cache) {
    validate(r);
    const std::shared_ptr<ClipZeroShot> clip = clip_for(r.clip, cache, sink);
    const LoadedResNet resnet = resnet_for(r.resnet, r.preset, cache, sink);
    CompareParams params;
    params.image = read_image(r.image);
    params.image_name = r.image.string();
    params.labels = r.labels;
    params.prompt_template = r.prompt_template;
    params.transform = resnet.transform;
    params.top_k = r.top_k;
    sink.on_stage("comparing");
    SinkBridge bridge(sink);
    const pictor::CompareResult out = compare(*clip, **resnet.model, params, &bridge);

    CompareResult result;
    result.cancelled = out.cancelled;
    result.clip_reference = r.clip;
    result.resnet = resnet.used;
    if (out.cancelled) return result;
    for (const CompareLabel& l : out.labels) {
        result.labels.push_back({l.label, l.prompt, l.clip_probability, l.clip_logit});
        result.label_objects.push_back(l.objects);
    }
    result.clip_best = out.clip_best;
    for (const ClassPrediction& c : out.resnet_top) result.resnet_top.push_back(from(c));
    for (const ObjectAgreement& o : out.objects) {
        ObjectComparison c{o.object, o.labels, o.clip_probability, o.resnet_probability, {}};
        for (const ClassPrediction& p : o.resnet_classes) c.resnet_classes.push_back(from(p));
        result.objects.push_back(std::move(c));
    }
    result.clip_object = out.clip_object;
    result.resnet_object = out.resnet_object;
    return result;
}

}  // namespace pictor::jobs
