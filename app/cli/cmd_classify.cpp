// pictor-cli classify: ImageNet top-k of images with a torchvision ResNet.
#include <iomanip>
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/cli/args.h"
#include "app/cli/command.h"
#include "app/cli/terminal_sink.h"
#include "core/jobs/classify_job.h"

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

int run_classify_command(Args& args) {
    if (args.wants_help()) {
        std::cout << kUsage;
        return 0;
    }
    jobs::ClassifyRequest r;
    r.resnet = args.required("resnet");
    const std::vector<std::string> files = args.values("image");
    for (const auto& f : files) r.images.emplace_back(f);
    r.preset = args.value_or("preset", "");
    r.top_k = args.int_or("topk", 5);
    const bool json = args.flag("json");
    r.save_tensors = args.value_or("save-tensors", "");
    args.finish();
    if (files.empty()) throw UsageError("--image is required");

    TerminalSink sink("classifying", " img");
    const jobs::ClassifyResult result = jobs::run_classify(r, sink);
    sink.clear();
    if (result.cancelled) {
        std::cerr << "cancelled\n";
        return 130;
    }
    if (json) {
        nlohmann::json out{{"model", result.classifier.model},
                           {"preset", result.classifier.preset},
                           {"weights", result.classifier.weights},
                           {"num_classes", result.num_classes},
                           {"images", nlohmann::json::array()}};
        for (size_t i = 0; i < files.size(); ++i) {
            nlohmann::json top = nlohmann::json::array();
            for (const auto& c : result.top[i])
                top.push_back({{"index", c.index}, {"name", c.name}, {"probability", c.probability}, {"logit", c.logit}});
            out["images"].push_back({{"file", files[i]}, {"top", top}});
        }
        std::cout << out.dump(2) << "\n";
        return 0;
    }
    std::cout << result.classifier.model << ", " << result.classifier.preset << "\n";
    for (size_t i = 0; i < files.size(); ++i) {
        std::cout << files[i] << "\n";
        for (const auto& c : result.top[i])
            std::cout << "  " << std::fixed << std::setprecision(4) << c.probability << "  " << c.name << " (" << c.index << ")\n";
    }
    return 0;
}

const Registration registration{"classify", "ImageNet top-k of images with a ResNet", run_classify_command};

}  // namespace
}  // namespace pictor::cli
