// pictor-cli dataset: generate a labelled ImageFolder dataset with Stable Diffusion.
#include <iostream>
#include <map>

#include <nlohmann/json.hpp>

#include "app/cli/args.h"
#include "app/cli/command.h"
#include "app/cli/terminal_progress.h"
#include "core/io/model_ref.h"
#include "core/training/dataset_builder.h"
#include "core/util/error.h"

namespace pictor::cli {
namespace {

class DatasetProgress : public ProgressSink {
public:
    DatasetProgress() : bar_("generating") {}
    void on_step(int step, int total) override { bar_.update(step, total, " images"); }
    bool cancelled() const override { return interrupt_requested(); }

private:
    TerminalProgress bar_;
};

// "--class fox=a watercolor painting of a fox": the same name may repeat to add prompts.
std::vector<DatasetClass> parse_classes(const std::vector<std::string>& specs, const std::string& negative) {
    std::vector<DatasetClass> classes;
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
                     "         [--seed N] [--json]\n\n"
                     "Generates N images per class into DIR/<class>/<class>_0000.png (PNG with the generation\n"
                     "parameters) and DIR/dataset.yaml. Repeat --class with the same NAME to give a class\n"
                     "several prompts. Image i of class c has seed SEED + 100000*c + i. Rerunning resumes:\n"
                     "finished images are kept. Ctrl-C stops after the current image.\n";
        return 0;
    }
    DatasetParams params;
    params.model_reference = args.required("model");
    const std::string negative = args.value_or("negative", "");
    params.classes = parse_classes(args.values("class"), negative);
    params.per_class = args.int_or("per-class", 8);
    params.steps = args.int_or("steps", 25);
    params.guidance_scale = args.double_or("guidance", 7.5);
    params.width = params.height = args.int_or("size", 512);
    params.scheduler = args.value_or("scheduler", "");
    params.base_seed = static_cast<uint64_t>(args.int64_or("seed", 0));
    const std::string out = args.required("out");
    const bool json = args.flag("json");
    args.finish();
    if (params.classes.size() < 2) throw UsageError("give at least two --class NAME=PROMPT");
    if (params.width % 8 != 0 || params.width < 8) throw UsageError("--size must be a positive multiple of 8");

    install_interrupt_handler();
    const ResolvedModel model_ref = resolve_model_ref(params.model_reference);
    StableDiffusion sd = load_stable_diffusion(model_ref.path);
    DatasetProgress progress;
    const DatasetResult result = build_dataset(sd, params, out, progress);
    if (json) {
        std::cout << nlohmann::json{{"out", out},
                                    {"generated", result.generated},
                                    {"skipped", result.skipped},
                                    {"images", result.files.size()},
                                    {"cancelled", result.cancelled}}
                         .dump()
                  << "\n";
    } else {
        std::cerr << "\n";
        std::cout << "dataset " << out << ": " << result.generated << " generated, " << result.skipped
                  << " already present" << (result.cancelled ? " (cancelled: rerun to resume)" : "") << "\n";
    }
    return result.cancelled ? 130 : 0;
}

const Registration registration{"dataset", "generate a labelled image dataset with Stable Diffusion", run_dataset};

}  // namespace
}  // namespace pictor::cli
