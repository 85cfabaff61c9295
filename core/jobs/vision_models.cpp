#include "core/jobs/vision_models.h"

#include "core/jobs/job_support.h"
#include "core/jobs/memory_estimate.h"

namespace pictor::jobs::detail {

std::shared_ptr<ClipZeroShot> clip_for(const std::string& reference, ModelCache& cache, JobSink& sink) {
    const ResolvedModel resolved = resolve_for(reference, "CLIP model");
    if (resolved.is_file())
        throw InvalidRequest("CLIP model '" + reference + "' is a single file; give the model folder (config.json, "
                             "tokenizer files, weights) or its Hugging Face repo id");
    const std::string key = "clip|" + resolved.path.string() + "|f32|cpu";
    return cache.get<ClipZeroShot>(key, weights_in_memory_bytes(resolved.path), [&] {
        sink.on_stage("loading CLIP");
        SinkBridge bridge(sink);
        return std::make_shared<ClipZeroShot>(load_clip_bundle(resolved.path, &bridge));
    });
}

void require_preset(const std::string& preset) {
    if (preset.empty()) return;
    try {
        (void)ImagenetTransform::from_name(preset);
    } catch (const Error& e) {
        throw InvalidRequest(std::string("preset: ") + e.what());
    }
}

LoadedResNet resnet_for(const std::string& reference, const std::string& preset, ModelCache& cache, JobSink& sink) {
    if (reference.empty()) throw ModelNotFound("no ResNet model is set", "ResNet model", reference);
    std::filesystem::path weights;
    try {
        weights = resolve_resnet_weights(reference);
    } catch (const Error& e) {
        // Same error shape as every other model (with the catalogue entry, when it names one).
        try {
            (void)resolve_for(reference, "ResNet model");
        } catch (const ModelNotFound&) {
            throw;
        } catch (const Error&) {
        }
        throw ModelNotFound("the ResNet model '" + reference + "' was not found: " + e.what(), "ResNet model", reference);
    }
    const std::string key = "resnet|" + weights.string() + "|" + modification_stamp(weights) + "|f32|cpu";
    LoadedResNet out;
    out.model = cache.get<ResNet>(key, weights_in_memory_bytes(weights), [&] {
        sink.on_stage("loading ResNet");
        return std::make_shared<ResNet>(load_resnet(weights));
    });
    const std::string arch = (*out.model)->config().name();
    if (!preset.empty()) out.transform = ImagenetTransform::from_name(preset);
    else if (auto own = ImagenetTransform::for_weights_file(weights.filename().string())) out.transform = *own;
    else out.transform = ImagenetTransform::default_for(arch);
    out.used = ClassifierUsed{reference, weights.string(), arch, out.transform.name};
    return out;
}

}  // namespace pictor::jobs::detail
