#include "core/jobs/dataset_job.h"

#include <set>

#include "core/jobs/job_support.h"
#include "core/jobs/sd_model.h"
#include "core/training/dataset_builder.h"

namespace pictor::jobs {

using namespace detail;

void validate(const DatasetRequest& r) {
    if (r.classes.size() < 2) throw InvalidRequest("classes: give at least two classes (NAME=PROMPT)");
    std::set<std::string> names;
    for (const DatasetClassSpec& c : r.classes) {
        if (c.name.empty() || c.name == "." || c.name == ".." || c.name.find_first_of("/\\") != std::string::npos)
            throw InvalidRequest("class name '" + c.name + "' cannot be a folder name");
        if (!names.insert(c.name).second) throw InvalidRequest("class '" + c.name + "' is given twice");
        if (c.prompts.empty()) throw InvalidRequest("class '" + c.name + "' has no prompt");
    }
    require_range(r.per_class, 1, 100000, "images per class");
    validate_settings({r.steps, r.guidance, r.width, r.height, false, r.scheduler, r.device, r.dtype});
    if (r.out_dir.empty()) throw InvalidRequest("dataset folder is not set");
}

DatasetResult run_dataset(const DatasetRequest& r, JobSink& sink, ModelCache& cache) {
    validate(r);
    const SdRun run{r.model, r.device, r.dtype, r.width, r.height, 1, r.guidance > 1.0};
    const std::shared_ptr<StableDiffusion> model = stable_diffusion_for(run, cache, sink);

    DatasetParams params;
    for (const DatasetClassSpec& c : r.classes) params.classes.push_back({c.name, c.prompts, c.negative_prompt});
    params.per_class = r.per_class;
    params.steps = r.steps;
    params.guidance_scale = r.guidance;
    params.width = r.width;
    params.height = r.height;
    params.scheduler = r.scheduler;
    params.base_seed = r.seed;
    params.model_reference = model->reference;
    SinkBridge bridge(sink);
    sink.on_stage("generating");
    const pictor::DatasetResult out = build_dataset(*model, params, r.out_dir, bridge);
    return DatasetResult{out.cancelled, out.generated, out.skipped, out.files};
}

}  // namespace pictor::jobs
