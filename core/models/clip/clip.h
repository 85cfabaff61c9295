// CLIP text and vision transformers and CLIPModel, with Hugging Face transformers parameter names.
//
// Ref: transformers v4.33.3 src/transformers/models/clip/{configuration_clip.py, modeling_clip.py}
// https://github.com/huggingface/transformers/blob/v4.33.3/src/transformers/models/clip/modeling_clip.py
//
// `named_parameters()` of each module equals the reference `state_dict()` keys (the reference's
// `position_ids` buffers are non-persistent in 4.33.3 and are not registered here; checkpoints that
// carry them load fine because loading ignores `*.position_ids`).
//
// Failure contract: config parsing and loading throw pictor::Error naming the file and the field or
// tensor (missing/unexpected/wrong-shape tensors are reported together). forward() throws
// pictor::Error for inputs of the wrong rank/size (e.g. more tokens than max_position_embeddings).
// Thread-safety: forward() does not modify the model; concurrent forward() calls on one model are
// safe. Loading and moving between devices/dtypes must not overlap with use. The public models'
// forward()/get_*_features() run under c10::InferenceMode (their outputs carry no autograd).
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace pictor {

class JsonConfig;

// Ref: configuration_clip.py CLIPTextConfig (defaults of 4.33.3).
struct CLIPTextConfig {
    int64_t vocab_size = 49408;
    int64_t hidden_size = 512;
    int64_t intermediate_size = 2048;
    int64_t projection_dim = 512;
    int64_t num_hidden_layers = 12;
    int64_t num_attention_heads = 8;
    int64_t max_position_embeddings = 77;
    std::string hidden_act = "quick_gelu";  // "quick_gelu" or "gelu"
    double layer_norm_eps = 1e-5;
    int64_t pad_token_id = 1;
    int64_t bos_token_id = 49406;
    int64_t eos_token_id = 49407;

    // From a CLIPTextConfig object, or the `text_config` of a CLIPConfig (model_type "clip").
    static CLIPTextConfig from_json(const JsonConfig& json);
    // SD 1.x text encoder = openai/clip-vit-large-patch14's text tower.
    static CLIPTextConfig sd15();
};

// Ref: configuration_clip.py CLIPVisionConfig (defaults of 4.33.3).
struct CLIPVisionConfig {
    int64_t hidden_size = 768;
    int64_t intermediate_size = 3072;
    int64_t projection_dim = 512;
    int64_t num_hidden_layers = 12;
    int64_t num_attention_heads = 12;
    int64_t num_channels = 3;
    int64_t image_size = 224;
    int64_t patch_size = 32;
    std::string hidden_act = "quick_gelu";
    double layer_norm_eps = 1e-5;

    // From a CLIPVisionConfig object, or the `vision_config` of a CLIPConfig.
    static CLIPVisionConfig from_json(const JsonConfig& json);
};

// Ref: configuration_clip.py CLIPConfig.
struct CLIPConfig {
    CLIPTextConfig text;
    CLIPVisionConfig vision;
    int64_t projection_dim = 512;
    double logit_scale_init_value = 2.6592;  // the checkpoint's `logit_scale` tensor wins when loading

    static CLIPConfig from_json(const JsonConfig& json);
    static CLIPConfig load(const std::filesystem::path& config_json);
    // openai/clip-vit-base-patch32 (https://huggingface.co/openai/clip-vit-base-patch32/blob/main/config.json).
    static CLIPConfig vit_base_patch32();
};

struct CLIPTextOutput {
    at::Tensor last_hidden_state;           // [N, T, D] after final_layer_norm
    at::Tensor pooler_output;               // [N, D] hidden state at the eos position
    std::vector<at::Tensor> hidden_states;  // embeddings + each layer's output (only when asked)
};

struct CLIPVisionOutput {
    at::Tensor last_hidden_state;  // [N, 1 + P, D] encoder output (before post_layernorm)
    at::Tensor pooler_output;      // [N, D] post_layernorm(class token)
    std::vector<at::Tensor> hidden_states;
};

// ---------------------------------------------------------------------------------------------
// Building blocks (HF names: self_attn.{q,k,v,out}_proj, mlp.fc1/fc2, layer_norm1/2).

// Ref: modeling_clip.py CLIPAttention
struct CLIPAttentionImpl : torch::nn::Module {
    CLIPAttentionImpl(int64_t hidden_size, int64_t num_heads);
    // x: [N, T, D], additive mask broadcastable to [N, H, T, T] (undefined = none) → [N, T, D]
    at::Tensor forward(const at::Tensor& x, const at::Tensor& mask);
    int64_t num_heads, head_dim;
    double scale;
    torch::nn::Linear k_proj{nullptr}, v_proj{nullptr}, q_proj{nullptr}, out_proj{nullptr};
};
TORCH_MODULE(CLIPAttention);

// Ref: modeling_clip.py CLIPMLP
struct CLIPMLPImpl : torch::nn::Module {
    CLIPMLPImpl(int64_t hidden_size, int64_t intermediate_size, std::string hidden_act);
    at::Tensor forward(const at::Tensor& x);  // [N, T, D] → [N, T, D]
    std::string hidden_act;
    torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(CLIPMLP);

// Ref: modeling_clip.py CLIPEncoderLayer (pre-norm residual blocks)
struct CLIPEncoderLayerImpl : torch::nn::Module {
    CLIPEncoderLayerImpl(int64_t hidden_size, int64_t intermediate_size, int64_t num_heads,
                         const std::string& hidden_act, double eps);
    at::Tensor forward(const at::Tensor& x, const at::Tensor& mask);  // [N, T, D] → [N, T, D]
    CLIPAttention self_attn{nullptr};
    torch::nn::LayerNorm layer_norm1{nullptr};
    CLIPMLP mlp{nullptr};
    torch::nn::LayerNorm layer_norm2{nullptr};
};
TORCH_MODULE(CLIPEncoderLayer);

// Ref: modeling_clip.py CLIPEncoder
struct CLIPEncoderImpl : torch::nn::Module {
    CLIPEncoderImpl(int64_t hidden_size, int64_t intermediate_size, int64_t num_heads, int64_t num_layers,
                    const std::string& hidden_act, double eps);
    // x: [N, T, D] → [N, T, D]; appends the input and each layer's output to `hidden_states` if given.
    at::Tensor forward(at::Tensor x, const at::Tensor& mask, std::vector<at::Tensor>* hidden_states);
    torch::nn::ModuleList layers{nullptr};
};
TORCH_MODULE(CLIPEncoder);

// Ref: modeling_clip.py CLIPTextEmbeddings
struct CLIPTextEmbeddingsImpl : torch::nn::Module {
    explicit CLIPTextEmbeddingsImpl(const CLIPTextConfig& config);
    at::Tensor forward(const at::Tensor& input_ids);  // [N, T] int64 → [N, T, D]
    torch::nn::Embedding token_embedding{nullptr}, position_embedding{nullptr};
};
TORCH_MODULE(CLIPTextEmbeddings);

// Ref: modeling_clip.py CLIPTextTransformer
struct CLIPTextTransformerImpl : torch::nn::Module {
    explicit CLIPTextTransformerImpl(const CLIPTextConfig& config);
    // input_ids: [N, T] int64; attention_mask: [N, T] 1/0 or undefined (none, as the SD pipeline calls it).
    CLIPTextOutput forward(const at::Tensor& input_ids, const at::Tensor& attention_mask = {},
                           bool output_hidden_states = false);
    CLIPTextConfig config;
    CLIPTextEmbeddings embeddings{nullptr};
    CLIPEncoder encoder{nullptr};
    torch::nn::LayerNorm final_layer_norm{nullptr};
};
TORCH_MODULE(CLIPTextTransformer);

// Ref: modeling_clip.py CLIPVisionEmbeddings
struct CLIPVisionEmbeddingsImpl : torch::nn::Module {
    explicit CLIPVisionEmbeddingsImpl(const CLIPVisionConfig& config);
    at::Tensor forward(const at::Tensor& pixel_values);  // [N, C, S, S] → [N, 1 + (S/p)^2, D]
    CLIPVisionConfig config;
    at::Tensor class_embedding;  // [D]
    torch::nn::Conv2d patch_embedding{nullptr};
    torch::nn::Embedding position_embedding{nullptr};
};
TORCH_MODULE(CLIPVisionEmbeddings);

// Ref: modeling_clip.py CLIPVisionTransformer
struct CLIPVisionTransformerImpl : torch::nn::Module {
    explicit CLIPVisionTransformerImpl(const CLIPVisionConfig& config);
    CLIPVisionOutput forward(const at::Tensor& pixel_values, bool output_hidden_states = false);
    CLIPVisionConfig config;
    CLIPVisionEmbeddings embeddings{nullptr};
    torch::nn::LayerNorm pre_layrnorm{nullptr};  // sic: the reference's spelling
    CLIPEncoder encoder{nullptr};
    torch::nn::LayerNorm post_layernorm{nullptr};
};
TORCH_MODULE(CLIPVisionTransformer);

// ---------------------------------------------------------------------------------------------
// Public models.

// Ref: modeling_clip.py CLIPTextModel — parameters under `text_model.` (SD's text_encoder/).
struct CLIPTextModelImpl : torch::nn::Module {
    explicit CLIPTextModelImpl(const CLIPTextConfig& config);
    CLIPTextOutput forward(const at::Tensor& input_ids, const at::Tensor& attention_mask = {},
                           bool output_hidden_states = false);
    CLIPTextTransformer text_model{nullptr};
};
TORCH_MODULE(CLIPTextModel);

// Ref: modeling_clip.py CLIPVisionModel — parameters under `vision_model.`.
struct CLIPVisionModelImpl : torch::nn::Module {
    explicit CLIPVisionModelImpl(const CLIPVisionConfig& config);
    CLIPVisionOutput forward(const at::Tensor& pixel_values, bool output_hidden_states = false);
    CLIPVisionTransformer vision_model{nullptr};
};
TORCH_MODULE(CLIPVisionModel);

struct CLIPOutput {
    at::Tensor logits_per_image;  // [Ni, Nt] = exp(logit_scale) * image_embeds @ text_embeds^T
    at::Tensor logits_per_text;   // [Nt, Ni]
    at::Tensor text_embeds;       // [Nt, P] L2-normalised
    at::Tensor image_embeds;      // [Ni, P] L2-normalised
    CLIPTextOutput text;
    CLIPVisionOutput vision;
};

// Ref: modeling_clip.py CLIPModel
struct CLIPModelImpl : torch::nn::Module {
    explicit CLIPModelImpl(const CLIPConfig& config);
    // text_projection(pooled) → [Nt, P] (unnormalised, HF get_text_features)
    at::Tensor get_text_features(const at::Tensor& input_ids, const at::Tensor& attention_mask = {});
    // visual_projection(pooled) → [Ni, P] (unnormalised, HF get_image_features)
    at::Tensor get_image_features(const at::Tensor& pixel_values);
    // L2-normalised embeds → scaled cosine similarities. text_embeds: [Nt, P], image_embeds: [Ni, P] → [Ni, Nt]
    at::Tensor logits(const at::Tensor& image_embeds, const at::Tensor& text_embeds);
    CLIPOutput forward(const at::Tensor& input_ids, const at::Tensor& pixel_values,
                       const at::Tensor& attention_mask = {});

    CLIPConfig config;
    CLIPTextTransformer text_model{nullptr};
    CLIPVisionTransformer vision_model{nullptr};
    torch::nn::Linear visual_projection{nullptr}, text_projection{nullptr};
    at::Tensor logit_scale;  // 0-d
};
TORCH_MODULE(CLIPModel);

// ---------------------------------------------------------------------------------------------
// Loading from a model folder (config.json + model.safetensors or pytorch_model.bin, found with
// core/io/model_ref.h find_weight_file).

// A CLIPModel from a folder (openai/clip-vit-base-patch32 layout), weights converted to float32,
// in eval mode. Throws pictor::Error with context "loading CLIP model from <dir>".
CLIPModel load_clip_model(const std::filesystem::path& dir);

// A CLIPTextModel from a folder whose config.json is a CLIPTextConfig (SD's text_encoder/) or a full
// CLIPConfig (then only the text tower of the checkpoint is used). float32, eval mode.
CLIPTextModel load_clip_text_model(const std::filesystem::path& dir);

// A CLIPVisionModel from a folder with a CLIPVisionConfig or a full CLIPConfig. float32, eval mode.
CLIPVisionModel load_clip_vision_model(const std::filesystem::path& dir);

}  // namespace pictor
