#include "core/pipelines/classify.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <functional>
#include <numeric>

#include "core/models/resnet/resnet.h"
#include "core/util/error.h"
#include "core/util/progress.h"
#include "core/util/resources.h"

namespace pictor {

const std::vector<std::string>& imagenet_class_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        const std::string_view text = resources::imagenet_classes_txt();
        size_t start = 0;
        while (start < text.size()) {
            size_t end = text.find('\n', start);
            if (end == std::string_view::npos) end = text.size();
            std::string_view line = text.substr(start, end - start);
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            if (!line.empty()) out.emplace_back(line);
            start = end + 1;
        }
        if (out.size() != 1000) {
            fail("built-in imagenet_classes.txt has " + std::to_string(out.size()) + " names, expected 1000");
        }
        return out;
    }();
    return names;
}

std::vector<ClassPrediction> top_k(const at::Tensor& probs_row, const at::Tensor& logits_row, int k,
                                   const std::vector<std::string>& names) {
    if (k < 1) fail("top-k: k must be at least 1, got " + std::to_string(k));
    const at::Tensor probs = probs_row.detach().to(at::kFloat).contiguous().view(-1);
    const at::Tensor logits =
        logits_row.defined() ? logits_row.detach().to(at::kFloat).contiguous().view(-1) : at::Tensor();
    const int64_t n = probs.numel();
    if (logits.defined() && logits.numel() != n) fail("top-k: logits and probabilities differ in size");
    if (!names.empty() && static_cast<int64_t>(names.size()) != n) {
        fail("top-k: " + std::to_string(names.size()) + " class names for " + std::to_string(n) + " classes");
    }
    const float* p = probs.data_ptr<float>();
    std::vector<int> order(n);
    std::iota(order.begin(), order.end(), 0);
    const int count = static_cast<int>(std::min<int64_t>(k, n));
    std::partial_sort(order.begin(), order.begin() + count, order.end(),
                      [p](int a, int b) { return p[a] > p[b] || (p[a] == p[b] && a < b); });
    std::vector<ClassPrediction> out;
    for (int i = 0; i < count; ++i) {
        ClassPrediction c;
        c.index = order[i];
        c.name = names.empty() ? "class " + std::to_string(c.index) : names[c.index];
        c.probability = p[c.index];
        c.logit = logits.defined() ? logits.data_ptr<float>()[c.index] : 0.0f;
        out.push_back(std::move(c));
    }
    return out;
}

namespace {

// The pipeline for any forward function (the module, or its folded snapshot).
ClassifyResult run_classify(const std::function<at::Tensor(const at::Tensor&)>& forward, int num_classes,
                            const ClassifyParams& params, ProgressSink* progress) {
    if (params.images.empty()) fail("classify: no images given");
    if (params.top_k < 1) fail("classify: top_k must be at least 1, got " + std::to_string(params.top_k));
    std::vector<std::string> names = params.class_names;
    if (names.empty() && num_classes == 1000) names = imagenet_class_names();
    if (!names.empty() && static_cast<int>(names.size()) != num_classes) {
        fail("classify: " + std::to_string(names.size()) + " class names for a model with " +
             std::to_string(num_classes) + " classes");
    }

    c10::InferenceMode inference;
    ClassifyResult result;
    if (progress) progress->on_stage("preprocessing");
    std::vector<at::Tensor> inputs;
    inputs.reserve(params.images.size());
    for (size_t i = 0; i < params.images.size(); ++i) {
        try {
            inputs.push_back(imagenet_preprocess(params.images[i], params.transform));
        } catch (const Error& e) {
            throw e.with_context("classify: image " + std::to_string(i));
        }
    }
    const at::Tensor input = at::stack(inputs);  // [N, 3, crop, crop]

    if (progress) progress->on_stage("classifying");
    const int64_t n = input.size(0);
    const int64_t batch = std::max(1, params.batch_size);
    std::vector<at::Tensor> logits;
    for (int64_t begin = 0; begin < n; begin += batch) {
        if (progress && progress->cancelled()) {
            result.cancelled = true;
            return result;
        }
        logits.push_back(forward(input.slice(0, begin, std::min(n, begin + batch))));
        if (progress) progress->on_step(static_cast<int>(std::min(n, begin + batch)), static_cast<int>(n));
    }

    result.input = input;
    result.logits = at::cat(logits);               // [N, C]
    result.probs = at::softmax(result.logits, 1);  // [N, C]
    for (int64_t i = 0; i < n; ++i) {
        result.top.push_back(top_k(result.probs[i], result.logits[i], params.top_k, names));
    }
    return result;
}

}  // namespace

ClassifyResult classify(ResNetImpl& model, const ClassifyParams& params, ProgressSink* progress) {
    // eval() for the call, the caller's mode afterwards (also when cancelled or throwing).
    struct ModeGuard {
        ResNetImpl& model;
        bool was_training;
        ~ModeGuard() { model.train(was_training); }
    } mode_guard{model, model.is_training()};
    model.eval();
    return run_classify([&](const at::Tensor& x) { return model.forward(x); }, model.config().num_classes,
                        params, progress);
}

ClassifyResult classify(const ResNetInference& model, const ClassifyParams& params, ProgressSink* progress) {
    return run_classify([&](const at::Tensor& x) { return model.forward(x); }, model.config().num_classes,
                        params, progress);
}

}  // namespace pictor
