#include "core/models/sd/resnet_block2d.h"

#include <ATen/ATen.h>

namespace pictor::sd {

ResnetBlock2DImpl::ResnetBlock2DImpl(int64_t in_channels, int64_t out_channels, int64_t temb_channels, int64_t groups,
                                     double eps, double scale, const at::TensorOptions& options)
    : norm1(register_module("norm1", GroupNorm(groups, in_channels, eps, options))),
      conv1(register_module("conv1", Conv2d(in_channels, out_channels, 3, 1, 1, true, options))),
      output_scale_factor(scale) {
    if (temb_channels > 0)
        time_emb_proj = register_module("time_emb_proj", Linear(temb_channels, out_channels, true, options));
    norm2 = register_module("norm2", GroupNorm(groups, out_channels, eps, options));
    conv2 = register_module("conv2", Conv2d(out_channels, out_channels, 3, 1, 1, true, options));
    if (in_channels != out_channels)
        conv_shortcut = register_module("conv_shortcut", Conv2d(in_channels, out_channels, 1, 1, 0, true, options));
}

// Ref: diffusers/models/resnet.py ResnetBlock2D.forward
at::Tensor ResnetBlock2DImpl::forward(const at::Tensor& x, const at::Tensor& temb) const {
    // Every in-place op below acts on a tensor created inside this function, never on `x`.
    at::Tensor h = norm1->forward(x);
    at::silu_(h);
    h = conv1->forward(h);
    if (time_emb_proj && temb.defined()) {
        const at::Tensor t = time_emb_proj->forward(at::silu(temb));  // [N, out]
        h.add_(t.unsqueeze(-1).unsqueeze(-1));
    }
    h = norm2->forward(h);
    at::silu_(h);
    h = conv2->forward(h);
    if (conv_shortcut) {
        h.add_(conv_shortcut->forward(x));
    } else {
        h.add_(x);
    }
    if (output_scale_factor != 1.0) h.div_(output_scale_factor);
    return h;
}

Downsample2DImpl::Downsample2DImpl(int64_t channels, int64_t padding_, const at::TensorOptions& options)
    : conv(register_module("conv", Conv2d(channels, channels, 3, 2, padding_, true, options))), padding(padding_) {}

// Ref: diffusers/models/resnet.py Downsample2D.forward
at::Tensor Downsample2DImpl::forward(const at::Tensor& x) const {
    if (padding == 0) return conv->forward(at::constant_pad_nd(x, {0, 1, 0, 1}, 0));
    return conv->forward(x);
}

Upsample2DImpl::Upsample2DImpl(int64_t channels, const at::TensorOptions& options)
    : conv(register_module("conv", Conv2d(channels, channels, 3, 1, 1, true, options))) {}

// Ref: diffusers/models/resnet.py Upsample2D.forward
at::Tensor Upsample2DImpl::forward(const at::Tensor& x, std::optional<std::pair<int64_t, int64_t>> output_size) const {
    at::Tensor up;
    if (output_size) {
        up = at::upsample_nearest2d(x, {output_size->first, output_size->second});
    } else {
        up = at::upsample_nearest2d(x, {x.size(2) * 2, x.size(3) * 2}, 2.0, 2.0);
    }
    return conv->forward(up);
}

}  // namespace pictor::sd
