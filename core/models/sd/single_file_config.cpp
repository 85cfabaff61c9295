#include "core/models/sd/single_file_config.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

#include "core/util/error.h"

namespace pictor {

namespace fs = std::filesystem;

namespace {

constexpr const char* kUnet = "model.diffusion_model.";
constexpr const char* kCrossAttnKey = "model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight";
constexpr const char* kConvInKey = "model.diffusion_model.input_blocks.0.0.weight";
constexpr const char* kClipTokens = "cond_stage_model.transformer.text_model.embeddings.token_embedding.weight";
constexpr const char* kOpenClipTokens = "cond_stage_model.model.token_embedding.weight";

const std::vector<int64_t>* shape_of(const TensorShapes& shapes, const std::string& key) {
    const auto it = shapes.find(key);
    return it == shapes.end() ? nullptr : &it->second;
}

std::string join(const std::vector<int64_t>& v) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
    return s + "]";
}

// The number of distinct <n> in `prefix<n>.` among the keys.
int64_t count_indexed(const TensorShapes& shapes, const std::string& prefix) {
    std::set<int64_t> seen;
    for (auto it = shapes.lower_bound(prefix); it != shapes.end() && it->first.rfind(prefix, 0) == 0; ++it) {
        const std::string rest = it->first.substr(prefix.size());
        const auto dot = rest.find('.');
        try {
            seen.insert(std::stoll(rest.substr(0, dot)));
        } catch (const std::exception&) {
        }
    }
    return int64_t(seen.size());
}

template <typename T>
T need(const std::optional<T>& v, const char* key, const LdmYaml& y) {
    if (!v) fail("'" + y.source + "' has no '" + key + "'");
    return *v;
}

// Sizes a network can have. Unchecked, a yaml's `ch_mult: []` made `size << (levels - 1)` shift by
// 2^64 - 1 and `model_channels: 9223372036854775807` overflowed `mc * m`, both undefined
// behaviour (found by fuzz/fuzz_ldm_yaml).
int64_t checked_size(int64_t n, const char* key, const LdmYaml& y, int64_t lo, int64_t hi) {
    if (n < lo || n > hi)
        fail("'" + y.source + "': '" + key + "' must be in " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " +
             std::to_string(n));
    return n;
}
int64_t need_size(const std::optional<int64_t>& v, const char* key, const LdmYaml& y, int64_t hi) {
    return checked_size(need(v, key, y), key, y, 1, hi);
}
int64_t size_or(const std::optional<int64_t>& v, int64_t fallback, const char* key, const LdmYaml& y, int64_t hi) {
    return v ? checked_size(*v, key, y, 1, hi) : fallback;
}
// A per-level list (channel multipliers, transformer depths): 1..16 levels, entries in lo..hi.
std::vector<int64_t> checked_levels(std::vector<int64_t> list, const char* key, const LdmYaml& y, int64_t lo, int64_t hi) {
    if (list.empty() || list.size() > 16)
        fail("'" + y.source + "': '" + key + "' must list 1..16 levels, got " + std::to_string(list.size()));
    for (int64_t m : list) checked_size(m, key, y, lo, hi);
    return list;
}
constexpr int64_t kMaxChannels = 1 << 16, kMaxMult = 64, kMaxBlocks = 64, kMaxLatent = 4096;

}  // namespace

std::string SingleFileArchitecture::describe() const {
    const int64_t px = unet.sample_size << (vae.block_out_channels.size() - 1);
    return family + (inpainting ? " inpainting" : "") + " (" + prediction_type + ", " + std::to_string(px) + "x" +
           std::to_string(px) + "), config: " + config_source;
}

bool is_ldm_checkpoint(const TensorShapes& shapes) {
    const auto it = shapes.lower_bound(kUnet);
    return it != shapes.end() && it->first.rfind(kUnet, 0) == 0;
}

std::optional<fs::path> sidecar_yaml(const fs::path& file) {
    fs::path yaml = file;
    yaml.replace_extension(".yaml");
    std::error_code ec;
    if (yaml != file && fs::is_regular_file(yaml, ec)) return yaml;
    return std::nullopt;
}

// Ref: create_unet_diffusers_config (0.21.4).
UNet2DConditionConfig unet_config_from_ldm(const LdmYaml& y, std::vector<std::string>& notes) {
    UNet2DConditionConfig c;
    const int64_t mc = need_size(y.model_channels, "model_channels", y, kMaxChannels);
    const std::vector<int64_t> mult = checked_levels(need(y.channel_mult, "channel_mult", y), "channel_mult", y, 1, kMaxMult);
    const std::vector<int64_t> attn = y.attention_resolutions.value_or(std::vector<int64_t>{});
    const auto has_attn = [&](int64_t r) { return std::find(attn.begin(), attn.end(), r) != attn.end(); };
    const size_t levels = mult.size();
    c.block_out_channels.clear();
    c.down_block_types.clear();
    c.up_block_types.clear();
    for (int64_t m : mult) c.block_out_channels.push_back(mc * m);
    int64_t resolution = 1;
    for (size_t i = 0; i < levels; ++i) {
        c.down_block_types.push_back(has_attn(resolution) ? "CrossAttnDownBlock2D" : "DownBlock2D");
        if (i + 1 != levels) resolution *= 2;
    }
    for (size_t i = 0; i < levels; ++i) {
        c.up_block_types.push_back(has_attn(resolution) ? "CrossAttnUpBlock2D" : "UpBlock2D");
        resolution /= 2;
    }
    c.in_channels = size_or(y.in_channels, 4, "in_channels", y, kMaxMult);
    c.out_channels = size_or(y.out_channels, 4, "out_channels", y, kMaxMult);
    c.layers_per_block.assign(levels, need_size(y.num_res_blocks, "num_res_blocks", y, kMaxBlocks));
    c.cross_attention_dim.assign(levels, need_size(y.context_dim, "context_dim", y, kMaxChannels));
    const std::vector<int64_t> depth =
        checked_levels(y.transformer_depth.value_or(std::vector<int64_t>{1}), "transformer_depth", y, 0, kMaxBlocks);
    c.transformer_layers_per_block = depth.size() == 1 ? std::vector<int64_t>(levels, depth[0]) : depth;
    c.use_linear_projection = y.use_linear_in_transformer.value_or(false);
    // diffusers' attention_head_dim is the head count here (its historical naming): num_heads is
    // constant; with only num_head_channels the count follows the width.
    if (y.num_heads) {
        c.num_attention_heads.assign(levels, size_or(y.num_heads, 8, "num_heads", y, kMaxChannels));
    } else if (y.num_head_channels) {
        (void)size_or(y.num_head_channels, 64, "num_head_channels", y, kMaxChannels);  // checked only
        c.num_attention_heads.clear();
        for (int64_t m : mult) c.num_attention_heads.push_back(mc / *y.num_head_channels * m);
    } else {
        c.num_attention_heads.assign(levels, 8);
        notes.push_back("UNet attention heads: the yaml has neither num_heads nor num_head_channels, 8 taken (diffusers' default)");
    }
    c.only_cross_attention.assign(levels, false);
    const int64_t latent = size_or(y.image_size, 64, "image_size", y, kMaxLatent);
    if (!y.image_size) notes.push_back("UNet sample size: the yaml has no image_size, 64 latents (512 px) taken");
    c.sample_size = latent;
    c.norm_num_groups = 32;
    notes.push_back("UNet norm_num_groups: an LDM yaml has no group count, 32 taken (the original code's GroupNorm(32, C))");
    c.upcast_attention = false;
    return c;
}

// Ref: create_vae_diffusers_config (0.21.4).
AutoencoderKLConfig vae_config_from_ldm(const LdmYaml& y, std::vector<std::string>& notes) {
    AutoencoderKLConfig c;
    const int64_t ch = need_size(y.vae_ch, "first_stage_config ddconfig ch", y, kMaxChannels);
    const std::vector<int64_t> mult = checked_levels(need(y.vae_ch_mult, "first_stage_config ddconfig ch_mult", y),
                                                     "first_stage_config ddconfig ch_mult", y, 1, kMaxMult);
    c.block_out_channels.clear();
    for (int64_t m : mult) c.block_out_channels.push_back(ch * m);
    c.down_block_types.assign(mult.size(), "DownEncoderBlock2D");
    c.up_block_types.assign(mult.size(), "UpDecoderBlock2D");
    c.in_channels = size_or(y.vae_in_channels, 3, "first_stage_config ddconfig in_channels", y, kMaxMult);
    c.out_channels = size_or(y.vae_out_ch, 3, "first_stage_config ddconfig out_ch", y, kMaxMult);
    c.latent_channels = size_or(y.vae_z_channels, 4, "first_stage_config ddconfig z_channels", y, kMaxMult);
    c.layers_per_block = size_or(y.vae_num_res_blocks, 2, "first_stage_config ddconfig num_res_blocks", y, kMaxBlocks);
    // diffusers passes its image_size argument; the yaml's latent size × the VAE factor is that size.
    c.sample_size = size_or(y.image_size, 64, "image_size", y, kMaxLatent) << (mult.size() - 1);
    if (y.scale_factor) c.scaling_factor = *y.scale_factor;
    c.norm_num_groups = 32;
    notes.push_back("VAE norm_num_groups: an LDM yaml has no group count, 32 taken (the original code's GroupNorm(32, C))");
    return c;
}

// Ref: download_from_original_stable_diffusion_ckpt, scheduler_type "pndm": a DDIM config from the
// yaml's betas, then PNDMScheduler.from_config with skip_prk_steps.
JsonConfig scheduler_config_from_ldm(const LdmYaml& y) {
    nlohmann::json j{{"_class_name", "PNDMScheduler"},
                     {"num_train_timesteps", y.timesteps.value_or(1000)},
                     {"beta_start", y.linear_start.value_or(0.00085)},
                     {"beta_end", y.linear_end.value_or(0.012)},
                     {"beta_schedule", "scaled_linear"},
                     {"skip_prk_steps", true},
                     {"set_alpha_to_one", false},
                     {"prediction_type", y.parameterization.value_or("eps") == "v" ? "v_prediction" : "epsilon"},
                     {"timestep_spacing", "leading"},
                     {"steps_offset", 1},
                     {"clip_sample", false}};
    return JsonConfig::parse(j.dump(), y.source.empty() ? "scheduler derived from the LDM config" : y.source);
}

LdmYaml builtin_ldm_yaml(bool sd2, bool inpainting) {
    // Ref: stablediffusion configs v1-inference.yaml / v2-inference-v.yaml, v1-inpainting-inference.yaml.
    LdmYaml y;
    y.source = sd2 ? "built-in v2-inference-v.yaml" : (inpainting ? "built-in v1-inpainting-inference.yaml" : "built-in v1-inference.yaml");
    y.linear_start = 0.00085;
    y.linear_end = 0.012;
    y.timesteps = 1000;
    y.scale_factor = 0.18215;
    y.image_size = sd2 ? 96 : 64;
    if (sd2) y.parameterization = "v";
    y.has_unet_config = true;
    y.in_channels = inpainting ? 9 : 4;
    y.out_channels = 4;
    y.model_channels = 320;
    y.attention_resolutions = std::vector<int64_t>{4, 2, 1};
    y.num_res_blocks = 2;
    y.channel_mult = std::vector<int64_t>{1, 2, 4, 4};
    y.transformer_depth = std::vector<int64_t>{1};
    y.context_dim = sd2 ? 1024 : 768;
    if (sd2) {
        y.num_head_channels = 64;
        y.use_linear_in_transformer = true;
    } else {
        y.num_heads = 8;
    }
    y.vae_ch = 128;
    y.vae_ch_mult = std::vector<int64_t>{1, 2, 4, 4};
    y.vae_z_channels = 4;
    y.vae_num_res_blocks = 2;
    y.vae_in_channels = 3;
    y.vae_out_ch = 3;
    y.vae_resolution = 256;
    y.cond_stage_target = sd2 ? "ldm.modules.encoders.modules.FrozenOpenCLIPEmbedder"
                              : "ldm.modules.encoders.modules.FrozenCLIPEmbedder";
    return y;
}

// Ref: convert_ldm_clip_checkpoint / convert_open_clip_checkpoint, whose configs are those of
// openai/clip-vit-large-patch14 and stabilityai/stable-diffusion-2's text_encoder; here read from
// the shapes so that any width works.
CLIPTextConfig text_config_from_weights(const TensorShapes& shapes, bool open_clip, std::vector<std::string>& notes) {
    CLIPTextConfig c = CLIPTextConfig::sd15();
    const std::string tokens = open_clip ? kOpenClipTokens : kClipTokens;
    const auto* t = shape_of(shapes, tokens);
    if (!t || t->size() != 2) fail("no text encoder in the checkpoint ('" + tokens + "' is missing or not 2-D)");
    c.vocab_size = (*t)[0];
    c.hidden_size = (*t)[1];
    if (open_clip) {
        // SD 2.x uses the penultimate layer: diffusers' text encoder has one layer fewer than the file.
        c.num_hidden_layers = count_indexed(shapes, "cond_stage_model.model.transformer.resblocks.") - 1;
        const auto* fc = shape_of(shapes, "cond_stage_model.model.transformer.resblocks.0.mlp.c_fc.weight");
        const auto* pos = shape_of(shapes, "cond_stage_model.model.positional_embedding");
        if (!fc || !pos) fail("the OpenCLIP text encoder has no 'transformer.resblocks.0.mlp.c_fc.weight' or 'positional_embedding'");
        c.intermediate_size = (*fc)[0];
        c.max_position_embeddings = (*pos)[0];
        c.hidden_act = "gelu";
        c.projection_dim = 512;
    } else {
        c.num_hidden_layers = count_indexed(shapes, "cond_stage_model.transformer.text_model.encoder.layers.");
        const auto* fc = shape_of(shapes, "cond_stage_model.transformer.text_model.encoder.layers.0.mlp.fc1.weight");
        const auto* pos = shape_of(shapes, "cond_stage_model.transformer.text_model.embeddings.position_embedding.weight");
        if (!fc || !pos) fail("the CLIP text encoder has no 'encoder.layers.0.mlp.fc1.weight' or 'position_embedding.weight'");
        c.intermediate_size = (*fc)[0];
        c.max_position_embeddings = (*pos)[0];
        c.projection_dim = c.hidden_size;
    }
    // The weights do not show the head count; CLIP and OpenCLIP text towers use 64-wide heads.
    // Not a multiple of 64: unknown (0), which load_stable_diffusion_file refuses with this note.
    if (c.hidden_size % 64 != 0) {
        c.num_attention_heads = 0;
        notes.push_back("text encoder: the head count cannot be derived (width " + std::to_string(c.hidden_size) +
                        " is not a multiple of CLIP's 64-wide heads); pass --config with a diffusers folder holding "
                        "text_encoder/config.json");
        return c;
    }
    c.num_attention_heads = c.hidden_size / 64;
    notes.push_back("text encoder: " + std::string(open_clip ? "OpenCLIP" : "CLIP") + " with " +
                    std::to_string(c.num_hidden_layers) + " layers of width " + std::to_string(c.hidden_size) +
                    " read from the weights, " + std::to_string(c.num_attention_heads) + " heads (64 wide) taken");
    return c;
}

SingleFileArchitecture single_file_architecture(const fs::path& file, const TensorShapes& shapes,
                                                const SingleFileOptions& options) {
    try {
        if (!is_ldm_checkpoint(shapes))
            fail("not an original-layout Stable Diffusion checkpoint (no 'model.diffusion_model.*' tensors)");
        SingleFileArchitecture a;
        a.open_clip = shapes.count(kOpenClipTokens) > 0;
        const auto* cross = shape_of(shapes, kCrossAttnKey);
        const auto* conv_in = shape_of(shapes, kConvInKey);
        if (!conv_in || conv_in->size() != 4) fail("'" + std::string(kConvInKey) + "' is missing or not 4-D");
        a.inpainting = (*conv_in)[1] == 9;

        std::optional<LdmYaml> yaml;
        std::optional<fs::path> dir;
        if (!options.config.empty()) {
            std::error_code ec;
            if (fs::is_directory(options.config, ec)) {
                dir = options.config;
                a.config_source = "--config " + options.config.string();
            } else {
                yaml = load_ldm_yaml(options.config);
                a.config_source = "--config " + options.config.string();
            }
        } else if (const auto side = sidecar_yaml(file)) {
            yaml = load_ldm_yaml(*side);
            a.config_source = "sidecar " + side->string();
        } else {
            if (!cross || cross->size() != 2)
                fail("cannot detect the architecture: '" + std::string(kCrossAttnKey) +
                     "' is missing; pass --config (an LDM yaml or a diffusers folder)");
            const int64_t width = (*cross)[1];
            if (width != 768 && width != 1024)
                fail("cannot detect the architecture: cross-attention width " + std::to_string(width) +
                     " is neither SD 1.x's 768 nor SD 2.x's 1024; pass --config (an LDM yaml or a diffusers folder)");
            yaml = builtin_ldm_yaml(width == 1024, a.inpainting);
            a.config_source = "detected from the weights (" + yaml->source + ")";
            a.notes.push_back(std::string(width == 1024 ? "SD 2.x" : "SD 1.x") + " detected from the " +
                              std::to_string(width) + "-wide cross-attention" + (a.inpainting ? ", inpainting from conv_in's 9 channels" : "") +
                              "; no yaml: the " + yaml->source.substr(9) + " settings taken" +
                              (width == 1024 ? " (v-prediction at 768 px; a 2.x base model needs --config)" : ""));
        }

        if (dir) {
            a.unet = UNet2DConditionConfig::from_json(JsonConfig::load(*dir / "unet" / "config.json"));
            a.vae = AutoencoderKLConfig::from_json(JsonConfig::load(*dir / "vae" / "config.json"));
            const fs::path text = *dir / "text_encoder" / "config.json";
            a.text = fs::exists(text) ? CLIPTextConfig::from_json(JsonConfig::load(text))
                                      : text_config_from_weights(shapes, a.open_clip, a.notes);
            const fs::path sched = *dir / "scheduler" / "scheduler_config.json";
            a.scheduler = fs::exists(sched) ? JsonConfig::load(sched) : scheduler_config_from_ldm(LdmYaml{});
            if (!fs::exists(sched)) a.notes.push_back("scheduler: no scheduler/ in the config folder, PNDM with SD's betas taken");
            if (fs::exists(*dir / "tokenizer" / "vocab.json")) a.tokenizer_dir = *dir / "tokenizer";
        } else {
            a.unet = unet_config_from_ldm(*yaml, a.notes);
            a.vae = vae_config_from_ldm(*yaml, a.notes);
            a.text = text_config_from_weights(shapes, a.open_clip, a.notes);
            a.scheduler = scheduler_config_from_ldm(*yaml);
            if (!yaml->parameterization && a.open_clip)
                a.notes.push_back("prediction type: the yaml does not state parameterization, epsilon taken");
        }
        a.unet.validate();
        a.vae.validate();
        a.prediction_type = a.scheduler.get_string("prediction_type", "epsilon");
        const int64_t context = a.unet.cross_attention_dim.empty() ? 0 : a.unet.cross_attention_dim[0];
        a.family = context == 768 ? "SD 1.x" : context == 1024 ? "SD 2.x" : "custom";
        a.layout.unet_layers_per_block = a.unet.layers_per_block.at(0);
        a.layout.vae_levels = int64_t(a.vae.block_out_channels.size());
        if (cross && cross->size() == 2 && (*cross)[1] != context)
            fail("the config says cross-attention width " + std::to_string(context) + " but the weights have " +
                 std::to_string((*cross)[1]) + " ('" + kCrossAttnKey + "' is " + join(*cross) + ")");
        return a;
    } catch (const Error& e) {
        throw e.with_context("'" + file.string() + "'");
    }
}

}  // namespace pictor
