#include "core/jobs/score_job.h"

#include "core/image/image_io.h"
#include "core/io/safetensors.h"
#include "core/jobs/job_support.h"
#include "core/jobs/vision_models.h"

namespace pictor::jobs {

using namespace detail;

void validate(const ScoreRequest& r) {
    if (r.images.empty()) throw InvalidRequest("image: give at least one image");
    for (const auto& image : r.images) require_file(image, "image");
    require_labels(r.labels, "labels");
    require_template(r.prompt_template);
}

ScoreResult run_score(const ScoreRequest& r, JobSink& sink, ModelCache& cache) {
    validate(r);
    const std::shared_ptr<ClipZeroShot> clip = clip_for(r.clip, cache, sink);
    ScoreResult result;
    result.clip_reference = r.clip;
    ZeroShotParams params;
    params.labels = r.labels;
    params.prompt_template = r.prompt_template;
    sink.on_stage("scoring");
    SinkBridge bridge(sink);
    if (!r.save_tensors.empty()) {
        for (const auto& image : r.images) {
            params.images.push_back(read_image(image));
            params.image_names.push_back(image.string());
        }
        const ZeroShotResult z = clip->score(params, bridge);
        result.cancelled = z.cancelled;
        if (z.cancelled) return result;
        for (size_t i = 0; i < z.images.size(); ++i) {
            ImageScore score;
            score.image = r.images[i];
            for (const LabelScore& l : z.images[i].labels) score.labels.push_back({l.label, l.prompt, l.prob, l.logit});
            score.best = z.images[i].best;
            if (r.on_image) r.on_image(score);
            result.images.push_back(std::move(score));
        }
        write_safetensors(r.save_tensors, {{"pixel_values", z.pixel_values},
                                           {"text_embeds", z.text_embeds},
                                           {"image_embeds", z.image_embeds},
                                           {"logits_per_image", z.logits_per_image},
                                           {"probs", z.probs}});
        return result;
    }
    // Images are scored in chunks: the labels' text embeddings are computed once per chunk, not
    // once per image, and results still arrive while a long list (score all gallery images) runs.
    // An unreadable file in a batch is reported in its own ImageScore and does not stop the rest.
    constexpr size_t kChunk = 8;
    std::vector<ImageScore> pending;  // in request order; labels empty until scored
    std::vector<size_t> readable;     // indices into `pending` of images in `params.images`
    params.images.clear();
    params.image_names.clear();
    int done = 0;
    const auto flush = [&]() -> bool {
        if (!params.images.empty()) {
            const ZeroShotResult z = clip->score(params, bridge);
            if (z.cancelled) return false;
            for (size_t k = 0; k < readable.size(); ++k) {
                ImageScore& score = pending[readable[k]];
                for (const LabelScore& l : z.images.at(k).labels) score.labels.push_back({l.label, l.prompt, l.prob, l.logit});
                score.best = z.images[k].best;
            }
        }
        for (ImageScore& score : pending) {
            if (r.on_image) r.on_image(score);
            result.images.push_back(std::move(score));
            sink.on_step(++done, int(r.images.size()));
        }
        pending.clear();
        readable.clear();
        params.images.clear();
        params.image_names.clear();
        return true;
    };
    for (const auto& image : r.images) {
        if (sink.cancelled()) {
            result.cancelled = true;
            return result;
        }
        ImageScore score;
        score.image = image;
        try {
            params.images.push_back(read_image(image));
            params.image_names.push_back(image.string());
            readable.push_back(pending.size());
        } catch (const Error& e) {
            if (r.images.size() == 1) throw;
            score.error = e.what();
            sink.on_message("skipped " + image.string() + ": " + e.what());
        }
        pending.push_back(std::move(score));
        if (params.images.size() == kChunk && !flush()) {
            result.cancelled = true;
            return result;
        }
    }
    if (!flush()) result.cancelled = true;
    return result;
}

}  // namespace pictor::jobs
