// Value types the vision jobs (score, classify, compare, predict) return. No LibTorch, no Qt.
#pragma once

#include <string>
#include <vector>

namespace pictor::jobs {

// One CLIP label's result on one image.
struct LabelProbability {
    std::string label;   // as given
    std::string prompt;  // after the prompt template
    double probability = 0;  // softmax over the image's labels
    double logit = 0;        // CLIP's scaled cosine similarity
};

// One class of a classifier (ImageNet or a trained one).
struct ClassProbability {
    int index = 0;
    std::string name;
    double probability = 0;
    double logit = 0;
};

// What ran: the reference as given and the architecture / preprocessing actually used.
struct ClassifierUsed {
    std::string reference;  // as the request named it
    std::string weights;    // the file that was loaded
    std::string model;      // "resnet50", "resnet18"
    std::string preset;     // "IMAGENET1K_V2"
};

}  // namespace pictor::jobs
