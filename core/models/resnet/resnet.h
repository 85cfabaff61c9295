// torchvision's ResNet family (ResNet18/34/50/101/152, ResNeXt/wide variants through groups and
// width_per_group) with torchvision's parameter names, so `named_parameters()` + `named_buffers()`
// equal the reference state_dict keys (`conv1.weight`, `layer1.0.bn1.running_mean`,
// `layer2.0.downsample.0.weight`, `fc.bias`, ...).
//
// Ref: torchvision/models/resnet.py (v0.14.1): BasicBlock, Bottleneck, ResNet.
// Published weights: https://download.pytorch.org/models/resnet18-f37072fd.pth (IMAGENET1K_V1),
// resnet50-11ad3fa6.pth (IMAGENET1K_V2).
//
// Failure contract: constructors throw pictor::Error for an invalid config; `load_resnet` /
// `resnet_from_weights` throw pictor::Error naming the file / tensor and what was expected.
// Thread-safety: a module is not thread-safe; run one forward at a time per instance (or use
// `clone()`), as with any torch::nn::Module.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/io/tensor_map.h"

namespace pictor {

enum class ResNetBlock { basic, bottleneck };

// The architecture. Named presets equal torchvision's constructors (resnet18() ... resnet152()).
struct ResNetConfig {
    ResNetBlock block = ResNetBlock::basic;
    std::array<int, 4> layers{2, 2, 2, 2};  // blocks per stage (layer1..layer4)
    int num_classes = 1000;
    int groups = 1;            // ResNeXt cardinality (Bottleneck only)
    int width_per_group = 64;  // 128 for wide_resnet (Bottleneck only)

    static ResNetConfig resnet18();
    static ResNetConfig resnet34();
    static ResNetConfig resnet50();
    static ResNetConfig resnet101();
    static ResNetConfig resnet152();
    // "resnet18" ... "resnet152" (case-insensitive); throws pictor::Error listing the names.
    static ResNetConfig preset(std::string_view name);
    // The architecture implied by a torchvision state_dict: block type from `layer1.0.conv3`,
    // blocks per stage from the highest `layerN.i.` index, classes from `fc.weight`, groups and
    // width from the first Bottleneck's conv shapes. Throws pictor::Error if the keys are not a
    // torchvision ResNet's.
    static ResNetConfig from_weights(const TensorMap& weights);

    int expansion() const { return block == ResNetBlock::basic ? 1 : 4; }
    // Size of the pooled features fed to `fc` (512 for Basic, 2048 for Bottleneck).
    int feature_dim() const { return 512 * expansion(); }
    // "resnet50" when the config equals a preset, else e.g. "resnet(bottleneck,[1,1,1,1],c10)".
    std::string name() const;
    // Throws pictor::Error when a field is out of range.
    void validate() const;
    bool operator==(const ResNetConfig&) const = default;
};

// Ref: torchvision/models/resnet.py BasicBlock (expansion 1).
struct BasicBlockImpl : torch::nn::Module {
    BasicBlockImpl(int64_t inplanes, int64_t planes, int64_t stride, bool with_downsample);
    torch::Tensor forward(torch::Tensor x);  // [N, inplanes, H, W] -> [N, planes, H/stride, W/stride]

    torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
    torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
    torch::nn::Sequential downsample{nullptr};  // registered only when present (conv1x1 + BN)
};
TORCH_MODULE(BasicBlock);

// Ref: torchvision/models/resnet.py Bottleneck (expansion 4, stride on the 3x3 conv: "V1.5").
struct BottleneckImpl : torch::nn::Module {
    BottleneckImpl(int64_t inplanes, int64_t planes, int64_t stride, bool with_downsample, int64_t groups,
                   int64_t base_width);
    torch::Tensor forward(torch::Tensor x);  // [N, inplanes, H, W] -> [N, 4*planes, H/stride, W/stride]

    torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
    torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
    torch::nn::Sequential downsample{nullptr};
};
TORCH_MODULE(Bottleneck);

// Ref: torchvision/models/resnet.py ResNet. With `init_weights`, weights are initialised as
// torchvision does (Kaiming-normal fan_out convs, BN weight 1 / bias 0, PyTorch's default Linear
// init), so a preset with random weights is a realistic benchmark subject; without, they keep
// LibTorch's default init (cheaper when a checkpoint overwrites them anyway).
struct ResNetImpl : torch::nn::Module {
    explicit ResNetImpl(const ResNetConfig& config, bool init_weights = true);

    // x: [N, 3, H, W] normalised RGB -> logits [N, num_classes].
    torch::Tensor forward(torch::Tensor x);
    // x: [N, 3, H, W] -> pooled, flattened features [N, feature_dim] (the input of `fc`).
    torch::Tensor features(torch::Tensor x);

    // Replaces the classifier head (e.g. Linear(512, 2) for transfer learning). The new head
    // must take `config().feature_dim()` inputs; `config().num_classes` follows its outputs.
    void replace_fc(torch::nn::Linear new_fc);

    // Stores the 4-D weights channels-last (NHWC) and feeds the convolutions NHWC activations:
    // oneDNN's native layout on CPU, so no reorder per convolution. Same numbers either way.
    void to_channels_last();
    bool channels_last() const { return channels_last_; }

    const ResNetConfig& config() const { return config_; }

    torch::nn::Conv2d conv1{nullptr};
    torch::nn::BatchNorm2d bn1{nullptr};
    torch::nn::Sequential layer1{nullptr}, layer2{nullptr}, layer3{nullptr}, layer4{nullptr};
    torch::nn::Linear fc{nullptr};

  private:
    ResNetConfig config_;
    bool channels_last_ = false;
};
TORCH_MODULE(ResNet);

// Eval-mode inference of a ResNet with each BatchNorm folded into the convolution before it
// (w' = w * g / sqrt(var + eps), b' = beta - mean * g / sqrt(var + eps)) and the weights stored
// channels-last: one pass over memory per convolution instead of three, and oneDNN's native
// layout. A snapshot of the model's weights at construction (rebuild it after changing them);
// results equal `model.forward` in eval mode up to float rounding (~1e-6 relative).
// Thread-safety: forward() is const and safe to call from several threads.
class ResNetInference {
  public:
    explicit ResNetInference(ResNetImpl& model, bool channels_last = true);
    at::Tensor forward(const at::Tensor& x) const;   // [N, 3, H, W] -> [N, num_classes]
    at::Tensor features(const at::Tensor& x) const;  // [N, 3, H, W] -> [N, feature_dim]
    const ResNetConfig& config() const { return config_; }

  private:
    struct Conv {
        at::Tensor weight, bias;
        int64_t stride = 1, padding = 0, groups = 1;
        at::Tensor operator()(const at::Tensor& x) const;
    };
    struct Block {
        std::vector<Conv> convs;  // 2 (Basic) or 3 (Bottleneck), ReLU after all but the last
        std::optional<Conv> downsample;
    };
    ResNetConfig config_;
    bool channels_last_;
    Conv stem_;
    std::vector<Block> blocks_;
    at::Tensor fc_weight_, fc_bias_;
};

// Builds a ResNet for a torchvision state_dict (architecture from `config`, else inferred from
// the weights), loads it strictly (missing `*.num_batches_tracked` allowed: old checkpoints),
// upcasting F16/BF16 to F32, and puts it in eval mode. Throws pictor::Error listing every
// missing / unexpected / wrong-shape tensor.
ResNet resnet_from_weights(const TensorMap& weights, std::optional<ResNetConfig> config = std::nullopt);

// load_weights(path) (.pth through the restricted unpickler, .safetensors, ...) +
// resnet_from_weights. Errors carry "loading ResNet from <path>".
ResNet load_resnet(const std::filesystem::path& path, std::optional<ResNetConfig> config = std::nullopt);

// The weight file a user's reference names: a preset name ("resnet50") means torchvision's
// default weights for it in the torch hub cache (resnet18-f37072fd.pth, resnet34-b627a593.pth,
// resnet50-11ad3fa6.pth, resnet101-cd907fc2.pth, resnet152-f82ba261.pth); anything else goes
// through resolve_model_ref (a file, a folder with a weight file, an HF repo id, a .pth name in
// the torch hub cache). Throws pictor::Error saying where it looked.
std::filesystem::path resolve_resnet_weights(const std::string& reference);

// A torchvision ResNet state_dict's names in state_dict order (parameters, then buffers, per
// module, depth first), with their tensors: what torch.save(model.state_dict()) would hold.
std::vector<std::pair<std::string, torch::Tensor>> resnet_state_dict(ResNetImpl& model);

}  // namespace pictor
