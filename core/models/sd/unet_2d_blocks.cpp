#include "core/models/sd/unet_2d_blocks.h"

#include <ATen/ATen.h>

namespace pictor::sd {

namespace {

TransformerOptions transformer_for(const UNetBlockOptions& o, int64_t channels) {
    TransformerOptions t = o.transformer;
    // diffusers: Transformer2DModel(num_attention_heads, out_channels // num_attention_heads, ...)
    t.dim_head = channels / t.heads;
    t.in_channels = channels;
    t.norm_num_groups = o.groups;
    return t;
}

}  // namespace

UNetDownBlockImpl::UNetDownBlockImpl(const UNetBlockOptions& o, const at::TensorOptions& options) {
    resnets = register_module("resnets", torch::nn::ModuleList());
    if (o.cross_attention) attentions = register_module("attentions", torch::nn::ModuleList());
    for (int64_t i = 0; i < o.num_layers; ++i) {
        resnets_.push_back(ResnetBlock2D(i == 0 ? o.in_channels : o.out_channels, o.out_channels, o.temb_channels,
                                         o.groups, o.eps, 1.0, options));
        resnets->push_back(resnets_.back());
        if (o.cross_attention) {
            attentions_.push_back(Transformer2DModel(transformer_for(o, o.out_channels), options));
            attentions->push_back(attentions_.back());
        }
    }
    if (o.add_sampler) {
        downsampler_ = Downsample2D(o.out_channels, o.downsample_padding, options);
        downsamplers = register_module("downsamplers", torch::nn::ModuleList(downsampler_));
    }
}

// Ref: diffusers/models/unet_2d_blocks.py CrossAttnDownBlock2D.forward / DownBlock2D.forward
at::Tensor UNetDownBlockImpl::forward(const at::Tensor& x, const at::Tensor& temb, const at::Tensor& context,
                                      std::vector<at::Tensor>& skips) const {
    at::Tensor h = x;
    for (size_t i = 0; i < resnets_.size(); ++i) {
        h = resnets_[i]->forward(h, temb);
        if (!attentions_.empty()) h = attentions_[i]->forward(h, context);
        skips.push_back(h);
    }
    if (downsampler_) {
        h = downsampler_->forward(h);
        skips.push_back(h);
    }
    return h;
}

UNetMidBlockImpl::UNetMidBlockImpl(const UNetBlockOptions& o, double output_scale_factor,
                                   const at::TensorOptions& options) {
    const int64_t c = o.in_channels;
    resnets = register_module("resnets", torch::nn::ModuleList());
    attentions = register_module("attentions", torch::nn::ModuleList());
    resnets_.push_back(ResnetBlock2D(c, c, o.temb_channels, o.groups, o.eps, output_scale_factor, options));
    resnets->push_back(resnets_.back());
    for (int64_t i = 0; i < o.num_layers; ++i) {
        attentions_.push_back(Transformer2DModel(transformer_for(o, c), options));
        attentions->push_back(attentions_.back());
        resnets_.push_back(ResnetBlock2D(c, c, o.temb_channels, o.groups, o.eps, output_scale_factor, options));
        resnets->push_back(resnets_.back());
    }
}

// Ref: diffusers/models/unet_2d_blocks.py UNetMidBlock2DCrossAttn.forward
at::Tensor UNetMidBlockImpl::forward(const at::Tensor& x, const at::Tensor& temb, const at::Tensor& context) const {
    at::Tensor h = resnets_[0]->forward(x, temb);
    for (size_t i = 0; i < attentions_.size(); ++i) {
        h = attentions_[i]->forward(h, context);
        h = resnets_[i + 1]->forward(h, temb);
    }
    return h;
}

UNetUpBlockImpl::UNetUpBlockImpl(const UNetBlockOptions& o, const at::TensorOptions& options) {
    resnets = register_module("resnets", torch::nn::ModuleList());
    if (o.cross_attention) attentions = register_module("attentions", torch::nn::ModuleList());
    for (int64_t i = 0; i < o.num_layers; ++i) {
        const int64_t skip_channels = i == o.num_layers - 1 ? o.in_channels : o.out_channels;
        const int64_t resnet_in = i == 0 ? o.prev_output_channels : o.out_channels;
        resnets_.push_back(ResnetBlock2D(resnet_in + skip_channels, o.out_channels, o.temb_channels, o.groups, o.eps,
                                         1.0, options));
        resnets->push_back(resnets_.back());
        if (o.cross_attention) {
            attentions_.push_back(Transformer2DModel(transformer_for(o, o.out_channels), options));
            attentions->push_back(attentions_.back());
        }
    }
    if (o.add_sampler) {
        upsampler_ = Upsample2D(o.out_channels, options);
        upsamplers = register_module("upsamplers", torch::nn::ModuleList(upsampler_));
    }
}

// Ref: diffusers/models/unet_2d_blocks.py CrossAttnUpBlock2D.forward / UpBlock2D.forward
at::Tensor UNetUpBlockImpl::forward(const at::Tensor& x, const at::Tensor& temb, const at::Tensor& context,
                                    std::vector<at::Tensor>& skips) const {
    at::Tensor h = x;
    for (size_t i = 0; i < resnets_.size(); ++i) {
        TORCH_CHECK(!skips.empty(), "UNet up block: no skip connection left");
        at::Tensor skip = std::move(skips.back());
        skips.pop_back();
        h = at::cat({h, skip}, 1);
        skip.reset();  // free the skip activation as soon as it is consumed
        h = resnets_[i]->forward(h, temb);
        if (!attentions_.empty()) h = attentions_[i]->forward(h, context);
    }
    if (upsampler_) {
        // diffusers passes the next skip's size when the input is not a multiple of the total
        // upsampling factor; for the other sizes that equals nearest ×2.
        std::optional<std::pair<int64_t, int64_t>> size;
        if (!skips.empty()) size = std::make_pair(skips.back().size(2), skips.back().size(3));
        h = upsampler_->forward(h, size);
    }
    return h;
}

}  // namespace pictor::sd
