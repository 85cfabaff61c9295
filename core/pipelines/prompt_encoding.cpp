#include "core/pipelines/prompt_encoding.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>

#include "core/models/clip/clip.h"
#include "core/text/clip_tokenizer.h"
#include "core/util/error.h"

namespace pictor {

namespace {

// Ref: modules/sd_hijack_clip.py FrozenCLIPEmbedderWithCustomWords.encode_with_transformers:
// Clip skip n >= 2 takes hidden_states[-n] (hidden_states[0] is the embedding output) through the
// final LayerNorm.
at::Tensor encode_with_transformers(CLIPTextModelImpl& model, const at::Tensor& ids, int clip_skip) {
    const int64_t layers = model.text_model->config.num_hidden_layers;
    if (clip_skip < 1 || clip_skip > layers)
        fail("clip skip must be between 1 and the text encoder's " + std::to_string(layers) + " layers, got " +
             std::to_string(clip_skip));
    if (clip_skip == 1) return model.forward(ids).last_hidden_state;
    const CLIPTextOutput out = model.forward(ids, {}, /*output_hidden_states=*/true);
    const at::Tensor& hidden = out.hidden_states[out.hidden_states.size() - static_cast<size_t>(clip_skip)];
    return model.text_model->final_layer_norm(hidden);
}

}  // namespace

std::vector<EncodedPrompt> encode_prompts(CLIPTextModelImpl& model, const ClipTokenizer& tokenizer,
                                          const std::vector<std::string>& texts, const PromptEncodingOptions& options,
                                          c10::Device device) {
    c10::InferenceMode inference;
    std::vector<EncodedPrompt> out(texts.size());
    std::vector<int64_t> ids;
    std::vector<float> multipliers;
    int64_t window = 0, total_chunks = 0;
    for (size_t i = 0; i < texts.size(); ++i) {
        out[i].tokens = tokenize_prompt(tokenizer, texts[i], options.syntax);
        for (const PromptChunk& chunk : out[i].tokens.chunks) {
            window = static_cast<int64_t>(chunk.tokens.size());
            ids.insert(ids.end(), chunk.tokens.begin(), chunk.tokens.end());
            // Ref: process_tokens — torch.asarray(batch_multipliers): the doubles rounded to float32.
            for (double m : chunk.multipliers) multipliers.push_back(static_cast<float>(m));
            ++total_chunks;
        }
    }
    if (texts.empty()) return out;
    const at::Tensor input_ids = at::tensor(ids, at::kLong).view({total_chunks, window}).to(device);
    // Emphasis runs in float32 (the reference's precision) whatever dtype the encoder runs in.
    const at::Tensor z_all = encode_with_transformers(model, input_ids, options.clip_skip).to(at::kFloat);
    const at::Tensor m_all = at::tensor(multipliers, at::kFloat).view({total_chunks, window, 1}).to(device);

    int64_t first = 0;
    for (EncodedPrompt& e : out) {
        const int64_t n = static_cast<int64_t>(e.tokens.chunks.size());
        e.z_chunks = z_all.narrow(0, first, n);
        std::vector<at::Tensor> conds;
        for (int64_t k = 0; k < n; ++k) {
            // Ref: modules/sd_emphasis.py EmphasisOriginal.after_transformers
            at::Tensor z = e.z_chunks.narrow(0, k, 1);
            const at::Tensor original_mean = z.mean();
            ChunkMeans means;
            means.original_mean = original_mean.item<float>();
            const auto& chunk_multipliers = e.tokens.chunks[static_cast<size_t>(k)].multipliers;
            const bool weighted = std::any_of(chunk_multipliers.begin(), chunk_multipliers.end(), [](double m) { return m != 1.0; });
            if (weighted) {
                z = z * m_all.narrow(0, first + k, 1);
                const at::Tensor new_mean = z.mean();
                means.new_mean = new_mean.item<float>();
                // A1111 divides by the weighted mean as it is. Where that mean is zero or so close
                // to it that the rescaled embeddings overflow (an encoder whose outputs average to
                // ~0, such as the tiny test model on some CPUs' summation order), A1111 would hand
                // inf/NaN to the UNet; the weighted embeddings are kept unrescaled instead.
                const at::Tensor restored = z * (original_mean / new_mean);
                if (at::isfinite(restored).all().item<bool>()) z = restored;
            } else {
                means.new_mean = means.original_mean;
            }
            e.means.push_back(means);
            conds.push_back(z);
        }
        e.cond = at::cat(conds, 1);  // [1, 77·n, D]
        first += n;
    }
    return out;
}

// Ref: modules/sd_samplers_cfg_denoiser.py pad_cond
at::Tensor pad_cond(const at::Tensor& cond, const at::Tensor& empty, int64_t chunks) {
    const int64_t window = empty.size(1);
    const int64_t have = cond.size(1) / window;
    if (cond.size(1) % window != 0 || have > chunks)
        fail("pad_cond: a conditioning of " + std::to_string(cond.size(1)) + " tokens does not pad to " +
             std::to_string(chunks) + " chunks of " + std::to_string(window));
    if (have == chunks) return cond;
    return at::cat({cond, empty.to(cond.options()).repeat({cond.size(0), chunks - have, 1})}, 1);
}

std::vector<at::Tensor> pad_to_same_length(const std::vector<at::Tensor>& conds, const at::Tensor& empty) {
    int64_t longest = 0;
    for (const at::Tensor& c : conds) longest = std::max(longest, c.size(1));
    const int64_t chunks = longest / empty.size(1);
    std::vector<at::Tensor> out;
    out.reserve(conds.size());
    for (const at::Tensor& c : conds) out.push_back(pad_cond(c, empty, chunks));
    return out;
}

}  // namespace pictor
