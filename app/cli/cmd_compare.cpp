// pictor-cli compare: CLIP's label probabilities beside a ResNet's ImageNet top-k on one image.
#include <iomanip>
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/cli/args.h"
#include "app/cli/command.h"
#include "app/cli/terminal_sink.h"
#include "core/jobs/compare_job.h"

namespace pictor::cli {
namespace {

constexpr const char* kUsage =
    "usage: pictor-cli compare --clip REF --resnet REF --image FILE --label TEXT... [--template T]\n"
    "                         [--preset v1|v2] [--topk 5] [--json]\n\n"
    "Scores the image against the labels with CLIP and classifies it with an ImageNet ResNet, then\n"
    "sums the ResNet's probabilities over the ImageNet classes of each object the labels name\n"
    "(\"fox\", \"dog\", ...) so the two models can be compared object by object.\n\n"
    "  --clip REF        CLIP model folder or Hugging Face repo id (e.g. openai/clip-vit-base-patch32)\n"
    "  --resnet REF      ResNet weights: a file, or resnet18/resnet50/... for torchvision's default\n"
    "                    weights in the torch hub cache\n"
    "  --image FILE      PNG or JPEG\n"
    "  --label TEXT...   CLIP labels (several)\n"
    "  --template T      CLIP prompt template with {} (default: the label itself)\n"
    "  --preset v1|v2    ResNet preprocessing (default: the weights' own preset)\n"
    "  --topk K          ResNet classes to show (default 5)\n"
    "  --json            JSON output\n";

std::string percent(double p) {
    std::ostringstream os;
    os << std::fixed << std::setprecision(1) << std::setw(5) << p * 100.0 << "%";
    return os.str();
}

int run_compare_command(Args& args) {
    if (args.wants_help()) {
        std::cout << kUsage;
        return 0;
    }
    jobs::CompareRequest r;
    r.clip = args.required("clip");
    r.resnet = args.required("resnet");
    r.image = args.required("image");
    r.labels = args.values("label");
    r.prompt_template = args.value_or("template", "");
    r.preset = args.value_or("preset", "");
    r.top_k = args.int_or("topk", 5);
    const bool json = args.flag("json");
    args.finish();
    if (r.labels.empty()) throw UsageError("--label is required (one or more)");

    TerminalSink sink("comparing");
    const jobs::CompareResult result = jobs::run_compare(r, sink);
    sink.clear();
    if (result.cancelled) {
        std::cerr << "cancelled\n";
        return 130;
    }
    if (json) {
        nlohmann::json out{{"image", r.image.string()},
                           {"resnet", {{"model", result.resnet.model}, {"preset", result.resnet.preset},
                                       {"weights", result.resnet.weights}}},
                           {"labels", nlohmann::json::array()},
                           {"clip_best", result.clip_best},
                           {"resnet_top", nlohmann::json::array()},
                           {"objects", nlohmann::json::array()},
                           {"clip_object", result.clip_object},
                           {"resnet_object", result.resnet_object},
                           {"objects_agree", result.objects_agree()}};
        for (size_t i = 0; i < result.labels.size(); ++i) {
            const auto& l = result.labels[i];
            out["labels"].push_back({{"label", l.label},
                                     {"prompt", l.prompt},
                                     {"probability", l.probability},
                                     {"logit", l.logit},
                                     {"objects", result.label_objects[i]}});
        }
        for (const auto& c : result.resnet_top)
            out["resnet_top"].push_back({{"index", c.index}, {"name", c.name}, {"probability", c.probability}});
        for (const auto& o : result.objects) {
            nlohmann::json classes = nlohmann::json::array();
            for (const auto& c : o.resnet_classes)
                classes.push_back({{"index", c.index}, {"name", c.name}, {"probability", c.probability}});
            out["objects"].push_back({{"object", o.object},
                                      {"labels", o.labels},
                                      {"clip_probability", o.clip_probability},
                                      {"resnet_probability", o.resnet_probability},
                                      {"resnet_classes", classes}});
        }
        std::cout << out.dump(2) << "\n";
        return 0;
    }

    std::cout << "CLIP (" << r.clip << ")\n";
    for (size_t i = 0; i < result.labels.size(); ++i) {
        std::cout << "  " << percent(result.labels[i].probability) << "  " << result.labels[i].label
                  << (static_cast<int>(i) == result.clip_best ? "  <- best" : "") << "\n";
    }
    std::cout << "ResNet (" << result.resnet.model << ", " << result.resnet.preset << ")\n";
    for (const auto& c : result.resnet_top) std::cout << "  " << percent(c.probability) << "  " << c.name << "\n";
    if (result.objects.empty()) {
        std::cout << "No label names an object the ImageNet groups know; nothing to compare per object.\n";
        return 0;
    }
    std::cout << "Objects (CLIP: sum over labels naming it; ResNet: sum over its ImageNet classes)\n";
    for (const auto& o : result.objects) {
        std::cout << "  " << std::left << std::setw(12) << o.object << std::right << " CLIP " << percent(o.clip_probability)
                  << "   ResNet " << percent(o.resnet_probability);
        if (!o.resnet_classes.empty()) std::cout << "  (best: " << o.resnet_classes.front().name << ")";
        std::cout << "\n";
    }
    std::cout << (result.objects_agree() ? "Both models favour: " + result.clip_object
                                         : "CLIP favours " + result.clip_object + ", the ResNet " + result.resnet_object)
              << "\n";
    return 0;
}

const Registration registration{"compare", "CLIP labels vs ResNet ImageNet classes on one image", run_compare_command};

}  // namespace
}  // namespace pictor::cli
