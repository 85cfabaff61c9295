#include "core/models/sd/taesd.h"

#include <ATen/ATen.h>

#include "core/io/json_config.h"
#include "core/io/model_ref.h"
#include "core/io/state_dict.h"
#include "core/io/tensor_map.h"
#include "core/util/error.h"

namespace pictor {

namespace fs = std::filesystem;

namespace {

std::string where(const JsonConfig& c) { return "'" + (c.source().empty() ? std::string("TAESD config") : c.source()) + "'"; }

std::string list_string(const std::vector<int64_t>& v) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
    return s + "]";
}

}  // namespace

// Ref: diffusers/models/autoencoder_tiny.py AutoencoderTiny.__init__ (0.21.4 defaults)
AutoencoderTinyConfig AutoencoderTinyConfig::from_json(const JsonConfig& c) {
    const std::string cls = c.get_string("_class_name", "AutoencoderTiny");
    if (cls != "AutoencoderTiny") fail(where(c) + ": \"_class_name\" is \"" + cls + "\", expected \"AutoencoderTiny\"");
    AutoencoderTinyConfig t;
    t.in_channels = c.get_int("in_channels", t.in_channels);
    t.out_channels = c.get_int("out_channels", t.out_channels);
    t.encoder_block_out_channels = c.get_int_list("encoder_block_out_channels", t.encoder_block_out_channels);
    t.decoder_block_out_channels = c.get_int_list("decoder_block_out_channels", t.decoder_block_out_channels);
    t.num_encoder_blocks = c.get_int_list("num_encoder_blocks", t.num_encoder_blocks);
    t.num_decoder_blocks = c.get_int_list("num_decoder_blocks", t.num_decoder_blocks);
    t.latent_channels = c.get_int("latent_channels", t.latent_channels);
    t.latent_magnitude = c.get_double("latent_magnitude", t.latent_magnitude);
    t.latent_shift = c.get_double("latent_shift", t.latent_shift);
    t.scaling_factor = c.get_double("scaling_factor", t.scaling_factor);
    t.upsampling_scaling_factor = c.get_int("upsampling_scaling_factor", t.upsampling_scaling_factor);
    const std::string act = c.get_string("act_fn", "relu");
    if (act != "relu") fail(where(c) + ": \"act_fn\" = \"" + act + "\" is not supported (expected \"relu\", as TAESD)");
    try {
        t.validate();
    } catch (const Error& e) {
        throw e.with_context(where(c));
    }
    return t;
}

void AutoencoderTinyConfig::validate() const {
    const auto check_side = [](const char* name, const std::vector<int64_t>& widths, const std::vector<int64_t>& blocks) {
        if (widths.empty() || widths.size() != blocks.size())
            fail(std::string("\"") + name + "_block_out_channels\" " + list_string(widths) + " and \"num_" + name +
                 "_blocks\" " + list_string(blocks) + " must be non-empty and of the same length");
        for (int64_t w : widths)
            if (w != widths[0] || w <= 0)
                fail(std::string("\"") + name + "_block_out_channels\" " + list_string(widths) +
                     " must repeat one positive width (each stage's first conv maps C to C)");
        for (int64_t b : blocks)
            if (b < 0) fail(std::string("\"num_") + name + "_blocks\" must not be negative");
    };
    check_side("encoder", encoder_block_out_channels, num_encoder_blocks);
    check_side("decoder", decoder_block_out_channels, num_decoder_blocks);
    if (in_channels <= 0 || out_channels <= 0 || latent_channels <= 0) fail("channel counts must be positive");
    if (upsampling_scaling_factor < 1) fail("\"upsampling_scaling_factor\" must be >= 1");
    if (!(latent_magnitude > 0)) fail("\"latent_magnitude\" must be positive");
    if (!(scaling_factor > 0)) fail("\"scaling_factor\" must be positive");
}

int64_t AutoencoderTinyConfig::downsampling_factor() const {
    int64_t f = 1;
    for (size_t i = 1; i < num_encoder_blocks.size(); ++i) f *= 2;
    return f;
}

namespace sd {

TinyBlockImpl::TinyBlockImpl(int64_t in, int64_t out, const at::TensorOptions& options) {
    // Registered under the reference's Sequential indices: conv.0, conv.2, conv.4.
    auto conv = register_module("conv", std::make_shared<torch::nn::Module>());
    conv0 = conv->register_module("0", Conv2d(in, out, 3, 1, 1, true, options));
    conv2 = conv->register_module("2", Conv2d(out, out, 3, 1, 1, true, options));
    conv4 = conv->register_module("4", Conv2d(out, out, 3, 1, 1, true, options));
    if (in != out) skip = register_module("skip", Conv2d(in, out, 1, 1, 0, false, options));
}

// Ref: AutoencoderTinyBlock.forward: fuse(conv(x) + skip(x)), fuse = ReLU
at::Tensor TinyBlockImpl::forward(const at::Tensor& x) const {
    at::Tensor h = at::relu(conv0->forward(x));
    h = at::relu(conv2->forward(h));
    h = conv4->forward(h);
    return at::relu(h + (skip ? skip->forward(x) : x));
}

void TinyLayersImpl::add_conv(int64_t in, int64_t out, int64_t stride, bool bias, const at::TensorOptions& options) {
    Layer l{Kind::conv};
    l.conv = register_module(std::to_string(layers_.size()), Conv2d(in, out, 3, stride, 1, bias, options));
    layers_.push_back(l);
}

void TinyLayersImpl::add_block(int64_t channels, const at::TensorOptions& options) {
    Layer l{Kind::block};
    l.block = register_module(std::to_string(layers_.size()), TinyBlock(channels, channels, options));
    layers_.push_back(l);
}

void TinyLayersImpl::add_relu() { layers_.push_back(Layer{Kind::relu}); }

void TinyLayersImpl::add_upsample(int64_t factor) {
    Layer l{Kind::upsample};
    l.factor = factor;
    layers_.push_back(l);
}

at::Tensor TinyLayersImpl::forward(at::Tensor x) const {
    for (const Layer& l : layers_) {
        switch (l.kind) {
            case Kind::conv: x = l.conv->forward(x); break;
            case Kind::block: x = l.block->forward(x); break;
            case Kind::relu: x = at::relu(x); break;
            case Kind::upsample:
                // Ref: nn.Upsample(scale_factor=f), mode "nearest"
                x = at::upsample_nearest2d(x, {x.size(2) * l.factor, x.size(3) * l.factor},
                                           static_cast<double>(l.factor), static_cast<double>(l.factor));
                break;
        }
    }
    return x;
}

}  // namespace sd

AutoencoderTinyImpl::AutoencoderTinyImpl(const AutoencoderTinyConfig& config, const at::TensorOptions& options)
    : config_(config) {
    config_.validate();
    const auto& c = config_;
    encoder = register_module("encoder", sd::TinyCoder());
    decoder = register_module("decoder", sd::TinyCoder());
    // Ref: diffusers/models/vae.py EncoderTiny.__init__
    auto& enc = *encoder->layers;
    for (size_t i = 0; i < c.num_encoder_blocks.size(); ++i) {
        const int64_t ch = c.encoder_block_out_channels[i];
        if (i == 0)
            enc.add_conv(c.in_channels, ch, 1, true, options);
        else
            enc.add_conv(ch, ch, 2, false, options);
        for (int64_t b = 0; b < c.num_encoder_blocks[i]; ++b) enc.add_block(ch, options);
    }
    enc.add_conv(c.encoder_block_out_channels.back(), c.latent_channels, 1, true, options);
    // Ref: diffusers/models/vae.py DecoderTiny.__init__
    auto& dec = *decoder->layers;
    dec.add_conv(c.latent_channels, c.decoder_block_out_channels[0], 1, true, options);
    dec.add_relu();
    for (size_t i = 0; i < c.num_decoder_blocks.size(); ++i) {
        const bool last = i + 1 == c.num_decoder_blocks.size();
        const int64_t ch = c.decoder_block_out_channels[i];
        for (int64_t b = 0; b < c.num_decoder_blocks[i]; ++b) dec.add_block(ch, options);
        if (!last) dec.add_upsample(c.upsampling_scaling_factor);
        dec.add_conv(ch, last ? c.out_channels : ch, 1, last, options);
    }
}

// Ref: EncoderTiny.forward: layers(x.add(1).div(2))
at::Tensor AutoencoderTinyImpl::encode(const at::Tensor& image) const {
    if (image.dim() != 4 || image.size(1) != config_.in_channels)
        fail("TAESD encode: image must be [N, " + std::to_string(config_.in_channels) + ", H, W], got " +
             sd::shape_string(image.sizes()));
    return encoder->layers->forward(image.add(1).div(2));
}

// Ref: DecoderTiny.forward: tanh(x / 3) * 3, layers, then x * 2 - 1
at::Tensor AutoencoderTinyImpl::decode(const at::Tensor& latents) const {
    if (latents.dim() != 4 || latents.size(1) != config_.latent_channels)
        fail("TAESD decode: latents must be [N, " + std::to_string(config_.latent_channels) + ", h, w], got " +
             sd::shape_string(latents.sizes()));
    const at::Tensor clamped = at::tanh(latents / 3) * 3;
    return decoder->layers->forward(clamped).mul(2).sub(1);
}

// Ref: AutoencoderTiny.scale_latents: [-3, 3] -> [0, 1]
at::Tensor AutoencoderTinyImpl::scale_latents(const at::Tensor& x) const {
    return x.div(2 * config_.latent_magnitude).add(config_.latent_shift).clamp(0, 1);
}

// Ref: AutoencoderTiny.unscale_latents
at::Tensor AutoencoderTinyImpl::unscale_latents(const at::Tensor& x) const {
    return x.sub(config_.latent_shift).mul(2 * config_.latent_magnitude);
}

// Ref: AutoencoderTiny.forward
at::Tensor AutoencoderTinyImpl::forward(const at::Tensor& image) const {
    const at::Tensor codes = scale_latents(encode(image)).mul(255).round().to(at::kByte);
    return decode(unscale_latents(codes / 255.0));
}

bool is_taesd_folder(const fs::path& folder) {
    std::error_code ec;
    if (!fs::is_regular_file(folder / "config.json", ec)) return false;
    try {
        return JsonConfig::load(folder / "config.json").get_string("_class_name", "") == "AutoencoderTiny";
    } catch (const Error&) {
        return false;
    }
}

AutoencoderTiny load_taesd(const fs::path& folder, const at::TensorOptions& options) {
    try {
        if (!fs::is_directory(folder)) fail("not a folder");
        const auto config = AutoencoderTinyConfig::from_json(JsonConfig::load(folder / "config.json"));
        const fs::path file = find_weight_file(folder);
        AutoencoderTiny taesd(config, options);
        const TensorMap weights = load_weights(file);
        LoadOptions lo;
        lo.what = "'" + file.string() + "'";
        load_state_dict(*taesd, weights, lo);
        taesd->eval();
        return taesd;
    } catch (const Error& e) {
        throw e.with_context("loading TAESD from '" + folder.string() + "'");
    }
}

}  // namespace pictor
