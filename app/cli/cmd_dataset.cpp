// pictor-cli dataset: generate a labelled ImageFolder dataset with Stable Diffusion.
#include <iostream>
#include <map>

#include <nlohmann/json.hpp>

#include "app/cli/args.h"
#include "app/cli/command.h"
#include "app/cli/terminal_sink.h"
#include "core/jobs/dataset_job.h"

namespace pictor::cli {
namespace {

// "--class fox=a watercolor painting of a fox": the same name may repeat to add prompts.
std::vector<jobs::DatasetClassSpec> parse_classes(const std::vector<std::string>& specs, const std::string& negative) {
    std::vector<jobs::DatasetClassSpec> classes;
    std::map<std::string, size_t> index;
    for (const auto& spec : specs) {
        const auto eq = spec.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
            throw UsageError("--class takes NAME=PROMPT, got '" + spec + "'");
        }
        const std::string name = spec.substr(0, eq);
        auto [it, added] = index.emplace(name, classes.size());
        if (added) classes.push_back({name, {}, negative});
        classes[it->second].prompts.push_back(spec.substr(eq + 1));
    }
    return classes;
}

int run_dataset(Args& args) {
    if (args.wants_help()) {
        std::cout << "usage: pictor-cli dataset --model REF --class NAME=PROMPT... --per-class N --out DIR\n"
                     "         [--negative TEXT] [--steps 25] [--guidance 7.5] [--size 512] [--scheduler NAME]\n"
                     "         [--seed N] [--device cpu|cuda] [--json]\n\n"
                     "Generates N images per class into DIR/<class>/<class>_0000.png (PNG with the generation\n"
                     "parameters) and DIR/dataset.yaml. Repeat --class with the same NAME to give a class\n"
                     "several prompts. Image i of class c has seed SEED + 100000*c + i. Rerunning resumes:\n"
                     "finished images are kept. Ctrl-C stops after the current image.\n";
        return 0;
    }
    jobs::DatasetRequest r;
    r.model = args.required("model");
    const std::string negative = args.value_or("negative", "");
    r.classes = parse_classes(args.values("class"), negative);
    r.per_class = args.int_or("per-class", 8);
    r.steps = args.int_or("steps", 25);
    r.guidance = args.double_or("guidance", 7.5);
    r.width = r.height = args.int_or("size", 512);
    r.scheduler = args.value_or("scheduler", "");
    const int64_t seed = args.int64_or("seed", 0);
    if (seed < 0) throw UsageError("--seed must be >= 0");
    r.seed = uint64_t(seed);
    r.out_dir = args.required("out");
    r.device = args.value_or("device", "cpu");
    const bool json = args.flag("json");
    args.finish();
    if (r.classes.size() < 2) throw UsageError("give at least two --class NAME=PROMPT");

    TerminalSink sink("generating", " images");
    const jobs::DatasetResult result = jobs::run_dataset(r, sink);
    sink.clear();
    if (json) {
        std::cout << nlohmann::json{{"out", r.out_dir.string()},
                                    {"generated", result.generated},
                                    {"skipped", result.skipped},
                                    {"images", result.files.size()},
                                    {"cancelled", result.cancelled}}
                         .dump()
                  << "\n";
    } else {
        std::cout << "dataset " << r.out_dir.string() << ": " << result.generated << " generated, " << result.skipped
                  << " already present" << (result.cancelled ? " (cancelled: rerun to resume)" : "") << "\n";
    }
    return result.cancelled ? 130 : 0;
}

const Registration registration{"dataset", "generate a labelled image dataset with Stable Diffusion", run_dataset};

}  // namespace
}  // namespace pictor::cli
