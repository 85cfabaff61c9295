// CLIP vs ResNet on one image: CLIP's probabilities over free-text labels beside an ImageNet
// ResNet's top-k classes, plus an object-level view where the two can be compared: for every
// object a label names ("fox" in "a watercolor painting of a fox"), the ResNet probability summed
// over that object's ImageNet classes (resources/imagenet_groups.json) next to the CLIP
// probability summed over the labels naming it. Where the objects agree the models agree; only
// CLIP can tell "watercolor" from "photo", which the ResNet has no class for.
//
// The pipeline never opens files: the image arrives decoded, the models loaded.
//
// Failure contract: compare() throws pictor::Error for an empty label list, a bad image, or a
// ResNet that is not an ImageNet-1k classifier (1000 classes); parse_imagenet_groups throws
// pictor::Error naming the field. Cancellation (checked between the two models and inside
// CLIP's scoring) is reported in the result.
// Thread-safety: one compare() at a time per ResNet instance; the group table is immutable.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/image/imagenet_preprocess.h"
#include "core/pipelines/classify.h"

namespace pictor {

class ClipZeroShot;
struct ResNetImpl;
class ProgressSink;

// A named set of ImageNet classes and the words that name it in a label.
struct ImagenetGroup {
    std::string name;                // "fox"
    std::vector<std::string> words;  // lower-case names incl. the group name; may be multi-word
    std::vector<int> indices;        // ImageNet class indices, ascending, no duplicates
    std::string note;
};

// Parses the groups file format (see resources/imagenet_groups.json). Every index must be in
// [0, num_classes). Throws pictor::Error naming the group and field.
std::vector<ImagenetGroup> parse_imagenet_groups(std::string_view json_text, int num_classes = 1000);
// The built-in groups (resources/imagenet_groups.json), parsed once.
const std::vector<ImagenetGroup>& imagenet_groups();

// Indices into `groups` of the objects `label` mentions, in order of appearance. A group's word
// matches whole words, case-insensitively, also with a plural "s"/"es"; where matches overlap
// the longer one wins ("big cat" rather than "cat").
std::vector<int> groups_mentioned(std::string_view label, const std::vector<ImagenetGroup>& groups);

// Sum of `probs_row` [num_classes] over the group's classes.
float group_probability(const at::Tensor& probs_row, const ImagenetGroup& group);

struct CompareParams {
    at::Tensor image;  // uint8 HWC, 1..4 channels
    std::string image_name = "image";
    std::vector<std::string> labels;  // CLIP labels (≥ 1)
    std::string prompt_template;      // CLIP: "" = the label itself, else "{}" is replaced
    ImagenetTransform transform = ImagenetTransform::v2();  // ResNet50's default preset
    int top_k = 5;
};

struct ObjectAgreement {
    std::string object;                           // group name
    std::vector<int> labels;                      // indices of the labels that mention it
    float clip_probability = 0.0f;                // sum of CLIP's probabilities of those labels
    float resnet_probability = 0.0f;              // sum of the ResNet's probabilities over the group
    std::vector<ClassPrediction> resnet_classes;  // the group's 3 most probable classes
};

struct CompareLabel {
    std::string label;
    std::string prompt;
    float clip_probability = 0.0f;
    float clip_logit = 0.0f;
    std::vector<std::string> objects;  // group names the label mentions
};

struct CompareResult {
    bool cancelled = false;
    std::vector<CompareLabel> labels;         // in the order given
    int clip_best = -1;                       // index into labels
    std::vector<ClassPrediction> resnet_top;  // top_k ImageNet classes
    std::vector<ObjectAgreement> objects;     // every object some label mentions, first mention first
    // The object CLIP favours (highest clip_probability) and the one the ResNet favours among the
    // same objects (highest resnet_probability); empty when no label names a known object.
    std::string clip_object, resnet_object;
    bool objects_agree() const { return !clip_object.empty() && clip_object == resnet_object; }
    at::Tensor clip_probs;    // [num_labels]
    at::Tensor resnet_probs;  // [1000]
};

CompareResult compare(const ClipZeroShot& clip, ResNetImpl& resnet, const CompareParams& params,
                      ProgressSink* progress = nullptr,
                      const std::vector<ImagenetGroup>& groups = imagenet_groups());

}  // namespace pictor
