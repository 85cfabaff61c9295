// CLIP and ResNet through the model cache, shared by the score, classify and compare jobs
// (internal to core/jobs).
#pragma once

#include <memory>
#include <string>

#include "core/image/imagenet_preprocess.h"
#include "core/jobs/job_sink.h"
#include "core/jobs/model_cache.h"
#include "core/jobs/vision_types.h"
#include "core/models/resnet/resnet.h"
#include "core/pipelines/zero_shot.h"

namespace pictor::jobs::detail {

std::shared_ptr<ClipZeroShot> clip_for(const std::string& reference, ModelCache& cache, JobSink& sink);

struct LoadedResNet {
    std::shared_ptr<ResNet> model;
    ImagenetTransform transform;
    ClassifierUsed used;
};
// `preset` "" = the weights' own preset, else torchvision's default for the architecture.
LoadedResNet resnet_for(const std::string& reference, const std::string& preset, ModelCache& cache, JobSink& sink);

// Throws InvalidRequest for a preset name ImagenetTransform does not know ("" is fine).
void require_preset(const std::string& preset);

}  // namespace pictor::jobs::detail
