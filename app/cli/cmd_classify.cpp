// pictor-cli classify: ImageNet top-k of images with a torchvision ResNet.
#include <iomanip>
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/cli/args.h"
#include "app/cli/command.h"
#include "app/cli/terminal_progress.h"
#include "core/image/image_io.h"
#include "core/io/safetensors.h"
#include "core/models/resnet.h"
#include "core/pipelines/classify.h"
#include "core/util/error.h"
#include "core/util/progress.h"

namespace pictor::cli {
namespace {

constexpr const char* kUsage =
    "usage: pictor-cli classify --resnet REF --image FILE... [--preset v1|v2] [--topk 5] [--json]\n"
    "                          [--save-tensors OUT.safetensors]\n\n"
    "Classifies images with a torchvision ResNet (resnet18/34/50/101/152 .pth or .safetensors; the\n"
    "architecture follows from the weights) and prints the top-k ImageNet classes.\n\n"
    "  --resnet REF         weight file (torchvision state_dict, F32 or F16), a model folder, or\n"
    "                       resnet18/34/50/101/152 for torchvision's default weights in the torch hub cache\n"
    "  --image FILE...      PNG or JPEG images (several allowed)\n"
    "  --preset v1|v2       preprocessing: IMAGENET1K_V1 (resize 256) or IMAGENET1K_V2 (resize 232);\n"
    "                       default: the preset torchvision publishes with the weight file, else v2 for\n"
    "                       resnet50/101/152 and v1 otherwise (torchvision's defaults)\n"
    "  --topk K             classes per image (default 5)\n"
    "  --json               JSON output\n"
    "  --save-tensors OUT   write the model input ('input') and 'logits' as safetensors\n";

class ClassifyProgress : public ProgressSink {
  public:
    ClassifyProgress() : bar_("classifying") {}
    void on_step(int step, int total) override { bar_.update(step, total, "img"); }
    bool cancelled() const override { return interrupt_requested(); }
    void clear() { bar_.clear(); }

  private:
    TerminalProgress bar_;
};

int run_classify(Args& args) {
    if (args.wants_help()) {
        std::cout << kUsage;
        return 0;
    }
    const std::string ref = args.required("resnet");
    const std::vector<std::string> files = args.values("image");
    const std::optional<std::string> preset = args.value("preset");
    const int topk = args.int_or("topk", 5);
    const bool json = args.flag("json");
    const std::optional<std::string> save = args.value("save-tensors");
    args.finish();
    if (files.empty()) throw UsageError("--image is required");
    if (topk < 1) throw UsageError("--topk must be at least 1");
    ImagenetTransform transform;
    if (preset) {
        try {
            transform = ImagenetTransform::from_name(*preset);
        } catch (const Error& e) {
            throw UsageError(e.what());
        }
    }

    const std::filesystem::path weights = resolve_resnet_weights(ref);
    ResNet model = load_resnet(weights);
    if (!preset) {
        // The preset published with the weights, else torchvision's default for the architecture.
        const auto published = ImagenetTransform::for_weights_file(weights.filename().string());
        transform = published ? *published : ImagenetTransform::default_for(model->config().name());
    }
    const ResNetInference fast(*model);  // folded BatchNorm, channels-last: see bench resnet50

    ClassifyParams params;
    params.transform = transform;
    params.top_k = topk;
    for (const auto& file : files) params.images.push_back(read_image(file));

    install_interrupt_handler();
    ClassifyProgress progress;
    const ClassifyResult result = classify(fast, params, &progress);
    progress.clear();
    if (result.cancelled) {
        std::cerr << "cancelled\n";
        return 130;
    }
    if (save) write_safetensors(*save, {{"input", result.input}, {"logits", result.logits}});

    if (json) {
        nlohmann::json out{{"model", model->config().name()},
                           {"preset", transform.name},
                           {"num_classes", model->config().num_classes},
                           {"images", nlohmann::json::array()}};
        for (size_t i = 0; i < files.size(); ++i) {
            nlohmann::json top = nlohmann::json::array();
            for (const auto& c : result.top[i]) {
                top.push_back({{"index", c.index},
                               {"name", c.name},
                               {"probability", c.probability},
                               {"logit", c.logit}});
            }
            out["images"].push_back({{"file", files[i]}, {"top", top}});
        }
        std::cout << out.dump(2) << "\n";
        return 0;
    }
    std::cout << model->config().name() << ", " << transform.name << "\n";
    for (size_t i = 0; i < files.size(); ++i) {
        std::cout << files[i] << "\n";
        for (const auto& c : result.top[i]) {
            std::cout << "  " << std::fixed << std::setprecision(4) << c.probability << "  " << c.name << " ("
                      << c.index << ")\n";
        }
    }
    return 0;
}

const Registration registration{"classify", "ImageNet top-k of images with a ResNet", run_classify};

}  // namespace
}  // namespace pictor::cli
