// The Stable Diffusion autoencoder (diffusers' AutoencoderKL, 0.21.4), configured from its
// config.json, with diffusers' parameter names (`encoder.down_blocks.0.resnets.0.conv1.weight`,
// `decoder.mid_block.attentions.0.to_q.weight`, `quant_conv.weight`, ...).
//
// Checkpoints written before diffusers 0.14 (the SD 1.x hub VAEs among them) name the mid-block
// attention `query`/`key`/`value`/`proj_attn`, and some conversions store those weights as
// [C, C, 1, 1]; `vae_current_name` (a LoadOptions::rename hook) and
// `vae_squeeze_attention_weights` map both to the current names and shapes.
//
// Reference: https://huggingface.co/runwayml/stable-diffusion-v1-5/blob/main/vae/config.json
//
// Failure contract: config parsing and encode/decode throw pictor::Error naming the key or the
// tensor and what was expected. Thread-safety: as torch::nn::Module (one call at a time).
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/TensorOptions.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/io/tensor_map.h"
#include "core/models/sd/attention.h"
#include "core/models/sd/resnet_block2d.h"
#include "core/models/sd/sd_layers.h"

namespace pictor {

class JsonConfig;

struct AutoencoderKLConfig {
    int64_t in_channels = 3;
    int64_t out_channels = 3;
    std::vector<std::string> down_block_types{4, "DownEncoderBlock2D"};
    std::vector<std::string> up_block_types{4, "UpDecoderBlock2D"};
    std::vector<int64_t> block_out_channels{128, 256, 512, 512};
    int64_t layers_per_block = 2;
    int64_t latent_channels = 4;
    int64_t norm_num_groups = 32;
    int64_t sample_size = 512;
    double scaling_factor = 0.18215;
    bool force_upcast = true;

    // runwayml/stable-diffusion-v1-5 vae/config.json (the SD 2.x VAE is the same).
    static AutoencoderKLConfig sd15();
    // "sd15" (alias "sd21"); throws pictor::Error listing the names.
    static AutoencoderKLConfig preset(std::string_view name);
    // diffusers 0.21.4 class defaults for missing keys; throws pictor::Error naming the key.
    static AutoencoderKLConfig from_json(const JsonConfig& config);
    void validate() const;
    bool operator==(const AutoencoderKLConfig&) const = default;
};

namespace sd {

// Ref: diffusers/models/unet_2d_blocks.py UNetMidBlock2D (one attention, temb None).
struct VaeMidBlockImpl : torch::nn::Module {
    VaeMidBlockImpl(int64_t channels, int64_t groups, const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& x) const;  // [N, C, H, W] -> same

    torch::nn::ModuleList resnets{nullptr}, attentions{nullptr};

private:
    ResnetBlock2D resnet0_{nullptr}, resnet1_{nullptr};
    Attention attention_{nullptr};
};
TORCH_MODULE(VaeMidBlock);

// Ref: diffusers/models/unet_2d_blocks.py DownEncoderBlock2D / UpDecoderBlock2D.
struct VaeBlockImpl : torch::nn::Module {
    VaeBlockImpl(int64_t in_channels, int64_t out_channels, int64_t num_layers, bool down, bool add_sampler,
                 int64_t groups, const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& x) const;  // [N, in, H, W] -> [N, out, H/2 | 2H, ...]

    torch::nn::ModuleList resnets{nullptr}, downsamplers{nullptr}, upsamplers{nullptr};

private:
    std::vector<ResnetBlock2D> resnets_;
    Downsample2D down_{nullptr};
    Upsample2D up_{nullptr};
};
TORCH_MODULE(VaeBlock);

// Ref: diffusers/models/vae.py Encoder (double_z).
struct VaeEncoderImpl : torch::nn::Module {
    VaeEncoderImpl(const AutoencoderKLConfig& c, const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& x) const;  // [N, in, H, W] -> [N, 2·latent, H/f, W/f]

    Conv2d conv_in{nullptr}, conv_out{nullptr};
    torch::nn::ModuleList down_blocks{nullptr};
    VaeMidBlock mid_block{nullptr};
    GroupNorm conv_norm_out{nullptr};

private:
    std::vector<VaeBlock> blocks_;
};
TORCH_MODULE(VaeEncoder);

// Ref: diffusers/models/vae.py Decoder (norm_type "group").
struct VaeDecoderImpl : torch::nn::Module {
    VaeDecoderImpl(const AutoencoderKLConfig& c, const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& z) const;  // [N, latent, h, w] -> [N, out, h·f, w·f]

    Conv2d conv_in{nullptr}, conv_out{nullptr};
    torch::nn::ModuleList up_blocks{nullptr};
    VaeMidBlock mid_block{nullptr};
    GroupNorm conv_norm_out{nullptr};

private:
    std::vector<VaeBlock> blocks_;
};
TORCH_MODULE(VaeDecoder);

}  // namespace sd

// The diagonal Gaussian posterior of an encoded image.
// Ref: diffusers/models/vae.py DiagonalGaussianDistribution.
struct LatentDistribution {
    at::Tensor mean;    // [N, latent, h, w]
    at::Tensor logvar;  // clamped to [-30, 20]
    at::Tensor std;     // exp(logvar / 2)
};

// Ref: diffusers/models/autoencoder_kl.py AutoencoderKL (no tiling / slicing).
struct AutoencoderKLImpl : torch::nn::Module {
    // Parameters allocated with `options`, uninitialised (see sd_layers.h).
    explicit AutoencoderKLImpl(const AutoencoderKLConfig& config,
                               const at::TensorOptions& options = at::TensorOptions().dtype(at::kFloat));

    // image: [N, in_channels, H, W] in [-1, 1], H and W multiples of the downsampling factor.
    LatentDistribution encode(const at::Tensor& image) const;
    // z: [N, latent_channels, h, w] raw latents (not divided by scaling_factor) -> [N, out, h·f, w·f]
    // in ≈[-1, 1], unclamped.
    at::Tensor decode(const at::Tensor& z) const;

    // Spatial factor between image and latents (8 for SD).
    int64_t downsampling_factor() const;
    const AutoencoderKLConfig& config() const { return config_; }

    sd::VaeEncoder encoder{nullptr};
    sd::VaeDecoder decoder{nullptr};
    sd::Conv2d quant_conv{nullptr}, post_quant_conv{nullptr};

private:
    AutoencoderKLConfig config_;
};
TORCH_MODULE(AutoencoderKL);

// The name of a VAE checkpoint tensor under the current diffusers names: the old mid-block
// attention names (`...attentions.0.query.weight` -> `to_q`, key -> to_k, value -> to_v,
// proj_attn -> to_out.0) are mapped, every other name is returned unchanged. For
// LoadOptions::rename.
std::string vae_current_name(const std::string& name);

// Reshapes 1×1-conv-shaped [C, C, 1, 1] mid-block attention weights (old or new names) to the
// [C, C] of a Linear, in place (a view, no copy).
void vae_squeeze_attention_weights(TensorMap& weights);

}  // namespace pictor
