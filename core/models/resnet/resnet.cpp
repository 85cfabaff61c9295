#include "core/models/resnet/resnet.h"

#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/pooling.h>
#include <torch/nn/init.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <regex>
#include <sstream>

#include "core/io/model_ref.h"
#include "core/io/state_dict.h"
#include "core/util/error.h"

namespace pictor {

namespace F = torch::nn::functional;

// ---------------------------------------------------------------------------------------------
// Config

ResNetConfig ResNetConfig::resnet18() { return {ResNetBlock::basic, {2, 2, 2, 2}}; }
ResNetConfig ResNetConfig::resnet34() { return {ResNetBlock::basic, {3, 4, 6, 3}}; }
ResNetConfig ResNetConfig::resnet50() { return {ResNetBlock::bottleneck, {3, 4, 6, 3}}; }
ResNetConfig ResNetConfig::resnet101() { return {ResNetBlock::bottleneck, {3, 4, 23, 3}}; }
ResNetConfig ResNetConfig::resnet152() { return {ResNetBlock::bottleneck, {3, 8, 36, 3}}; }

namespace {

const std::vector<std::pair<std::string, ResNetConfig (*)()>>& presets() {
    static const std::vector<std::pair<std::string, ResNetConfig (*)()>> list{
        {"resnet18", &ResNetConfig::resnet18},   {"resnet34", &ResNetConfig::resnet34},
        {"resnet50", &ResNetConfig::resnet50},   {"resnet101", &ResNetConfig::resnet101},
        {"resnet152", &ResNetConfig::resnet152},
    };
    return list;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

std::string shape_string(const at::Tensor& t) {
    std::ostringstream os;
    os << t.sizes();
    return os.str();
}

const at::Tensor& require_tensor(const TensorMap& weights, const std::string& name, int64_t dim) {
    const auto it = weights.find(name);
    if (it == weights.end()) fail("not a torchvision ResNet state_dict: tensor '" + name + "' is missing");
    if (it->second.dim() != dim) {
        fail("tensor '" + name + "' has shape " + shape_string(it->second) + ", expected " +
             std::to_string(dim) + " dimensions");
    }
    return it->second;
}

}  // namespace

ResNetConfig ResNetConfig::preset(std::string_view name) {
    const std::string key = lower(name);
    std::string known;
    for (const auto& [preset_name, make] : presets()) {
        if (preset_name == key) return make();
        known += (known.empty() ? "" : ", ") + preset_name;
    }
    fail("unknown ResNet preset '" + std::string(name) + "' (known: " + known + ")");
}

std::string ResNetConfig::name() const {
    for (const auto& [preset_name, make] : presets()) {
        ResNetConfig preset = make();
        preset.num_classes = num_classes;
        if (preset == *this)
            return num_classes == 1000 ? preset_name : preset_name + "_c" + std::to_string(num_classes);
    }
    std::ostringstream os;
    os << "resnet(" << (block == ResNetBlock::basic ? "basic" : "bottleneck") << ",[" << layers[0] << ","
       << layers[1] << "," << layers[2] << "," << layers[3] << "],c" << num_classes;
    if (groups != 1 || width_per_group != 64) os << ",g" << groups << "x" << width_per_group;
    os << ")";
    return os.str();
}

void ResNetConfig::validate() const {
    for (int i = 0; i < 4; ++i) {
        if (layers[i] < 1 || layers[i] > 1000) {
            fail("ResNet config: layer" + std::to_string(i + 1) + " must have 1..1000 blocks, got " +
                 std::to_string(layers[i]));
        }
    }
    if (num_classes < 1)
        fail("ResNet config: num_classes must be positive, got " + std::to_string(num_classes));
    if (groups < 1 || width_per_group < 1) fail("ResNet config: groups and width_per_group must be positive");
    if (block == ResNetBlock::basic && (groups != 1 || width_per_group != 64)) {
        // torchvision: "BasicBlock only supports groups=1 and base_width=64".
        fail("ResNet config: BasicBlock only supports groups=1 and width_per_group=64");
    }
}

ResNetConfig ResNetConfig::from_weights(const TensorMap& weights) {
    ResNetConfig config;
    config.block = weights.count("layer1.0.conv3.weight") ? ResNetBlock::bottleneck : ResNetBlock::basic;
    static const std::regex block_key(R"(^layer([1-4])\.(\d+)\.)");
    std::array<int, 4> max_index{-1, -1, -1, -1};
    for (const auto& [name, tensor] : weights) {
        std::smatch m;
        if (std::regex_search(name, m, block_key)) {
            const int stage = std::stoi(m[1].str()) - 1;
            const int index = static_cast<int>(std::min<long>(std::stol(m[2].str()), 100000));
            max_index[stage] = std::max(max_index[stage], index);
        }
    }
    for (int i = 0; i < 4; ++i) {
        if (max_index[i] < 0) {
            fail("not a torchvision ResNet state_dict: no 'layer" + std::to_string(i + 1) + ".0.*' tensors");
        }
        config.layers[i] = max_index[i] + 1;
    }
    const at::Tensor& fc = require_tensor(weights, "fc.weight", 2);
    config.num_classes = static_cast<int>(fc.size(0));
    if (config.block == ResNetBlock::bottleneck) {
        // width = planes * (width_per_group / 64) * groups with planes = 64 in layer1;
        // conv2 is grouped: [width, width / groups, 3, 3].
        const at::Tensor& c1 = require_tensor(weights, "layer1.0.conv1.weight", 4);
        const at::Tensor& c2 = require_tensor(weights, "layer1.0.conv2.weight", 4);
        const int64_t width = c1.size(0);
        if (c2.size(1) < 1 || width % c2.size(1) != 0) {
            fail("tensor 'layer1.0.conv2.weight' has shape " + shape_string(c2) +
                 ", inconsistent with width " + std::to_string(width));
        }
        config.groups = static_cast<int>(width / c2.size(1));
        config.width_per_group = static_cast<int>(width / config.groups);
    }
    config.validate();
    return config;
}

// ---------------------------------------------------------------------------------------------
// Modules

namespace {

torch::nn::Conv2d conv3x3(int64_t in, int64_t out, int64_t stride = 1, int64_t groups = 1) {
    return torch::nn::Conv2d(
        torch::nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).groups(groups).bias(false));
}

torch::nn::Conv2d conv1x1(int64_t in, int64_t out, int64_t stride = 1) {
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 1).stride(stride).bias(false));
}

torch::nn::Sequential make_downsample(int64_t in, int64_t out, int64_t stride) {
    return torch::nn::Sequential(conv1x1(in, out, stride), torch::nn::BatchNorm2d(out));
}

}  // namespace

// Registration order = torchvision's attribute order, so the state_dict order matches too.
BasicBlockImpl::BasicBlockImpl(int64_t inplanes, int64_t planes, int64_t stride, bool with_downsample) {
    conv1 = register_module("conv1", conv3x3(inplanes, planes, stride));
    bn1 = register_module("bn1", torch::nn::BatchNorm2d(planes));
    conv2 = register_module("conv2", conv3x3(planes, planes));
    bn2 = register_module("bn2", torch::nn::BatchNorm2d(planes));
    if (with_downsample)
        downsample = register_module("downsample", make_downsample(inplanes, planes, stride));
}

// Ref: torchvision/models/resnet.py BasicBlock.forward
torch::Tensor BasicBlockImpl::forward(torch::Tensor x) {
    torch::Tensor out = bn1(conv1(x)).relu_();  // [N, planes, H/s, W/s]
    out = bn2(conv2(out));
    const torch::Tensor identity = downsample ? downsample->forward(x) : x;
    return out.add_(identity).relu_();
}

BottleneckImpl::BottleneckImpl(int64_t inplanes, int64_t planes, int64_t stride, bool with_downsample,
                               int64_t groups, int64_t base_width) {
    const int64_t width = planes * base_width / 64 * groups;
    conv1 = register_module("conv1", conv1x1(inplanes, width));
    bn1 = register_module("bn1", torch::nn::BatchNorm2d(width));
    conv2 = register_module("conv2", conv3x3(width, width, stride, groups));
    bn2 = register_module("bn2", torch::nn::BatchNorm2d(width));
    conv3 = register_module("conv3", conv1x1(width, planes * 4));
    bn3 = register_module("bn3", torch::nn::BatchNorm2d(planes * 4));
    if (with_downsample)
        downsample = register_module("downsample", make_downsample(inplanes, planes * 4, stride));
}

// Ref: torchvision/models/resnet.py Bottleneck.forward
torch::Tensor BottleneckImpl::forward(torch::Tensor x) {
    torch::Tensor out = bn1(conv1(x)).relu_();  // [N, width, H, W]
    out = bn2(conv2(out)).relu_();              // [N, width, H/s, W/s]
    out = bn3(conv3(out));                      // [N, 4*planes, H/s, W/s]
    const torch::Tensor identity = downsample ? downsample->forward(x) : x;
    return out.add_(identity).relu_();
}

// Ref: torchvision/models/resnet.py ResNet.__init__ / _make_layer
ResNetImpl::ResNetImpl(const ResNetConfig& config, bool init_weights) : config_(config) {
    config_.validate();
    conv1 = register_module(
        "conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 64, 7).stride(2).padding(3).bias(false)));
    bn1 = register_module("bn1", torch::nn::BatchNorm2d(64));

    int64_t inplanes = 64;
    auto make_layer = [&](int64_t planes, int blocks, int64_t stride) {
        torch::nn::Sequential layer;
        const int64_t expansion = config_.expansion();
        for (int i = 0; i < blocks; ++i) {
            const int64_t s = i == 0 ? stride : 1;
            const bool down = i == 0 && (stride != 1 || inplanes != planes * expansion);
            if (config_.block == ResNetBlock::basic) {
                layer->push_back(BasicBlock(inplanes, planes, s, down));
            } else {
                layer->push_back(
                    Bottleneck(inplanes, planes, s, down, config_.groups, config_.width_per_group));
            }
            inplanes = planes * expansion;
        }
        return layer;
    };
    layer1 = register_module("layer1", make_layer(64, config_.layers[0], 1));
    layer2 = register_module("layer2", make_layer(128, config_.layers[1], 2));
    layer3 = register_module("layer3", make_layer(256, config_.layers[2], 2));
    layer4 = register_module("layer4", make_layer(512, config_.layers[3], 2));
    fc = register_module("fc", torch::nn::Linear(config_.feature_dim(), config_.num_classes));

    if (!init_weights) return;
    // Ref: torchvision ResNet.__init__ weight init (zero_init_residual=False).
    torch::NoGradGuard no_grad;
    for (auto& module : modules(/*include_self=*/false)) {
        if (auto* conv = module->as<torch::nn::Conv2d>()) {
            torch::nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
        } else if (auto* bn = module->as<torch::nn::BatchNorm2d>()) {
            torch::nn::init::ones_(bn->weight);
            torch::nn::init::zeros_(bn->bias);
        }
    }
}

// Ref: torchvision/models/resnet.py ResNet._forward_impl (up to the flatten)
torch::Tensor ResNetImpl::features(torch::Tensor x) {
    if (x.dim() != 4 || x.size(1) != 3) {
        fail("ResNet input must be [N, 3, H, W], got " + shape_string(x));
    }
    if (channels_last_) x = x.contiguous(at::MemoryFormat::ChannelsLast);
    x = bn1(conv1(x)).relu_();                                               // [N, 64, H/2, W/2]
    x = F::max_pool2d(x, F::MaxPool2dFuncOptions(3).stride(2).padding(1));   // [N, 64, H/4, W/4]
    x = layer1->forward(x);                                                  // [N, 64e, H/4, W/4]
    x = layer2->forward(x);                                                  // [N, 128e, H/8, W/8]
    x = layer3->forward(x);                                                  // [N, 256e, H/16, W/16]
    x = layer4->forward(x);                                                  // [N, 512e, H/32, W/32]
    x = F::adaptive_avg_pool2d(x, F::AdaptiveAvgPool2dFuncOptions({1, 1}));  // [N, 512e, 1, 1]
    return torch::flatten(x, 1);                                             // [N, 512e]
}

torch::Tensor ResNetImpl::forward(torch::Tensor x) {
    return fc(features(std::move(x)));  // [N, num_classes]
}

void ResNetImpl::to_channels_last() {
    torch::NoGradGuard no_grad;
    for (auto& p : parameters()) {
        if (p.dim() == 4) p.set_data(p.data().contiguous(at::MemoryFormat::ChannelsLast));
    }
    channels_last_ = true;
}

void ResNetImpl::replace_fc(torch::nn::Linear new_fc) {
    if (!new_fc) fail("ResNet::replace_fc: the new head is empty");
    if (new_fc->options.in_features() != config_.feature_dim()) {
        fail("ResNet::replace_fc: the new head takes " + std::to_string(new_fc->options.in_features()) +
             " features, the backbone gives " + std::to_string(config_.feature_dim()));
    }
    fc = replace_module("fc", std::move(new_fc));
    config_.num_classes = static_cast<int>(fc->options.out_features());
}

// ---------------------------------------------------------------------------------------------
// Folded inference

namespace {
// Ref: torch/nn/utils/fusion.py fuse_conv_bn_weights
std::pair<at::Tensor, at::Tensor> fold_batch_norm(const torch::nn::Conv2dImpl& conv,
                                                  const torch::nn::BatchNorm2dImpl& bn) {
    const at::Tensor scale = bn.weight * at::rsqrt(bn.running_var + bn.options.eps());  // [C_out]
    const at::Tensor weight = conv.weight * scale.view({-1, 1, 1, 1});
    const at::Tensor bias = bn.bias - bn.running_mean * scale;
    return {weight, bias};
}
}  // namespace

at::Tensor ResNetInference::Conv::operator()(const at::Tensor& x) const {
    return at::conv2d(x, weight, bias, {stride, stride}, {padding, padding}, {1, 1}, groups);
}

ResNetInference::ResNetInference(ResNetImpl& model, bool channels_last)
    : config_(model.config()), channels_last_(channels_last) {
    torch::NoGradGuard no_grad;
    const auto format = channels_last ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
    auto make = [&](const torch::nn::Conv2dImpl& conv, const torch::nn::BatchNorm2dImpl& bn) {
        auto [w, b] = fold_batch_norm(conv, bn);
        Conv c;
        c.weight = w.contiguous(format);
        c.bias = b.contiguous();
        c.stride = conv.options.stride()->at(0);
        c.padding = conv.options.kernel_size()->at(0) / 2;  // ResNet convs: 7x7/3, 3x3/1, 1x1/0
        c.groups = conv.options.groups();
        return c;
    };
    stem_ = make(*model.conv1, *model.bn1);
    auto make_downsample = [&](torch::nn::Sequential& seq) {
        return make(*seq[0]->as<torch::nn::Conv2d>(), *seq[1]->as<torch::nn::BatchNorm2d>());
    };
    for (const auto& layer : {model.layer1, model.layer2, model.layer3, model.layer4}) {
        for (const auto& child : layer->children()) {
            Block block;
            if (auto* basic = child->as<BasicBlockImpl>()) {
                block.convs = {make(*basic->conv1, *basic->bn1), make(*basic->conv2, *basic->bn2)};
                if (basic->downsample) block.downsample = make_downsample(basic->downsample);
            } else if (auto* bottleneck = child->as<BottleneckImpl>()) {
                block.convs = {make(*bottleneck->conv1, *bottleneck->bn1),
                               make(*bottleneck->conv2, *bottleneck->bn2),
                               make(*bottleneck->conv3, *bottleneck->bn3)};
                if (bottleneck->downsample) block.downsample = make_downsample(bottleneck->downsample);
            }
            blocks_.push_back(std::move(block));
        }
    }
    fc_weight_ = model.fc->weight.detach().clone();
    fc_bias_ = model.fc->bias.detach().clone();
}

// Ref: torchvision/models/resnet.py ResNet._forward_impl with BN folded (eval mode).
at::Tensor ResNetInference::features(const at::Tensor& input) const {
    if (input.dim() != 4 || input.size(1) != 3)
        fail("ResNet input must be [N, 3, H, W], got " + shape_string(input));
    at::Tensor x = channels_last_ ? input.contiguous(at::MemoryFormat::ChannelsLast) : input;
    x = stem_(x).relu_();                           // [N, 64, H/2, W/2]
    x = at::max_pool2d(x, {3, 3}, {2, 2}, {1, 1});  // [N, 64, H/4, W/4]
    for (const Block& block : blocks_) {
        at::Tensor out = x;
        for (size_t i = 0; i + 1 < block.convs.size(); ++i) out = block.convs[i](out).relu_();
        out = block.convs.back()(out);
        out.add_(block.downsample ? (*block.downsample)(x) : x).relu_();
        x = out;  // [N, C, H', W']
    }
    return at::adaptive_avg_pool2d(x, {1, 1}).flatten(1);  // [N, feature_dim]
}

at::Tensor ResNetInference::forward(const at::Tensor& x) const {
    return at::linear(features(x), fc_weight_, fc_bias_);  // [N, num_classes]
}

// ---------------------------------------------------------------------------------------------
// Loading

ResNet resnet_from_weights(const TensorMap& weights, std::optional<ResNetConfig> config) {
    const ResNetConfig cfg = config ? *config : ResNetConfig::from_weights(weights);
    ResNet model(cfg, /*init_weights=*/false);  // every tensor is overwritten below
    LoadOptions options;
    options.optional = {"*.num_batches_tracked"};
    options.what = cfg.name();
    load_state_dict(*model, weights, options);
    model->eval();
    return model;
}

ResNet load_resnet(const std::filesystem::path& path, std::optional<ResNetConfig> config) {
    try {
        return resnet_from_weights(load_weights(path, at::kFloat), std::move(config));
    } catch (const Error& e) {
        throw e.with_context("loading ResNet from " + path.string());
    }
}

std::filesystem::path resolve_resnet_weights(const std::string& reference) {
    // Ref: torchvision/models/resnet.py ResNet*_Weights.DEFAULT urls.
    static const std::map<std::string, std::string> default_files{
        {"resnet18", "resnet18-f37072fd.pth"},   {"resnet34", "resnet34-b627a593.pth"},
        {"resnet50", "resnet50-11ad3fa6.pth"},   {"resnet101", "resnet101-cd907fc2.pth"},
        {"resnet152", "resnet152-f82ba261.pth"},
    };
    const auto preset = default_files.find(lower(reference));
    if (preset != default_files.end() && !std::filesystem::exists(reference)) {
        const ResolvedModel resolved = resolve_model_ref(preset->second);
        return resolved.path;
    }
    const ResolvedModel resolved = resolve_model_ref(reference);
    return resolved.is_file() ? resolved.path : find_weight_file(resolved.path);
}

namespace {
void collect_state(const torch::nn::Module& module, const std::string& prefix,
                   std::vector<std::pair<std::string, torch::Tensor>>& out) {
    for (const auto& p : module.named_parameters(/*recurse=*/false))
        out.emplace_back(prefix + p.key(), p.value());
    for (const auto& b : module.named_buffers(/*recurse=*/false))
        out.emplace_back(prefix + b.key(), b.value());
    for (const auto& child : module.named_children())
        collect_state(*child.value(), prefix + child.key() + ".", out);
}
}  // namespace

std::vector<std::pair<std::string, torch::Tensor>> resnet_state_dict(ResNetImpl& model) {
    std::vector<std::pair<std::string, torch::Tensor>> out;
    collect_state(model, "", out);
    return out;
}

}  // namespace pictor
