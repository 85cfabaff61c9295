// pictor-cli predict: classify images with a classifier exported by `pictor-cli train`.
#include <cmath>
#include <iomanip>
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/cli/args.h"
#include "app/cli/command.h"
#include "app/cli/terminal_sink.h"
#include "core/jobs/predict_job.h"

namespace pictor::cli {
namespace {

int run_predict_command(Args& args) {
    if (args.wants_help()) {
        std::cout << "usage: pictor-cli predict --classifier MODEL --image FILE... [--json]\n\n"
                     "Classifies images with a classifier exported by `pictor-cli train`.\n";
        return 0;
    }
    jobs::PredictRequest r;
    r.classifier = args.required("classifier");
    std::vector<std::string> paths = args.values("image");
    for (auto& p : args.positionals()) paths.push_back(p);
    const bool json = args.flag("json");
    args.finish();
    if (paths.empty()) throw UsageError("give at least one --image");
    r.images.assign(paths.begin(), paths.end());

    TerminalSink sink("classifying");
    const jobs::PredictResult result = jobs::run_predict(r, sink);
    sink.clear();
    if (json) {
        nlohmann::json out{{"classes", result.classes}, {"backbone", result.backbone}, {"images", nlohmann::json::array()}};
        for (const auto& p : result.images) {
            nlohmann::json probs = nlohmann::json::object();
            for (const auto& c : p.classes) probs[c.name] = c.probability;
            out["images"].push_back({{"path", p.image.string()},
                                     {"probabilities", probs},
                                     {"best", result.classes[static_cast<size_t>(p.best)]}});
        }
        std::cout << out.dump(2) << "\n";
        return 0;
    }
    for (const auto& p : result.images) {
        std::cout << p.image.string() << "\n";
        for (const auto& c : p.classes) {
            std::cout << "  " << std::left << std::setw(20) << c.name << std::right << std::fixed << std::setprecision(4)
                      << c.probability << "  " << std::string(static_cast<size_t>(std::lround(c.probability * 40)), '#')
                      << (c.index == p.best ? "  <" : "") << "\n";
        }
    }
    return 0;
}

const Registration registration{"predict", "classify images with a trained classifier", run_predict_command};

}  // namespace
}  // namespace pictor::cli
