// The tiny autoencoder TAESD (diffusers' AutoencoderTiny, 0.21.4; madebyollin/taesd), configured
// from its config.json, with diffusers' parameter names (`encoder.layers.<i>.…`,
// `decoder.layers.<i>.conv.<j>.…`: indices of one nn.Sequential, so layers without tensors take
// an index too).
//
// It decodes SD latents ~15× cheaper than AutoencoderKL, which makes it the decoder of few-step
// CPU generation and of live previews. Unlike AutoencoderKL it works on the UNet's latents
// directly (its scaling_factor is 1.0), its decoder soft-clamps the latents (tanh(z/3)·3) and its
// encoder returns latents, not a distribution.
//
// Failure contract: config parsing and encode/decode throw pictor::Error naming the key or the
// tensor shape and what was expected. Thread-safety: as torch::nn::Module (one call at a time).
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/ScalarType.h>
#include <c10/core/TensorOptions.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/models/sd/sd_layers.h"

namespace pictor {

class JsonConfig;

struct AutoencoderTinyConfig {
    int64_t in_channels = 3;
    int64_t out_channels = 3;
    std::vector<int64_t> encoder_block_out_channels{64, 64, 64, 64};
    std::vector<int64_t> decoder_block_out_channels{64, 64, 64, 64};
    std::vector<int64_t> num_encoder_blocks{1, 3, 3, 3};
    std::vector<int64_t> num_decoder_blocks{3, 3, 3, 1};
    int64_t latent_channels = 4;
    double latent_magnitude = 3;
    double latent_shift = 0.5;
    double scaling_factor = 1.0;
    int64_t upsampling_scaling_factor = 2;

    // diffusers 0.21.4 AutoencoderTiny defaults for missing keys (= madebyollin/taesd); throws
    // pictor::Error naming the key for a wrong type or an unsupported value (act_fn other than
    // relu, mixed block widths: 0.21.4 cannot build those either).
    static AutoencoderTinyConfig from_json(const JsonConfig& config);
    void validate() const;
    // Latent pixels per image pixel along one side (8 for the SD layout).
    int64_t downsampling_factor() const;
};

namespace sd {

// Ref: diffusers/models/unet_2d_blocks.py AutoencoderTinyBlock: three 3×3 convs with ReLU between
// (`conv.0`, `conv.2`, `conv.4`), a 1×1 `skip` conv when the widths differ, ReLU(conv(x) + skip(x)).
struct TinyBlockImpl : torch::nn::Module {
    TinyBlockImpl(int64_t in_channels, int64_t out_channels, const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& x) const;

    Conv2d conv0{nullptr}, conv2{nullptr}, conv4{nullptr}, skip{nullptr};
};
TORCH_MODULE(TinyBlock);

// One nn.Sequential of TAESD (encoder or decoder): convs, blocks, ReLUs and nearest upsamplers in
// order, each at its own index.
struct TinyLayersImpl : torch::nn::Module {
    // Appenders; each takes the next index.
    void add_conv(int64_t in, int64_t out, int64_t stride, bool bias, const at::TensorOptions& options);
    void add_block(int64_t channels, const at::TensorOptions& options);
    void add_relu();
    void add_upsample(int64_t factor);
    at::Tensor forward(at::Tensor x) const;
    // The dtype of the first conv's weight (every Sequential here starts with a conv).
    c10::ScalarType dtype() const { return layers_.front().conv->weight.scalar_type(); }

private:
    enum class Kind { conv, block, relu, upsample };
    struct Layer {
        Kind kind;
        Conv2d conv{nullptr};
        TinyBlock block{nullptr};
        int64_t factor = 0;
    };
    std::vector<Layer> layers_;
};
TORCH_MODULE(TinyLayers);

// Ref: diffusers/models/vae.py EncoderTiny / DecoderTiny (the `layers` Sequential).
struct TinyCoderImpl : torch::nn::Module {
    TinyCoderImpl() : layers(register_module("layers", TinyLayers())) {}
    TinyLayers layers;
};
TORCH_MODULE(TinyCoder);

}  // namespace sd

// Ref: diffusers/models/autoencoder_tiny.py AutoencoderTiny (0.21.4).
struct AutoencoderTinyImpl : torch::nn::Module {
    // Parameters are allocated with `options` and left uninitialised: load weights (load_taesd)
    // or call sd::randomize_parameters.
    explicit AutoencoderTinyImpl(const AutoencoderTinyConfig& config,
                                 const at::TensorOptions& options = at::TensorOptions().dtype(at::kFloat));

    // Ref: AutoencoderTiny.encode / EncoderTiny.forward: image [N, 3, H, W] in [-1, 1] -> raw
    // latents [N, 4, ceil(H/8), ceil(W/8)] (no scaling, no clamp).
    at::Tensor encode(const at::Tensor& image) const;
    // Ref: AutoencoderTiny.decode / DecoderTiny.forward: latents [N, 4, h, w] -> image
    // [N, 3, 8h, 8w], ≈[-1, 1], not clamped.
    at::Tensor decode(const at::Tensor& latents) const;
    // Ref: AutoencoderTiny.scale_latents / unscale_latents (for 8-bit latent storage).
    at::Tensor scale_latents(const at::Tensor& latents) const;
    at::Tensor unscale_latents(const at::Tensor& scaled) const;
    // Ref: AutoencoderTiny.forward: decode(unscale(round(scale(encode(x)) * 255) / 255)).
    at::Tensor forward(const at::Tensor& image) const;

    const AutoencoderTinyConfig& config() const { return config_; }
    // The dtype of its weights (inputs are converted to it); follows to().
    c10::ScalarType dtype() const { return decoder->layers->dtype(); }

    sd::TinyCoder encoder{nullptr}, decoder{nullptr};

private:
    AutoencoderTinyConfig config_;
};
TORCH_MODULE(AutoencoderTiny);

// Whether `folder` holds a diffusers AutoencoderTiny (config.json with that _class_name).
bool is_taesd_folder(const std::filesystem::path& folder);

// Loads a diffusers AutoencoderTiny folder (config.json + diffusion_pytorch_model.safetensors,
// e.g. madebyollin/taesd). Throws pictor::Error "loading TAESD from '<folder>': ..." naming the
// missing file, the config key or the tensors that do not match.
AutoencoderTiny load_taesd(const std::filesystem::path& folder,
                           const at::TensorOptions& options = at::TensorOptions().dtype(at::kFloat));

}  // namespace pictor
