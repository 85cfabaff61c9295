#include "core/pipelines/zero_shot.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include "core/util/error.h"

namespace pictor {

namespace fs = std::filesystem;

ClipZeroShot::ClipZeroShot(CLIPModel model, ClipTokenizer tokenizer, CLIPImageProcessor processor, c10::Device device)
    : state_(std::make_shared<State>(State{std::move(model), std::move(tokenizer), std::move(processor), device})) {
    state_->model->to(device);
    state_->model->eval();
}

ClipZeroShot::ClipZeroShot(ClipBundle bundle, c10::Device device)
    : ClipZeroShot(std::move(bundle.model), std::move(bundle.tokenizer), std::move(bundle.processor), device) {}

std::vector<std::string> ClipZeroShot::make_prompts(const std::vector<std::string>& labels,
                                                    const std::string& prompt_template) {
    if (!prompt_template.empty() && prompt_template.find("{}") == std::string::npos)
        fail("prompt template \"" + prompt_template + "\" has no \"{}\" where the label goes");
    std::vector<std::string> prompts;
    prompts.reserve(labels.size());
    for (const auto& label : labels) {
        if (prompt_template.empty()) {
            prompts.push_back(label);
            continue;
        }
        std::string prompt;
        size_t from = 0;
        for (size_t at = prompt_template.find("{}"); at != std::string::npos; at = prompt_template.find("{}", from)) {
            prompt.append(prompt_template, from, at - from).append(label);
            from = at + 2;
        }
        prompt.append(prompt_template, from, std::string::npos);
        prompts.push_back(std::move(prompt));
    }
    return prompts;
}

at::Tensor ClipZeroShot::encode_text(const std::vector<std::string>& prompts, int batch_size) const {
    c10::InferenceMode guard;
    if (batch_size < 1) fail("text batch size must be at least 1");
    const auto& config = state_->model->config.text;
    std::vector<at::Tensor> embeds;
    for (size_t start = 0; start < prompts.size(); start += static_cast<size_t>(batch_size)) {
        const std::vector<std::string> chunk(prompts.begin() + static_cast<std::ptrdiff_t>(start),
                                             prompts.begin() + static_cast<std::ptrdiff_t>(std::min(prompts.size(), start + static_cast<size_t>(batch_size))));
        // CLIPProcessor(padding=True): pad to the longest prompt of the batch. Prompts longer than
        // the model's positions are truncated (bos + first max-2 + eos) instead of failing.
        std::vector<TokenizedText> tokens = state_->tokenizer.encode_batch(chunk, Padding::longest);
        const size_t longest = tokens.empty() ? 0 : tokens.front().input_ids.size();
        if (longest > static_cast<size_t>(config.max_position_embeddings))
            tokens = state_->tokenizer.encode_batch(chunk, Padding::max_length, static_cast<int>(config.max_position_embeddings));
        const int64_t n = static_cast<int64_t>(tokens.size()), t = static_cast<int64_t>(tokens.front().input_ids.size());
        at::Tensor ids = at::empty({n, t}, at::kLong), mask = at::empty({n, t}, at::kLong);
        for (int64_t i = 0; i < n; ++i) {
            std::copy(tokens[i].input_ids.begin(), tokens[i].input_ids.end(), ids[i].data_ptr<int64_t>());
            std::copy(tokens[i].attention_mask.begin(), tokens[i].attention_mask.end(), mask[i].data_ptr<int64_t>());
        }
        const at::Tensor features =
            state_->model->get_text_features(ids.to(state_->device), mask.to(state_->device));  // [n, P]
        embeds.push_back(features / features.norm(2, -1, true));
    }
    return at::cat(embeds);  // [N, P]
}

at::Tensor ClipZeroShot::encode_images(const at::Tensor& pixel_values) const {
    c10::InferenceMode guard;
    const at::Tensor features = state_->model->get_image_features(pixel_values.to(state_->device));  // [N, P]
    return features / features.norm(2, -1, true);
}

namespace {
ZeroShotResult cancelled_result() {
    ZeroShotResult r;
    r.cancelled = true;
    return r;
}
}  // namespace

ZeroShotResult ClipZeroShot::score(const ZeroShotParams& params) const {
    ProgressSink quiet;
    return score(params, quiet);
}

// Ref: transformers CLIPModel.forward + logits_per_image.softmax(dim=1).
ZeroShotResult ClipZeroShot::score(const ZeroShotParams& params, ProgressSink& progress) const {
    c10::InferenceMode guard;
    if (params.labels.empty()) fail("zero-shot scoring needs at least one label (the label list is empty)");
    const size_t num_images = params.images.size();
    if (num_images == 0) fail("zero-shot scoring needs at least one image");
    if (!params.image_names.empty() && params.image_names.size() != params.images.size())
        fail("image_names has " + std::to_string(params.image_names.size()) + " names for " +
             std::to_string(params.images.size()) + " images");
    const std::vector<std::string> prompts = make_prompts(params.labels, params.prompt_template);
    ZeroShotResult result;

    // Images first: one that cannot be preprocessed is reported before any model work.
    progress.on_stage("preprocessing images");
    std::vector<std::string> sources;
    std::vector<at::Tensor> pixels;
    for (size_t i = 0; i < params.images.size(); ++i) {
        const std::string name = params.image_names.empty() ? "image " + std::to_string(i + 1) : params.image_names[i];
        try {
            pixels.push_back(state_->processor.preprocess(params.images[i]));
        } catch (const Error& e) {
            throw e.with_context(name);
        }
        sources.push_back(name);
    }
    result.pixel_values = at::stack(pixels);  // [Ni, 3, H, W]

    progress.on_stage("encoding labels");
    std::vector<at::Tensor> text_parts;
    const size_t batch = static_cast<size_t>(std::max(1, params.text_batch_size));
    for (size_t start = 0; start < prompts.size(); start += batch) {
        if (progress.cancelled()) return cancelled_result();
        const std::vector<std::string> chunk(prompts.begin() + static_cast<std::ptrdiff_t>(start),
                                             prompts.begin() + static_cast<std::ptrdiff_t>(std::min(prompts.size(), start + batch)));
        text_parts.push_back(encode_text(chunk, static_cast<int>(batch)));
        progress.on_step(static_cast<int>(std::min(prompts.size(), start + batch)), static_cast<int>(prompts.size()));
    }
    const at::Tensor text_embeds = at::cat(text_parts);  // [Nt, P]

    progress.on_stage("encoding images");
    std::vector<at::Tensor> image_parts;
    for (size_t i = 0; i < num_images; ++i) {
        if (progress.cancelled()) return cancelled_result();
        image_parts.push_back(encode_images(result.pixel_values.narrow(0, static_cast<int64_t>(i), 1)));
        progress.on_step(static_cast<int>(i + 1), static_cast<int>(num_images));
    }
    const at::Tensor image_embeds = at::cat(image_parts);  // [Ni, P]

    const at::Tensor logits = state_->model->logits(image_embeds, text_embeds);  // [Ni, Nt]
    result.text_embeds = text_embeds.cpu();
    result.image_embeds = image_embeds.cpu();
    result.logits_per_image = logits.cpu();
    result.probs = at::softmax(logits, 1).cpu();

    const auto logit_acc = result.logits_per_image.accessor<float, 2>();
    const auto prob_acc = result.probs.accessor<float, 2>();
    for (size_t i = 0; i < num_images; ++i) {
        ImageScores scores;
        scores.source = sources[i];
        for (size_t j = 0; j < prompts.size(); ++j) {
            const auto ii = static_cast<int64_t>(i), jj = static_cast<int64_t>(j);
            scores.labels.push_back(LabelScore{params.labels[j], prompts[j], logit_acc[ii][jj], prob_acc[ii][jj]});
            if (scores.best < 0 || prob_acc[ii][jj] > prob_acc[ii][scores.best]) scores.best = static_cast<int>(j);
        }
        result.images.push_back(std::move(scores));
    }
    return result;
}

}  // namespace pictor
