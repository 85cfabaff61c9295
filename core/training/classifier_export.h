// Trained classifiers on disk, and classifying images with them.
//
// A classifier is a folder:
//   model.safetensors   the whole ResNet state_dict (torchvision names; BatchNorm statistics
//                       change during training, so the backbone is saved too)
//   classifier.json     {"format": "pictor-classifier", "version": 1, "backbone": "resnet18",
//                        "classes": [...], "preprocessing": {"name": "IMAGENET1K_V1", "resize": 256,
//                        "crop": 224, "mean": [...], "std": [...]}, ...}
// classifier.json is written last, so a folder without it is an incomplete export.
// Failure contract: pictor::Error naming the folder/file. Not thread-safe per model.
#pragma once

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/image/imagenet_preprocess.h"
#include "core/models/resnet/resnet.h"

namespace pictor {

struct ExportedClassifier {
    ResNet model{nullptr};
    std::vector<std::string> classes;
    ImagenetTransform transform;
    std::string backbone;
    nlohmann::json info;  // the whole classifier.json
};

// Writes the folder (created if needed; existing files replaced atomically). `extra` is merged
// into classifier.json (training settings, metrics).
void export_classifier(const std::filesystem::path& dir, ResNetImpl& model, const std::vector<std::string>& classes,
                       const ImagenetTransform& transform, const nlohmann::json& extra = {});

ExportedClassifier load_classifier(const std::filesystem::path& dir);

struct Prediction {
    std::string path;                  // for the caller's bookkeeping
    std::vector<float> probabilities;  // per class, in `classes` order
    int best = 0;
};

// Probabilities per class for each decoded image (uint8 HWC), with the classifier's preprocessing.
std::vector<Prediction> predict(ExportedClassifier& classifier, const std::vector<at::Tensor>& images);

}  // namespace pictor
