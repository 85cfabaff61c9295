#include "core/models/sd/vae.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>


#include "core/io/json_config.h"
#include "core/util/error.h"

namespace pictor {

namespace {

constexpr double kVaeEps = 1e-6;  // diffusers' Encoder/Decoder pass resnet_eps=1e-6 everywhere

std::string where(const JsonConfig& c) { return "'" + c.source() + "'"; }

}  // namespace

AutoencoderKLConfig AutoencoderKLConfig::sd15() { return AutoencoderKLConfig{}; }

AutoencoderKLConfig AutoencoderKLConfig::preset(std::string_view name) {
    if (name == "sd15" || name == "sd21") return sd15();
    fail("unknown VAE preset '" + std::string(name) + "' (known: sd15, sd21)");
}

// Ref: diffusers/models/autoencoder_kl.py AutoencoderKL.__init__ defaults
AutoencoderKLConfig AutoencoderKLConfig::from_json(const JsonConfig& c) {
    AutoencoderKLConfig v;
    const std::string act = c.get_string("act_fn", "silu");
    if (act != "silu" && act != "swish") fail(where(c) + ": \"act_fn\" = \"" + act + "\" is not supported (silu)");
    v.in_channels = c.get_int("in_channels", 3);
    v.out_channels = c.get_int("out_channels", 3);
    v.down_block_types = c.get_string_list("down_block_types", {"DownEncoderBlock2D"});
    v.up_block_types = c.get_string_list("up_block_types", {"UpDecoderBlock2D"});
    v.block_out_channels = c.get_int_list("block_out_channels", {64});
    v.layers_per_block = c.get_int("layers_per_block", 1);
    v.latent_channels = c.get_int("latent_channels", 4);
    v.norm_num_groups = c.get_int("norm_num_groups", 32);
    v.sample_size = c.get_int("sample_size", 32);
    v.scaling_factor = c.get_double("scaling_factor", 0.18215);
    v.force_upcast = c.get_bool("force_upcast", true);
    try {
        v.validate();
    } catch (const Error& e) {
        throw e.with_context(where(c));
    }
    return v;
}

void AutoencoderKLConfig::validate() const {
    const size_t n = block_out_channels.size();
    if (n == 0) fail("\"block_out_channels\" is empty");
    if (down_block_types.size() != n || up_block_types.size() != n)
        fail("\"down_block_types\" and \"up_block_types\" must have one entry per block_out_channels entry (" +
             std::to_string(n) + ")");
    for (const auto& t : down_block_types)
        if (t != "DownEncoderBlock2D") fail("down block type \"" + t + "\" is not supported (DownEncoderBlock2D)");
    for (const auto& t : up_block_types)
        if (t != "UpDecoderBlock2D") fail("up block type \"" + t + "\" is not supported (UpDecoderBlock2D)");
    if (norm_num_groups <= 0) fail("\"norm_num_groups\" must be positive");
    for (int64_t ch : block_out_channels)
        if (ch <= 0 || ch % norm_num_groups != 0)
            fail("block_out_channels entry " + std::to_string(ch) + " is not a positive multiple of norm_num_groups = " +
                 std::to_string(norm_num_groups));
    if (layers_per_block <= 0 || latent_channels <= 0 || in_channels <= 0 || out_channels <= 0)
        fail("layers_per_block, latent_channels, in_channels and out_channels must be positive");
    if (!(scaling_factor > 0)) fail("\"scaling_factor\" must be positive");
}

namespace sd {

VaeMidBlockImpl::VaeMidBlockImpl(int64_t c, int64_t groups, const at::TensorOptions& options) {
    resnet0_ = ResnetBlock2D(c, c, 0, groups, kVaeEps, 1.0, options);
    resnet1_ = ResnetBlock2D(c, c, 0, groups, kVaeEps, 1.0, options);
    AttentionOptions a;
    a.query_dim = c;
    a.heads = 1;  // attention_head_dim = channels
    a.dim_head = c;
    a.bias = true;
    a.upcast = true;
    a.norm_groups = groups;
    a.norm_eps = kVaeEps;
    a.residual_connection = true;
    attention_ = Attention(a, options);
    resnets = register_module("resnets", torch::nn::ModuleList(resnet0_, resnet1_));
    attentions = register_module("attentions", torch::nn::ModuleList(attention_));
}

// Ref: diffusers/models/unet_2d_blocks.py UNetMidBlock2D.forward
at::Tensor VaeMidBlockImpl::forward(const at::Tensor& x) const {
    return resnet1_->forward(attention_->forward(resnet0_->forward(x)));
}

VaeBlockImpl::VaeBlockImpl(int64_t in_channels, int64_t out_channels, int64_t num_layers, bool down, bool add_sampler,
                           int64_t groups, const at::TensorOptions& options) {
    resnets = register_module("resnets", torch::nn::ModuleList());
    for (int64_t i = 0; i < num_layers; ++i) {
        resnets_.push_back(ResnetBlock2D(i == 0 ? in_channels : out_channels, out_channels, 0, groups, kVaeEps, 1.0,
                                         options));
        resnets->push_back(resnets_.back());
    }
    if (add_sampler && down) {
        down_ = Downsample2D(out_channels, /*padding=*/0, options);
        downsamplers = register_module("downsamplers", torch::nn::ModuleList(down_));
    } else if (add_sampler) {
        up_ = Upsample2D(out_channels, options);
        upsamplers = register_module("upsamplers", torch::nn::ModuleList(up_));
    }
}

// Ref: diffusers/models/unet_2d_blocks.py DownEncoderBlock2D.forward / UpDecoderBlock2D.forward
at::Tensor VaeBlockImpl::forward(const at::Tensor& x) const {
    at::Tensor h = x;
    for (const auto& r : resnets_) h = r->forward(h);
    if (down_) h = down_->forward(h);
    if (up_) h = up_->forward(h);
    return h;
}

// Ref: diffusers/models/vae.py Encoder.__init__
VaeEncoderImpl::VaeEncoderImpl(const AutoencoderKLConfig& c, const at::TensorOptions& options) {
    const auto& boc = c.block_out_channels;
    conv_in = register_module("conv_in", Conv2d(c.in_channels, boc[0], 3, 1, 1, true, options));
    down_blocks = register_module("down_blocks", torch::nn::ModuleList());
    int64_t output_channel = boc[0];
    for (size_t i = 0; i < boc.size(); ++i) {
        const int64_t input_channel = output_channel;
        output_channel = boc[i];
        blocks_.push_back(VaeBlock(input_channel, output_channel, c.layers_per_block, /*down=*/true,
                                   i + 1 < boc.size(), c.norm_num_groups, options));
        down_blocks->push_back(blocks_.back());
    }
    mid_block = register_module("mid_block", VaeMidBlock(boc.back(), c.norm_num_groups, options));
    conv_norm_out = register_module("conv_norm_out", GroupNorm(c.norm_num_groups, boc.back(), kVaeEps, options));
    conv_out = register_module("conv_out", Conv2d(boc.back(), 2 * c.latent_channels, 3, 1, 1, true, options));
}

// Ref: diffusers/models/vae.py Encoder.forward
at::Tensor VaeEncoderImpl::forward(const at::Tensor& x) const {
    at::Tensor h = conv_in->forward(x);
    for (const auto& b : blocks_) h = b->forward(h);
    h = mid_block->forward(h);
    h = conv_norm_out->forward(h);
    at::silu_(h);
    return conv_out->forward(h);
}

// Ref: diffusers/models/vae.py Decoder.__init__
VaeDecoderImpl::VaeDecoderImpl(const AutoencoderKLConfig& c, const at::TensorOptions& options) {
    const auto& boc = c.block_out_channels;
    conv_in = register_module("conv_in", Conv2d(c.latent_channels, boc.back(), 3, 1, 1, true, options));
    mid_block = register_module("mid_block", VaeMidBlock(boc.back(), c.norm_num_groups, options));
    up_blocks = register_module("up_blocks", torch::nn::ModuleList());
    int64_t output_channel = boc.back();
    for (size_t i = 0; i < boc.size(); ++i) {
        const int64_t prev_output_channel = output_channel;
        output_channel = boc[boc.size() - 1 - i];
        blocks_.push_back(VaeBlock(prev_output_channel, output_channel, c.layers_per_block + 1, /*down=*/false,
                                   i + 1 < boc.size(), c.norm_num_groups, options));
        up_blocks->push_back(blocks_.back());
    }
    conv_norm_out = register_module("conv_norm_out", GroupNorm(c.norm_num_groups, boc[0], kVaeEps, options));
    conv_out = register_module("conv_out", Conv2d(boc[0], c.out_channels, 3, 1, 1, true, options));
}

// Ref: diffusers/models/vae.py Decoder.forward
at::Tensor VaeDecoderImpl::forward(const at::Tensor& z) const {
    at::Tensor h = conv_in->forward(z);
    h = mid_block->forward(h);
    for (const auto& b : blocks_) h = b->forward(h);
    h = conv_norm_out->forward(h);
    at::silu_(h);
    return conv_out->forward(h);
}

}  // namespace sd

// Ref: diffusers/models/autoencoder_kl.py AutoencoderKL.__init__
AutoencoderKLImpl::AutoencoderKLImpl(const AutoencoderKLConfig& config, const at::TensorOptions& options)
    : config_(config) {
    config_.validate();
    const int64_t lc = config_.latent_channels;
    encoder = register_module("encoder", sd::VaeEncoder(config_, options));
    decoder = register_module("decoder", sd::VaeDecoder(config_, options));
    quant_conv = register_module("quant_conv", sd::Conv2d(2 * lc, 2 * lc, 1, 1, 0, true, options));
    post_quant_conv = register_module("post_quant_conv", sd::Conv2d(lc, lc, 1, 1, 0, true, options));
}

int64_t AutoencoderKLImpl::downsampling_factor() const {
    return int64_t{1} << (config_.block_out_channels.size() - 1);
}

// Ref: diffusers/models/autoencoder_kl.py AutoencoderKL.encode + DiagonalGaussianDistribution
LatentDistribution AutoencoderKLImpl::encode(const at::Tensor& image) const {
    const int64_t f = downsampling_factor();
    if (image.dim() != 4 || image.size(1) != config_.in_channels || image.size(2) % f != 0 || image.size(3) % f != 0)
        fail("VAE encode: image must be [N, " + std::to_string(config_.in_channels) + ", H, W] with H and W multiples of " +
             std::to_string(f) + ", got " + sd::shape_string(image.sizes()));
    const at::Tensor moments = quant_conv->forward(encoder->forward(image));
    const auto parts = moments.chunk(2, 1);
    LatentDistribution d;
    d.mean = parts[0].contiguous();
    d.logvar = at::clamp(parts[1], -30.0, 20.0);
    d.std = at::exp(d.logvar * 0.5);
    return d;
}

// Ref: diffusers/models/autoencoder_kl.py AutoencoderKL._decode
at::Tensor AutoencoderKLImpl::decode(const at::Tensor& z) const {
    if (z.dim() != 4 || z.size(1) != config_.latent_channels)
        fail("VAE decode: latents must be [N, " + std::to_string(config_.latent_channels) + ", h, w], got " +
             sd::shape_string(z.sizes()));
    return decoder->forward(post_quant_conv->forward(z));
}

std::string vae_current_name(const std::string& name) {
    static const std::pair<const char*, const char*> kOld[] = {
        {".query.", ".to_q."}, {".key.", ".to_k."}, {".value.", ".to_v."}, {".proj_attn.", ".to_out.0."}};
    if (name.find(".attentions.") == std::string::npos) return name;
    for (const auto& [from, to] : kOld) {
        const auto pos = name.find(from);
        if (pos != std::string::npos) return name.substr(0, pos) + to + name.substr(pos + std::string(from).size());
    }
    return name;
}

void vae_squeeze_attention_weights(TensorMap& weights) {
    for (auto& [name, tensor] : weights) {
        const std::string current = vae_current_name(name);
        const bool attention_linear =
            current.find(".attentions.") != std::string::npos &&
            (current.ends_with(".to_q.weight") || current.ends_with(".to_k.weight") ||
             current.ends_with(".to_v.weight") || current.ends_with(".to_out.0.weight"));
        if (attention_linear && tensor.dim() == 4 && tensor.size(2) == 1 && tensor.size(3) == 1)
            tensor = tensor.flatten(1);
    }
}

}  // namespace pictor
