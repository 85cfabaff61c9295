#include "core/models/sd/unet_2d_condition.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "core/io/json_config.h"
#include "core/util/error.h"

namespace pictor {

namespace {

std::string where(const JsonConfig& c) { return "'" + c.source() + "'"; }

// An int or a list of `n` ints (diffusers expands ints to per-block lists).
std::vector<int64_t> int_or_list(const JsonConfig& c, const std::string& key, size_t n, int64_t fallback) {
    if (!c.has(key)) return std::vector<int64_t>(n, fallback);
    const auto& v = c.json().at(key);
    if (v.is_array()) {
        std::vector<int64_t> out = c.get_int_list(key, {});
        if (out.size() != n)
            fail(where(c) + ": key \"" + key + "\" must have one entry per down block (" + std::to_string(n) +
                 "), got " + std::to_string(out.size()));
        return out;
    }
    return std::vector<int64_t>(n, c.get_int(key, fallback));
}

std::vector<bool> bool_or_list(const JsonConfig& c, const std::string& key, size_t n) {
    if (!c.has(key)) return std::vector<bool>(n, false);
    const auto& v = c.json().at(key);
    if (v.is_array()) {
        if (v.size() != n)
            fail(where(c) + ": key \"" + key + "\" must have one entry per down block (" + std::to_string(n) + ")");
        std::vector<bool> out;
        for (const auto& e : v) {
            if (!e.is_boolean()) fail(where(c) + ": key \"" + key + "\" must hold booleans, got " + e.dump());
            out.push_back(e.get<bool>());
        }
        return out;
    }
    return std::vector<bool>(n, c.get_bool(key, false));
}

// Keys whose non-default values select architectures of other model families.
void reject_unsupported(const JsonConfig& c) {
    const auto must_be_null = {"class_embed_type",    "addition_embed_type", "num_class_embeds",
                               "encoder_hid_dim",     "encoder_hid_dim_type",
                               "time_embedding_dim",  "timestep_post_act",   "time_embedding_act_fn",
                               "cross_attention_norm", "projection_class_embeddings_input_dim",
                               "addition_time_embed_dim"};
    for (const char* key : must_be_null)
        if (c.has(key))
            fail(where(c) + ": \"" + key + "\" = " + c.json().at(key).dump() +
                 " is not supported (only SD 1.x/2.x UNets are)");
    const auto expect_string = [&](const char* key, const std::string& expected,
                                   std::initializer_list<const char*> also = {}) {
        const std::string value = c.get_string(key, expected);
        if (value == expected) return;
        for (const char* a : also)
            if (value == a) return;
        fail(where(c) + ": \"" + key + "\" = \"" + value + "\" is not supported (expected \"" + expected + "\")");
    };
    expect_string("act_fn", "silu", {"swish"});
    expect_string("resnet_time_scale_shift", "default");
    expect_string("time_embedding_type", "positional");
    expect_string("attention_type", "default");
    if (c.get_bool("dual_cross_attention", false)) fail(where(c) + ": \"dual_cross_attention\" = true is not supported");
    if (c.get_bool("resnet_skip_time_act", false)) fail(where(c) + ": \"resnet_skip_time_act\" = true is not supported");
}

}  // namespace

UNet2DConditionConfig UNet2DConditionConfig::sd15() { return UNet2DConditionConfig{}; }

UNet2DConditionConfig UNet2DConditionConfig::sd21() {
    UNet2DConditionConfig c;
    c.sample_size = 96;
    c.num_attention_heads = {5, 10, 20, 20};
    c.cross_attention_dim = {1024, 1024, 1024, 1024};
    c.use_linear_projection = true;
    c.upcast_attention = true;
    return c;
}

UNet2DConditionConfig UNet2DConditionConfig::preset(std::string_view name) {
    if (name == "sd15") return sd15();
    if (name == "sd21") return sd21();
    fail("unknown UNet preset '" + std::string(name) + "' (known: sd15, sd21)");
}

// Ref: diffusers/models/unet_2d_condition.py UNet2DConditionModel.__init__ (argument handling)
UNet2DConditionConfig UNet2DConditionConfig::from_json(const JsonConfig& c) {
    reject_unsupported(c);
    UNet2DConditionConfig u;
    u.sample_size = c.get_int("sample_size", u.sample_size);
    u.in_channels = c.get_int("in_channels", 4);
    u.out_channels = c.get_int("out_channels", 4);
    u.center_input_sample = c.get_bool("center_input_sample", false);
    u.flip_sin_to_cos = c.get_bool("flip_sin_to_cos", true);
    u.freq_shift = c.get_double("freq_shift", 0.0);
    u.down_block_types = c.get_string_list("down_block_types", u.down_block_types);
    u.up_block_types = c.get_string_list("up_block_types", u.up_block_types);
    u.mid_block_type = c.has("mid_block_type") ? c.get_string("mid_block_type", "") : "";
    if (!c.json().contains("mid_block_type")) u.mid_block_type = "UNetMidBlock2DCrossAttn";  // class default
    u.block_out_channels = c.get_int_list("block_out_channels", u.block_out_channels);
    const size_t n = u.down_block_types.size();
    if (u.block_out_channels.size() != n)
        fail(where(c) + ": \"block_out_channels\" must have one entry per down block (" + std::to_string(n) + "), got " +
             std::to_string(u.block_out_channels.size()));
    if (u.up_block_types.size() != n)
        fail(where(c) + ": \"up_block_types\" must have as many entries as \"down_block_types\" (" + std::to_string(n) +
             ")");
    u.only_cross_attention = bool_or_list(c, "only_cross_attention", n);
    u.layers_per_block = int_or_list(c, "layers_per_block", n, 2);
    u.cross_attention_dim = int_or_list(c, "cross_attention_dim", n, 1280);
    u.transformer_layers_per_block = int_or_list(c, "transformer_layers_per_block", n, 1);
    // diffusers 0.21: num_attention_heads = num_attention_heads or attention_head_dim, and the head
    // size of every cross-attention block is out_channels // num_attention_heads.
    u.num_attention_heads = c.has("num_attention_heads") ? int_or_list(c, "num_attention_heads", n, 8)
                                                         : int_or_list(c, "attention_head_dim", n, 8);
    u.downsample_padding = c.get_int("downsample_padding", 1);
    u.mid_block_scale_factor = c.get_double("mid_block_scale_factor", 1.0);
    if (c.json().contains("norm_num_groups") && c.json().at("norm_num_groups").is_null())
        fail(where(c) + ": \"norm_num_groups\" = null is not supported");
    u.norm_num_groups = c.get_int("norm_num_groups", 32);
    u.norm_eps = c.get_double("norm_eps", 1e-5);
    u.use_linear_projection = c.get_bool("use_linear_projection", false);
    u.upcast_attention = c.get_bool("upcast_attention", false);
    u.conv_in_kernel = c.get_int("conv_in_kernel", 3);
    u.conv_out_kernel = c.get_int("conv_out_kernel", 3);
    u.time_cond_proj_dim = c.has("time_cond_proj_dim") ? c.get_int("time_cond_proj_dim", 0) : 0;
    if (u.time_cond_proj_dim < 0) fail(where(c) + ": \"time_cond_proj_dim\" must be positive or null");
    try {
        u.validate();
    } catch (const Error& e) {
        throw e.with_context(where(c));
    }
    return u;
}

void UNet2DConditionConfig::validate() const {
    const size_t n = down_block_types.size();
    if (n == 0) fail("\"down_block_types\" is empty");
    const auto check_size = [&](size_t size, const char* key) {
        if (size != n) fail(std::string("\"") + key + "\" must have " + std::to_string(n) + " entries");
    };
    check_size(up_block_types.size(), "up_block_types");
    check_size(block_out_channels.size(), "block_out_channels");
    check_size(only_cross_attention.size(), "only_cross_attention");
    check_size(layers_per_block.size(), "layers_per_block");
    check_size(cross_attention_dim.size(), "cross_attention_dim");
    check_size(transformer_layers_per_block.size(), "transformer_layers_per_block");
    check_size(num_attention_heads.size(), "num_attention_heads");
    const auto strip = [](const std::string& t) { return t.rfind("UNetRes", 0) == 0 ? t.substr(7) : t; };
    for (const auto& t : down_block_types)
        if (strip(t) != "CrossAttnDownBlock2D" && strip(t) != "DownBlock2D")
            fail("down block type \"" + t + "\" is not supported (CrossAttnDownBlock2D, DownBlock2D)");
    for (const auto& t : up_block_types)
        if (strip(t) != "CrossAttnUpBlock2D" && strip(t) != "UpBlock2D")
            fail("up block type \"" + t + "\" is not supported (CrossAttnUpBlock2D, UpBlock2D)");
    if (!mid_block_type.empty() && mid_block_type != "UNetMidBlock2DCrossAttn")
        fail("mid block type \"" + mid_block_type + "\" is not supported (UNetMidBlock2DCrossAttn or null)");
    if (in_channels <= 0 || out_channels <= 0) fail("\"in_channels\"/\"out_channels\" must be positive");
    if (norm_num_groups <= 0) fail("\"norm_num_groups\" must be positive");
    for (size_t i = 0; i < n; ++i) {
        const int64_t ch = block_out_channels[i];
        if (ch <= 0 || ch % norm_num_groups != 0)
            fail("block_out_channels[" + std::to_string(i) + "] = " + std::to_string(ch) +
                 " is not a positive multiple of norm_num_groups = " + std::to_string(norm_num_groups));
        if (num_attention_heads[i] <= 0 || ch % num_attention_heads[i] != 0)
            fail("block_out_channels[" + std::to_string(i) + "] = " + std::to_string(ch) +
                 " does not split into " + std::to_string(num_attention_heads[i]) + " attention heads");
        if (layers_per_block[i] <= 0 || transformer_layers_per_block[i] <= 0 || cross_attention_dim[i] <= 0)
            fail("layers_per_block, transformer_layers_per_block and cross_attention_dim must be positive");
    }
    if (conv_in_kernel <= 0 || conv_in_kernel % 2 == 0 || conv_out_kernel <= 0 || conv_out_kernel % 2 == 0)
        fail("conv_in_kernel / conv_out_kernel must be odd and positive");
    if (downsample_padding < 0) fail("\"downsample_padding\" must be >= 0");
}

// Ref: diffusers/models/unet_2d_condition.py UNet2DConditionModel.__init__
UNet2DConditionModelImpl::UNet2DConditionModelImpl(const UNet2DConditionConfig& config,
                                                   const at::TensorOptions& options)
    : config_(config) {
    config_.validate();
    const auto& c = config_;
    const size_t n = c.down_block_types.size();
    const int64_t temb = c.time_embed_dim();
    const auto is_cross = [](const std::string& t) { return t.find("CrossAttn") != std::string::npos; };

    conv_in = register_module("conv_in", sd::Conv2d(c.in_channels, c.block_out_channels[0], c.conv_in_kernel, 1,
                                                    (c.conv_in_kernel - 1) / 2, true, options));
    time_embedding = register_module(
        "time_embedding", sd::TimestepEmbedding(c.block_out_channels[0], temb, options, c.time_cond_proj_dim));

    sd::UNetBlockOptions base;
    base.temb_channels = temb;
    base.groups = c.norm_num_groups;
    base.eps = c.norm_eps;
    base.downsample_padding = c.downsample_padding;
    base.transformer.use_linear_projection = c.use_linear_projection;
    base.transformer.upcast_attention = c.upcast_attention;
    // The block options of resolution level `level` (the per-block config lists are per level).
    const auto at_level = [&](size_t level) {
        sd::UNetBlockOptions o = base;
        o.transformer.heads = c.num_attention_heads[level];
        o.transformer.num_layers = c.transformer_layers_per_block[level];
        o.transformer.cross_attention_dim = c.cross_attention_dim[level];
        return o;
    };

    down_blocks = register_module("down_blocks", torch::nn::ModuleList());
    int64_t output_channel = c.block_out_channels[0];
    for (size_t i = 0; i < n; ++i) {
        sd::UNetBlockOptions o = at_level(i);
        o.in_channels = output_channel;
        output_channel = c.block_out_channels[i];
        o.out_channels = output_channel;
        o.num_layers = c.layers_per_block[i];
        o.cross_attention = is_cross(c.down_block_types[i]);
        o.add_sampler = i + 1 < n;
        o.transformer.only_cross_attention = c.only_cross_attention[i];
        down_.push_back(sd::UNetDownBlock(o, options));
        down_blocks->push_back(down_.back());
    }

    if (!c.mid_block_type.empty()) {
        sd::UNetBlockOptions o = at_level(n - 1);
        o.in_channels = o.out_channels = c.block_out_channels.back();
        o.num_layers = 1;
        mid_block = register_module("mid_block", sd::UNetMidBlock(o, c.mid_block_scale_factor, options));
    }

    up_blocks = register_module("up_blocks", torch::nn::ModuleList());
    output_channel = c.block_out_channels.back();
    for (size_t i = 0; i < n; ++i) {
        const size_t r = n - 1 - i;  // index into the per-down-block lists, reversed
        sd::UNetBlockOptions o = at_level(r);
        o.prev_output_channels = output_channel;
        output_channel = c.block_out_channels[r];
        o.out_channels = output_channel;
        o.in_channels = c.block_out_channels[r == 0 ? 0 : r - 1];
        o.num_layers = c.layers_per_block[r] + 1;
        o.cross_attention = is_cross(c.up_block_types[i]);
        o.add_sampler = i + 1 < n;
        o.transformer.only_cross_attention = c.only_cross_attention[r];
        up_.push_back(sd::UNetUpBlock(o, options));
        up_blocks->push_back(up_.back());
    }

    conv_norm_out =
        register_module("conv_norm_out", sd::GroupNorm(c.norm_num_groups, c.block_out_channels[0], c.norm_eps, options));
    conv_out = register_module("conv_out", sd::Conv2d(c.block_out_channels[0], c.out_channels, c.conv_out_kernel, 1,
                                                      (c.conv_out_kernel - 1) / 2, true, options));
}

// Ref: diffusers/models/unet_2d_condition.py UNet2DConditionModel.forward
at::Tensor UNet2DConditionModelImpl::forward(const at::Tensor& sample, const at::Tensor& timesteps,
                                             const at::Tensor& context, const at::Tensor& timestep_cond) const {
    const auto& c = config_;
    if (sample.dim() != 4 || sample.size(1) != c.in_channels)
        fail("UNet: sample must be [N, " + std::to_string(c.in_channels) + ", h, w], got " +
             sd::shape_string(sample.sizes()));
    const int64_t n = sample.size(0);
    if (context.dim() != 3 || context.size(0) != n || context.size(2) != c.cross_attention_dim[0])
        fail("UNet: encoder_hidden_states must be [" + std::to_string(n) + ", S, " +
             std::to_string(c.cross_attention_dim[0]) + "], got " + sd::shape_string(context.sizes()));
    at::Tensor t = timesteps.dim() == 0 ? timesteps.reshape({1}) : timesteps;
    if (t.dim() != 1 || (t.size(0) != 1 && t.size(0) != n))
        fail("UNet: timesteps must be a scalar, [1] or [" + std::to_string(n) + "], got " + sd::shape_string(t.sizes()));
    t = t.to(sample.device()).expand({n});

    // 1. time
    const at::Tensor t_emb = sd::timestep_embedding(t, c.block_out_channels[0], c.flip_sin_to_cos, c.freq_shift);
    if (timestep_cond.defined() &&
        (timestep_cond.dim() != 2 || timestep_cond.size(0) != n || timestep_cond.size(1) != c.time_cond_proj_dim))
        fail("UNet: timestep_cond must be [" + std::to_string(n) + ", " + std::to_string(c.time_cond_proj_dim) +
             "] (time_cond_proj_dim), got " + sd::shape_string(timestep_cond.sizes()));
    const at::Tensor cond = timestep_cond.defined() ? timestep_cond.to(sample.device(), sample.scalar_type()) : at::Tensor();
    const at::Tensor emb = time_embedding->forward(t_emb.to(sample.scalar_type()), cond);
    const at::Tensor ctx = context.to(sample.scalar_type());

    // 2. pre-process
    at::Tensor h = c.center_input_sample ? sample * 2.0 - 1.0 : sample;
    h = conv_in->forward(h);

    // 3. down
    std::vector<at::Tensor> skips{h};
    for (const auto& block : down_) h = block->forward(h, emb, ctx, skips);

    // 4. mid
    if (mid_block) h = mid_block->forward(h, emb, ctx);

    // 5. up
    for (const auto& block : up_) h = block->forward(h, emb, ctx, skips);

    // 6. post-process
    h = conv_norm_out->forward(h);
    at::silu_(h);
    return conv_out->forward(h);
}

at::Tensor UNet2DConditionModelImpl::forward(const at::Tensor& sample, double timestep, const at::Tensor& context) const {
    return forward(sample, at::full({1}, timestep, at::TensorOptions().dtype(at::kFloat)), context);
}

}  // namespace pictor
