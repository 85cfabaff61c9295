#include "core/io/ldm_key_map.h"

#include <charconv>
#include <utility>
#include <vector>

namespace pictor {

namespace {

constexpr std::string_view kUnetPrefix = "model.diffusion_model.";
constexpr std::string_view kVaePrefix = "first_stage_model.";
constexpr std::string_view kClipPrefix = "cond_stage_model.transformer.";
constexpr std::string_view kOpenClipPrefix = "cond_stage_model.model.";

using Rule = std::pair<std::string_view, std::string_view>;

// Ref: renew_resnet_paths (UNet ResBlock → ResnetBlock2D parameter names).
constexpr Rule kUnetResnet[] = {{"in_layers.0.", "norm1."},          {"in_layers.2.", "conv1."},
                                {"out_layers.0.", "norm2."},         {"out_layers.3.", "conv2."},
                                {"emb_layers.1.", "time_emb_proj."}, {"skip_connection.", "conv_shortcut."}};
// Ref: renew_vae_resnet_paths.
constexpr Rule kVaeResnet[] = {{"nin_shortcut.", "conv_shortcut."}};
// Ref: renew_vae_attention_paths (0.21.4 names) + conv_attn_to_linear.
constexpr Rule kVaeAttention[] = {{"norm.", "group_norm."}, {"q.", "to_q."}, {"k.", "to_k."},
                                  {"v.", "to_v."},          {"proj_out.", "to_out.0."}};
// Whole-prefix renames outside the numbered blocks.
constexpr Rule kUnetFixed[] = {{"time_embed.0.", "time_embedding.linear_1."},
                               {"time_embed.2.", "time_embedding.linear_2."},
                               {"input_blocks.0.0.", "conv_in."},
                               {"out.0.", "conv_norm_out."},
                               {"out.2.", "conv_out."}};
constexpr Rule kVaeFixed[] = {{"encoder.norm_out.", "encoder.conv_norm_out."},
                              {"decoder.norm_out.", "decoder.conv_norm_out."}};
// Ref: convert_open_clip_checkpoint's textenc_conversion_lst / textenc_transformer_conversion_lst.
constexpr Rule kOpenClipFixed[] = {{"positional_embedding", "text_model.embeddings.position_embedding.weight"},
                                   {"token_embedding.weight", "text_model.embeddings.token_embedding.weight"},
                                   {"ln_final.weight", "text_model.final_layer_norm.weight"},
                                   {"ln_final.bias", "text_model.final_layer_norm.bias"}};
constexpr Rule kOpenClipLayer[] = {{"ln_1.", "layer_norm1."},
                                   {"ln_2.", "layer_norm2."},
                                   {"attn.out_proj.", "self_attn.out_proj."},
                                   {"mlp.c_fc.", "mlp.fc1."},
                                   {"mlp.c_proj.", "mlp.fc2."},
                                   {"attn.in_proj_weight", "self_attn.in_proj.weight"},
                                   {"attn.in_proj_bias", "self_attn.in_proj.bias"}};

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// The first rule whose `from` prefixes `rest`, applied; `rest` unchanged when none does.
template <size_t N>
std::string apply_prefix_rules(std::string_view rest, const Rule (&rules)[N], bool* matched = nullptr) {
    for (const auto& [from, to] : rules)
        if (starts_with(rest, from)) {
            if (matched) *matched = true;
            return std::string(to) + std::string(rest.substr(from.size()));
        }
    if (matched) *matched = false;
    return std::string(rest);
}

// Reads "<int>." at the front of `s`; advances past it.
std::optional<int64_t> take_index(std::string_view& s) {
    int64_t value = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || end == s.data() || end == s.data() + s.size() || *end != '.') return std::nullopt;
    s.remove_prefix(size_t(end - s.data()) + 1);
    return value;
}

std::string n(int64_t i) { return std::to_string(i); }

// Ref: convert_ldm_unet_checkpoint. `rest` is the key without "model.diffusion_model.".
std::string map_unet(std::string_view rest, const LdmLayout& layout) {
    bool matched = false;
    std::string fixed = apply_prefix_rules(rest, kUnetFixed, &matched);
    if (matched) return fixed;
    const int64_t per = layout.unet_layers_per_block + 1;  // resnets + the down/upsampler slot
    std::string_view r = rest;
    if (starts_with(r, "input_blocks.")) {
        r.remove_prefix(13);
        const auto i = take_index(r);
        const auto sub = i ? take_index(r) : std::nullopt;
        if (!sub || *i < 1) return std::string(rest);
        const int64_t block = (*i - 1) / per, layer = (*i - 1) % per;
        const std::string base = "down_blocks." + n(block) + ".";
        if (*sub == 0 && starts_with(r, "op.")) return base + "downsamplers.0.conv." + std::string(r.substr(3));
        if (*sub == 0) return base + "resnets." + n(layer) + "." + apply_prefix_rules(r, kUnetResnet);
        if (*sub == 1) return base + "attentions." + n(layer) + "." + std::string(r);
        return std::string(rest);
    }
    if (starts_with(r, "middle_block.")) {
        r.remove_prefix(13);
        const auto sub = take_index(r);
        if (sub == 0) return "mid_block.resnets.0." + apply_prefix_rules(r, kUnetResnet);
        if (sub == 1) return "mid_block.attentions.0." + std::string(r);
        if (sub == 2) return "mid_block.resnets.1." + apply_prefix_rules(r, kUnetResnet);
        return std::string(rest);
    }
    if (starts_with(r, "output_blocks.")) {
        r.remove_prefix(14);
        const auto i = take_index(r);
        const auto sub = i ? take_index(r) : std::nullopt;
        if (!sub) return std::string(rest);
        const int64_t block = *i / per, layer = *i % per;
        const std::string base = "up_blocks." + n(block) + ".";
        // An upsampler is the sub-module holding only `conv` (index 1 without attention, else 2).
        if (*sub >= 1 && starts_with(r, "conv.")) return base + "upsamplers.0." + std::string(r);
        if (*sub == 0) return base + "resnets." + n(layer) + "." + apply_prefix_rules(r, kUnetResnet);
        if (*sub == 1) return base + "attentions." + n(layer) + "." + std::string(r);
        return std::string(rest);
    }
    return std::string(rest);
}

// Ref: convert_ldm_vae_checkpoint. `rest` is the key without "first_stage_model.".
DiffusersKey map_vae(std::string_view rest, const LdmLayout& layout) {
    DiffusersKey out{SdComponent::vae, "", KeyTransform::none};
    bool matched = false;
    out.name = apply_prefix_rules(rest, kVaeFixed, &matched);
    if (matched) return out;
    const bool encoder = starts_with(rest, "encoder."), decoder = starts_with(rest, "decoder.");
    if (!encoder && !decoder) return out;  // quant_conv, post_quant_conv: unchanged
    const std::string side = encoder ? "encoder." : "decoder.";
    std::string_view r = rest.substr(8);
    if (starts_with(r, "mid.block_")) {
        r.remove_prefix(10);
        const auto k = take_index(r);
        if (k && *k >= 1) out.name = side + "mid_block.resnets." + n(*k - 1) + "." + apply_prefix_rules(r, kVaeResnet);
        return out;
    }
    if (starts_with(r, "mid.attn_1.")) {
        r.remove_prefix(11);
        out.name = side + "mid_block.attentions.0." + apply_prefix_rules(r, kVaeAttention);
        if (!starts_with(r, "norm.") && r.ends_with(".weight")) out.transform = KeyTransform::conv1x1_to_linear;
        return out;
    }
    const std::string_view level_word = encoder ? "down." : "up.";
    if (!starts_with(r, level_word)) return out;
    r.remove_prefix(level_word.size());
    const auto level = take_index(r);
    if (!level) return out;
    const int64_t i = encoder ? *level : layout.vae_levels - 1 - *level;  // the decoder counts down
    const std::string base = side + (encoder ? "down_blocks." : "up_blocks.") + n(i) + ".";
    if (starts_with(r, "block.")) {
        r.remove_prefix(6);
        const auto j = take_index(r);
        if (j) out.name = base + "resnets." + n(*j) + "." + apply_prefix_rules(r, kVaeResnet);
    } else if (starts_with(r, encoder ? "downsample.conv." : "upsample.conv.")) {
        r.remove_prefix(encoder ? 16 : 14);
        out.name = base + (encoder ? "downsamplers.0.conv." : "upsamplers.0.conv.") + std::string(r);
    }
    return out;
}

// Ref: convert_open_clip_checkpoint. `rest` is the key without "cond_stage_model.model.".
std::optional<DiffusersKey> map_open_clip(std::string_view rest) {
    if (rest == "text_projection" || rest == "logit_scale") return std::nullopt;  // not in CLIPTextModel
    DiffusersKey out{SdComponent::text_encoder, "", KeyTransform::none};
    bool matched = false;
    out.name = apply_prefix_rules(rest, kOpenClipFixed, &matched);
    if (matched) return out;
    std::string_view r = rest;
    if (starts_with(r, "transformer.resblocks.")) {
        r.remove_prefix(22);
        if (const auto layer = take_index(r)) {
            out.name = "text_model.encoder.layers." + n(*layer) + "." + apply_prefix_rules(r, kOpenClipLayer);
            if (starts_with(r, "attn.in_proj_")) out.transform = KeyTransform::split_qkv;
        }
    }
    return out;
}

}  // namespace

const char* component_name(SdComponent component) {
    switch (component) {
        case SdComponent::unet: return "unet";
        case SdComponent::vae: return "vae";
        case SdComponent::text_encoder: return "text_encoder";
    }
    return "?";
}

std::optional<DiffusersKey> map_ldm_key(std::string_view key, const LdmLayout& layout) {
    if (starts_with(key, kUnetPrefix))
        return DiffusersKey{SdComponent::unet, map_unet(key.substr(kUnetPrefix.size()), layout), KeyTransform::none};
    if (starts_with(key, kVaePrefix)) return map_vae(key.substr(kVaePrefix.size()), layout);
    if (starts_with(key, kClipPrefix))  // transformers' CLIPTextModel names, kept (Ref: convert_ldm_clip_checkpoint)
        return DiffusersKey{SdComponent::text_encoder, std::string(key.substr(kClipPrefix.size())), KeyTransform::none};
    if (starts_with(key, kOpenClipPrefix)) return map_open_clip(key.substr(kOpenClipPrefix.size()));
    return std::nullopt;
}

std::array<std::string, 3> qkv_names(const std::string& in_proj_name) {
    const auto pos = in_proj_name.rfind("in_proj.");
    if (pos == std::string::npos) return {in_proj_name, in_proj_name, in_proj_name};
    const std::string head = in_proj_name.substr(0, pos), tail = in_proj_name.substr(pos + 8);
    return {head + "q_proj." + tail, head + "k_proj." + tail, head + "v_proj." + tail};
}

std::string ldm_ema_key(std::string_view key) {
    const auto dot = key.find('.');
    std::string flat = "model_ema.";
    if (dot == std::string_view::npos) return flat + std::string(key);
    for (char c : key.substr(dot + 1))
        if (c != '.') flat += c;
    return flat;
}

}  // namespace pictor
