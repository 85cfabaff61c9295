#include "core/models/clip/clip.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <limits>

#include <nlohmann/json.hpp>

#include "core/io/json_config.h"
#include "core/io/model_ref.h"
#include "core/io/state_dict.h"
#include "core/io/tensor_map.h"
#include "core/util/error.h"

namespace pictor {

namespace fs = std::filesystem;

namespace {

void check_positive(const JsonConfig& json, const char* key, int64_t value) {
    if (value <= 0) fail("'" + json.source() + "': \"" + key + "\" must be positive, got " + std::to_string(value));
}

std::string read_hidden_act(const JsonConfig& json, const std::string& fallback) {
    std::string act = json.get_string("hidden_act", fallback);
    if (act != "quick_gelu" && act != "gelu")
        fail("'" + json.source() + "': \"hidden_act\" must be \"quick_gelu\" or \"gelu\", got \"" + act + "\"");
    return act;
}

// Ref: CLIPConfig.__init__: a legacy `text_config_dict` / `vision_config_dict` overrides `text_config`.
JsonConfig sub_config(const JsonConfig& json, const std::string& key) {
    JsonConfig base = json.child(key);
    if (!json.has(key + "_dict")) return base;
    nlohmann::json merged = base.json();
    const JsonConfig overrides = json.child(key + "_dict");  // kept alive for the loop
    for (const auto& [k, v] : overrides.json().items()) merged[k] = v;
    return JsonConfig::parse(merged.dump(), json.source() + ":" + key);
}

bool is_full_clip_config(const JsonConfig& json) {
    return json.get_string("model_type", "") == "clip" || json.has("text_config") || json.has("vision_config");
}

void check_heads(const JsonConfig& json, int64_t hidden, int64_t heads) {
    if (hidden % heads != 0)
        fail("'" + json.source() + "': hidden_size " + std::to_string(hidden) + " is not divisible by num_attention_heads " +
             std::to_string(heads));
}

// The transformer fields the text and vision configs share: same keys, defaults from `c`, same checks.
template <typename Config>
void read_encoder_fields(const JsonConfig& json, Config& c) {
    c.hidden_size = json.get_int("hidden_size", c.hidden_size);
    c.intermediate_size = json.get_int("intermediate_size", c.intermediate_size);
    c.projection_dim = json.get_int("projection_dim", c.projection_dim);
    c.num_hidden_layers = json.get_int("num_hidden_layers", c.num_hidden_layers);
    c.num_attention_heads = json.get_int("num_attention_heads", c.num_attention_heads);
    c.hidden_act = read_hidden_act(json, c.hidden_act);
    c.layer_norm_eps = json.get_double("layer_norm_eps", c.layer_norm_eps);
    check_positive(json, "hidden_size", c.hidden_size);
    check_positive(json, "intermediate_size", c.intermediate_size);
    check_positive(json, "num_hidden_layers", c.num_hidden_layers);
    check_positive(json, "num_attention_heads", c.num_attention_heads);
    check_heads(json, c.hidden_size, c.num_attention_heads);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Configs

CLIPTextConfig CLIPTextConfig::from_json(const JsonConfig& input) {
    const JsonConfig json = is_full_clip_config(input) ? sub_config(input, "text_config") : input;
    CLIPTextConfig c;
    read_encoder_fields(json, c);
    c.vocab_size = json.get_int("vocab_size", c.vocab_size);
    c.max_position_embeddings = json.get_int("max_position_embeddings", c.max_position_embeddings);
    c.pad_token_id = json.get_int("pad_token_id", c.pad_token_id);
    c.bos_token_id = json.get_int("bos_token_id", c.bos_token_id);
    c.eos_token_id = json.get_int("eos_token_id", c.eos_token_id);
    check_positive(json, "vocab_size", c.vocab_size);
    check_positive(json, "max_position_embeddings", c.max_position_embeddings);
    return c;
}

CLIPTextConfig CLIPTextConfig::sd15() {
    // https://huggingface.co/runwayml/stable-diffusion-v1-5/blob/main/text_encoder/config.json
    CLIPTextConfig c;
    c.hidden_size = 768;
    c.intermediate_size = 3072;
    c.projection_dim = 768;
    c.num_attention_heads = 12;
    c.bos_token_id = 0;
    c.eos_token_id = 2;
    return c;
}

CLIPVisionConfig CLIPVisionConfig::from_json(const JsonConfig& input) {
    const JsonConfig json = is_full_clip_config(input) ? sub_config(input, "vision_config") : input;
    CLIPVisionConfig c;
    read_encoder_fields(json, c);
    c.num_channels = json.get_int("num_channels", c.num_channels);
    c.image_size = json.get_int("image_size", c.image_size);
    c.patch_size = json.get_int("patch_size", c.patch_size);
    check_positive(json, "num_channels", c.num_channels);
    check_positive(json, "image_size", c.image_size);
    check_positive(json, "patch_size", c.patch_size);
    if (c.image_size % c.patch_size != 0)
        fail("'" + json.source() + "': image_size " + std::to_string(c.image_size) + " is not a multiple of patch_size " +
             std::to_string(c.patch_size));
    return c;
}

CLIPConfig CLIPConfig::from_json(const JsonConfig& json) {
    if (!is_full_clip_config(json))
        fail("'" + json.source() + "' is not a CLIPConfig (expected model_type \"clip\" with text_config/vision_config)");
    CLIPConfig c;
    c.text = CLIPTextConfig::from_json(json);
    c.vision = CLIPVisionConfig::from_json(json);
    c.projection_dim = json.get_int("projection_dim", c.projection_dim);
    c.logit_scale_init_value = json.get_double("logit_scale_init_value", c.logit_scale_init_value);
    check_positive(json, "projection_dim", c.projection_dim);
    return c;
}

CLIPConfig CLIPConfig::load(const fs::path& config_json) { return from_json(JsonConfig::load(config_json)); }

CLIPConfig CLIPConfig::vit_base_patch32() {
    CLIPConfig c;
    c.text.bos_token_id = 0;
    c.text.eos_token_id = 2;
    return c;  // every other value is the 4.33.3 default
}

// ---------------------------------------------------------------------------------------------
// Blocks

CLIPAttentionImpl::CLIPAttentionImpl(int64_t hidden_size, int64_t heads)
    : num_heads(heads),
      head_dim(hidden_size / heads),
      scale(1.0 / std::sqrt(static_cast<double>(hidden_size / heads))),
      k_proj(register_module("k_proj", torch::nn::Linear(hidden_size, hidden_size))),
      v_proj(register_module("v_proj", torch::nn::Linear(hidden_size, hidden_size))),
      q_proj(register_module("q_proj", torch::nn::Linear(hidden_size, hidden_size))),
      out_proj(register_module("out_proj", torch::nn::Linear(hidden_size, hidden_size))) {}

// Ref: CLIPAttention.forward
at::Tensor CLIPAttentionImpl::forward(const at::Tensor& x, const at::Tensor& mask) {  // x: [N, T, D]
    const int64_t n = x.size(0), t = x.size(1), d = x.size(2);
    // [N, T, D] → [N, H, T, Dh] as views; the matmuls below read the strided layout directly.
    auto heads = [&](const at::Tensor& y) { return y.view({n, t, num_heads, head_dim}).transpose(1, 2); };
    const at::Tensor q = heads(q_proj(x).mul_(scale));
    const at::Tensor k = heads(k_proj(x));
    const at::Tensor v = heads(v_proj(x));
    at::Tensor scores = at::matmul(q, k.transpose(-1, -2));  // [N, H, T, T]
    if (mask.defined()) scores.add_(mask);
    const at::Tensor probs = at::softmax(scores, -1);
    const at::Tensor out = at::matmul(probs, v);  // [N, H, T, Dh]
    return out_proj(out.transpose(1, 2).reshape({n, t, d}));
}

CLIPMLPImpl::CLIPMLPImpl(int64_t hidden_size, int64_t intermediate_size, std::string act)
    : hidden_act(std::move(act)),
      fc1(register_module("fc1", torch::nn::Linear(hidden_size, intermediate_size))),
      fc2(register_module("fc2", torch::nn::Linear(intermediate_size, hidden_size))) {}

// Ref: CLIPMLP.forward, activations.QuickGELUActivation / GELUActivation
at::Tensor CLIPMLPImpl::forward(const at::Tensor& x) {  // [N, T, D] → [N, T, D]
    at::Tensor h = fc1(x);
    if (hidden_act == "quick_gelu") {
        h = h.mul_(at::sigmoid(h * 1.702));
    } else {
        h = at::gelu(h);
    }
    return fc2(h);
}

CLIPEncoderLayerImpl::CLIPEncoderLayerImpl(int64_t hidden_size, int64_t intermediate_size, int64_t heads,
                                           const std::string& act, double eps)
    : self_attn(register_module("self_attn", CLIPAttention(hidden_size, heads))),
      layer_norm1(register_module("layer_norm1",
                                  torch::nn::LayerNorm(torch::nn::LayerNormOptions({hidden_size}).eps(eps)))),
      mlp(register_module("mlp", CLIPMLP(hidden_size, intermediate_size, act))),
      layer_norm2(register_module("layer_norm2",
                                  torch::nn::LayerNorm(torch::nn::LayerNormOptions({hidden_size}).eps(eps)))) {}

// Ref: CLIPEncoderLayer.forward
at::Tensor CLIPEncoderLayerImpl::forward(const at::Tensor& x, const at::Tensor& mask) {  // [N, T, D]
    at::Tensor h = x + self_attn->forward(layer_norm1(x), mask);
    return h.add_(mlp->forward(layer_norm2(h)));
}

CLIPEncoderImpl::CLIPEncoderImpl(int64_t hidden_size, int64_t intermediate_size, int64_t heads, int64_t num_layers,
                                 const std::string& act, double eps)
    : layers(register_module("layers", torch::nn::ModuleList())) {
    for (int64_t i = 0; i < num_layers; ++i)
        layers->push_back(CLIPEncoderLayer(hidden_size, intermediate_size, heads, act, eps));
}

// Ref: CLIPEncoder.forward
at::Tensor CLIPEncoderImpl::forward(at::Tensor x, const at::Tensor& mask, std::vector<at::Tensor>* hidden_states) {
    for (const auto& layer : *layers) {
        if (hidden_states) hidden_states->push_back(x);
        x = layer->as<CLIPEncoderLayerImpl>()->forward(x, mask);
    }
    if (hidden_states) hidden_states->push_back(x);
    return x;
}

// ---------------------------------------------------------------------------------------------
// Text tower

CLIPTextEmbeddingsImpl::CLIPTextEmbeddingsImpl(const CLIPTextConfig& config)
    : token_embedding(register_module("token_embedding", torch::nn::Embedding(config.vocab_size, config.hidden_size))),
      position_embedding(register_module("position_embedding",
                                         torch::nn::Embedding(config.max_position_embeddings, config.hidden_size))) {}

// Ref: CLIPTextEmbeddings.forward (position_ids = arange(T))
at::Tensor CLIPTextEmbeddingsImpl::forward(const at::Tensor& input_ids) {  // [N, T] → [N, T, D]
    const int64_t t = input_ids.size(1);
    const at::Tensor positions = position_embedding->weight.narrow(0, 0, t);  // [T, D]
    return token_embedding(input_ids).add_(positions);
}

CLIPTextTransformerImpl::CLIPTextTransformerImpl(const CLIPTextConfig& cfg)
    : config(cfg),
      embeddings(register_module("embeddings", CLIPTextEmbeddings(cfg))),
      encoder(register_module("encoder", CLIPEncoder(cfg.hidden_size, cfg.intermediate_size, cfg.num_attention_heads,
                                                      cfg.num_hidden_layers, cfg.hidden_act, cfg.layer_norm_eps))),
      final_layer_norm(register_module(
          "final_layer_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({cfg.hidden_size}).eps(cfg.layer_norm_eps)))) {}

// Ref: CLIPTextTransformer.forward
CLIPTextOutput CLIPTextTransformerImpl::forward(const at::Tensor& input_ids, const at::Tensor& attention_mask,
                                                bool output_hidden_states) {
    if (input_ids.dim() != 2 || input_ids.size(1) < 1)
        fail("CLIP text model: input_ids must be [batch, tokens], got " + std::to_string(input_ids.dim()) + "-d");
    const int64_t n = input_ids.size(0), t = input_ids.size(1);
    if (t > config.max_position_embeddings)
        fail("CLIP text model: " + std::to_string(t) + " tokens exceed max_position_embeddings " +
             std::to_string(config.max_position_embeddings));
    const at::Tensor ids = input_ids.to(at::kLong);
    if (ids.numel() > 0 && (ids.min().item<int64_t>() < 0 || ids.max().item<int64_t>() >= config.vocab_size))
        fail("CLIP text model: token ids must be in [0, " + std::to_string(config.vocab_size) + ")");
    at::Tensor hidden = embeddings->forward(ids);  // [N, T, D]

    // Additive mask as HF builds it (finfo.min, summed): causal [T, T], plus padding [N, 1, 1, T].
    const auto options = hidden.options();
    // torch.finfo(dtype).min of the hidden states' dtype (bf16 / f16 runs included).
    const double lowest = options.dtype() == at::kBFloat16 ? static_cast<double>(std::numeric_limits<c10::BFloat16>::lowest())
                          : options.dtype() == at::kHalf   ? static_cast<double>(std::numeric_limits<c10::Half>::lowest())
                                                           : static_cast<double>(std::numeric_limits<float>::lowest());
    at::Tensor mask = at::full({t, t}, lowest, options).triu_(1);
    if (attention_mask.defined()) {
        if (attention_mask.sizes() != input_ids.sizes())
            fail("CLIP text model: attention_mask must have the shape of input_ids");
        const at::Tensor padding =
            at::zeros({n, 1, 1, t}, options).masked_fill_(attention_mask.view({n, 1, 1, t}).eq(0), lowest);
        mask = mask + padding;  // [N, 1, T, T]
    }

    CLIPTextOutput out;
    hidden = encoder->forward(hidden, mask, output_hidden_states ? &out.hidden_states : nullptr);
    out.last_hidden_state = final_layer_norm(hidden);  // [N, T, D]

    // Pooled output at the eos position: legacy configs (eos_token_id == 2) take argmax(ids), i.e.
    // the highest id (49407); newer configs the first position of eos_token_id.
    const at::Tensor eos_index = config.eos_token_id == 2 ? ids.argmax(-1) : ids.eq(config.eos_token_id).to(at::kInt).argmax(-1);
    out.pooler_output =
        out.last_hidden_state.index({at::arange(n, ids.options()), eos_index.to(hidden.device())});  // [N, D]
    return out;
}

// ---------------------------------------------------------------------------------------------
// Vision tower

CLIPVisionEmbeddingsImpl::CLIPVisionEmbeddingsImpl(const CLIPVisionConfig& cfg)
    : config(cfg),
      class_embedding(register_parameter("class_embedding", at::randn({cfg.hidden_size}))),
      patch_embedding(register_module(
          "patch_embedding", torch::nn::Conv2d(torch::nn::Conv2dOptions(cfg.num_channels, cfg.hidden_size, cfg.patch_size)
                                                   .stride(cfg.patch_size)
                                                   .bias(false)))),
      position_embedding(register_module(
          "position_embedding",
          torch::nn::Embedding((cfg.image_size / cfg.patch_size) * (cfg.image_size / cfg.patch_size) + 1, cfg.hidden_size))) {}

// Ref: CLIPVisionEmbeddings.forward
at::Tensor CLIPVisionEmbeddingsImpl::forward(const at::Tensor& pixel_values) {  // [N, C, S, S] → [N, 1 + P, D]
    const int64_t n = pixel_values.size(0), d = config.hidden_size;
    const at::Tensor patches = patch_embedding(pixel_values.to(patch_embedding->weight.scalar_type()))
                                   .flatten(2)
                                   .transpose(1, 2);  // [N, P, D]
    const at::Tensor cls = class_embedding.view({1, 1, d}).expand({n, 1, d});
    return at::cat({cls, patches}, 1).add_(position_embedding->weight);
}

CLIPVisionTransformerImpl::CLIPVisionTransformerImpl(const CLIPVisionConfig& cfg)
    : config(cfg),
      embeddings(register_module("embeddings", CLIPVisionEmbeddings(cfg))),
      pre_layrnorm(register_module(
          "pre_layrnorm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({cfg.hidden_size}).eps(cfg.layer_norm_eps)))),
      encoder(register_module("encoder", CLIPEncoder(cfg.hidden_size, cfg.intermediate_size, cfg.num_attention_heads,
                                                      cfg.num_hidden_layers, cfg.hidden_act, cfg.layer_norm_eps))),
      post_layernorm(register_module(
          "post_layernorm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({cfg.hidden_size}).eps(cfg.layer_norm_eps)))) {}

// Ref: CLIPVisionTransformer.forward
CLIPVisionOutput CLIPVisionTransformerImpl::forward(const at::Tensor& pixel_values, bool output_hidden_states) {
    if (pixel_values.dim() != 4 || pixel_values.size(1) != config.num_channels ||
        pixel_values.size(2) != config.image_size || pixel_values.size(3) != config.image_size)
        fail("CLIP vision model: pixel_values must be [batch, " + std::to_string(config.num_channels) + ", " +
             std::to_string(config.image_size) + ", " + std::to_string(config.image_size) + "], got " +
             c10::str(pixel_values.sizes()));
    at::Tensor hidden = pre_layrnorm(embeddings->forward(pixel_values));  // [N, 1 + P, D]
    CLIPVisionOutput out;
    out.last_hidden_state = encoder->forward(hidden, {}, output_hidden_states ? &out.hidden_states : nullptr);
    out.pooler_output = post_layernorm(out.last_hidden_state.select(1, 0));  // [N, D]
    return out;
}

// ---------------------------------------------------------------------------------------------
// Public models

CLIPTextModelImpl::CLIPTextModelImpl(const CLIPTextConfig& config)
    : text_model(register_module("text_model", CLIPTextTransformer(config))) {}

CLIPTextOutput CLIPTextModelImpl::forward(const at::Tensor& input_ids, const at::Tensor& attention_mask,
                                          bool output_hidden_states) {
    c10::InferenceMode guard;
    return text_model->forward(input_ids, attention_mask, output_hidden_states);
}

CLIPVisionModelImpl::CLIPVisionModelImpl(const CLIPVisionConfig& config)
    : vision_model(register_module("vision_model", CLIPVisionTransformer(config))) {}

CLIPVisionOutput CLIPVisionModelImpl::forward(const at::Tensor& pixel_values, bool output_hidden_states) {
    c10::InferenceMode guard;
    return vision_model->forward(pixel_values, output_hidden_states);
}

CLIPModelImpl::CLIPModelImpl(const CLIPConfig& cfg)
    : config(cfg),
      text_model(register_module("text_model", CLIPTextTransformer(cfg.text))),
      vision_model(register_module("vision_model", CLIPVisionTransformer(cfg.vision))),
      visual_projection(register_module(
          "visual_projection",
          torch::nn::Linear(torch::nn::LinearOptions(cfg.vision.hidden_size, cfg.projection_dim).bias(false)))),
      text_projection(register_module(
          "text_projection",
          torch::nn::Linear(torch::nn::LinearOptions(cfg.text.hidden_size, cfg.projection_dim).bias(false)))),
      logit_scale(register_parameter("logit_scale", at::scalar_tensor(cfg.logit_scale_init_value))) {}

// Ref: CLIPModel.get_text_features
at::Tensor CLIPModelImpl::get_text_features(const at::Tensor& input_ids, const at::Tensor& attention_mask) {
    c10::InferenceMode guard;
    return text_projection(text_model->forward(input_ids, attention_mask).pooler_output);  // [Nt, P]
}

// Ref: CLIPModel.get_image_features
at::Tensor CLIPModelImpl::get_image_features(const at::Tensor& pixel_values) {
    c10::InferenceMode guard;
    return visual_projection(vision_model->forward(pixel_values).pooler_output);  // [Ni, P]
}

// Ref: CLIPModel.forward (logits part)
at::Tensor CLIPModelImpl::logits(const at::Tensor& image_embeds, const at::Tensor& text_embeds) {
    c10::InferenceMode guard;
    // logits_per_text = text @ image^T * exp(scale); logits_per_image is its transpose.
    return at::matmul(text_embeds, image_embeds.t()).mul_(logit_scale.exp()).t();  // [Ni, Nt]
}

// Ref: CLIPModel.forward
CLIPOutput CLIPModelImpl::forward(const at::Tensor& input_ids, const at::Tensor& pixel_values,
                                  const at::Tensor& attention_mask) {
    c10::InferenceMode guard;
    CLIPOutput out;
    out.vision = vision_model->forward(pixel_values);
    out.text = text_model->forward(input_ids, attention_mask);
    const at::Tensor image_features = visual_projection(out.vision.pooler_output);
    const at::Tensor text_features = text_projection(out.text.pooler_output);
    out.image_embeds = image_features / image_features.norm(2, -1, true);
    out.text_embeds = text_features / text_features.norm(2, -1, true);
    out.logits_per_text = at::matmul(out.text_embeds, out.image_embeds.t()).mul_(logit_scale.exp());
    out.logits_per_image = out.logits_per_text.t();
    return out;
}

// ---------------------------------------------------------------------------------------------
// Loading

namespace {

template <typename Module>
void load_into(Module& module, const fs::path& dir, std::vector<std::string> ignore, const std::string& what) {
    const fs::path weights = find_weight_file(dir);
    const TensorMap tensors = load_weights(weights, at::kFloat);
    LoadOptions options;
    ignore.push_back("*.position_ids");  // persistent buffers in older checkpoints
    options.ignore = std::move(ignore);
    options.what = what + " weights " + weights.string();
    load_state_dict(*module, tensors, options);
    module->eval();
}

}  // namespace

CLIPModel load_clip_model(const fs::path& dir) {
    try {
        const CLIPConfig config = CLIPConfig::load(dir / "config.json");
        CLIPModel model(config);
        load_into(model, dir, {}, "CLIP");
        return model;
    } catch (const Error& e) {
        throw e.with_context("loading CLIP model from " + dir.string());
    }
}

namespace {

// A single tower from a folder with its own config (CLIPTextConfig / CLIPVisionConfig) or a full
// CLIPConfig, whose checkpoint also holds the other tower and the projections (ignored then).
template <typename Model, typename Config>
Model load_tower(const fs::path& dir, const char* other_tower, const std::string& what) {
    try {
        const JsonConfig json = JsonConfig::load(dir / "config.json");
        Model model(Config::from_json(json));
        std::vector<std::string> ignore;
        if (is_full_clip_config(json))
            ignore = {std::string(other_tower) + ".*", "visual_projection.*", "text_projection.*", "logit_scale"};
        load_into(model, dir, ignore, what);
        return model;
    } catch (const Error& e) {
        throw e.with_context("loading " + what + " model from " + dir.string());
    }
}

}  // namespace

CLIPTextModel load_clip_text_model(const fs::path& dir) {
    return load_tower<CLIPTextModel, CLIPTextConfig>(dir, "vision_model", "CLIP text");
}

CLIPVisionModel load_clip_vision_model(const fs::path& dir) {
    return load_tower<CLIPVisionModel, CLIPVisionConfig>(dir, "text_model", "CLIP vision");
}

}  // namespace pictor
