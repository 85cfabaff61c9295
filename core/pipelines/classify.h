// ImageNet classification with a torchvision ResNet: decoded images -> preprocessing preset ->
// logits -> softmax -> top-k classes with names.
//
// The pipeline never opens files: images arrive decoded (core/image/image_io.h read_image) and
// the model is built by the caller (core/models/resnet/resnet.h load_resnet).
//
// Failure contract: throws pictor::Error for an empty image list, a bad image tensor, top_k < 1
// or class names that do not match the model's classes. Cancellation (ProgressSink::cancelled,
// checked before each batch) is reported in the result, not thrown.
// Thread-safety: one call at a time per model instance; the class-name tables are immutable and
// safe to read from any thread.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "core/image/imagenet_preprocess.h"

namespace pictor {

struct ResNetImpl;
class ResNetInference;
class ProgressSink;

// The 1000 ImageNet-1k category names in index order (torchvision weights.meta["categories"]),
// from the built-in resources/imagenet_classes.txt.
const std::vector<std::string>& imagenet_class_names();

struct ClassPrediction {
    int index = 0;
    std::string name;
    float probability = 0.0f;
    float logit = 0.0f;
};

// The k most probable classes of one row of probabilities (and logits), highest first; ties
// keep the lower index first. `names` may be empty (names become "class <index>").
std::vector<ClassPrediction> top_k(const at::Tensor& probs_row, const at::Tensor& logits_row, int k,
                                   const std::vector<std::string>& names);

struct ClassifyParams {
    std::vector<at::Tensor> images;  // uint8 HWC, 1..4 channels (alpha is dropped)
    ImagenetTransform transform = ImagenetTransform::v1();
    int top_k = 5;
    int batch_size = 16;
    // Names of the model's classes; empty = the ImageNet names when the model has 1000 classes,
    // else "class <index>".
    std::vector<std::string> class_names;
};

struct ClassifyResult {
    at::Tensor input;                               // [N, 3, crop, crop] float32, the model input
    at::Tensor logits;                              // [N, num_classes]
    at::Tensor probs;                               // [N, num_classes], softmax over classes
    std::vector<std::vector<ClassPrediction>> top;  // per image, min(top_k, num_classes) entries
    bool cancelled = false;                         // then the tensors are undefined and `top` empty
};

// Runs under c10::InferenceMode with the model in eval mode (restores its previous mode).
ClassifyResult classify(ResNetImpl& model, const ClassifyParams& params, ProgressSink* progress = nullptr);
// The same with the folded-BatchNorm snapshot (faster; logits equal up to float rounding).
// Concurrent calls on one snapshot are safe.
ClassifyResult classify(const ResNetInference& model, const ClassifyParams& params,
                        ProgressSink* progress = nullptr);

}  // namespace pictor
