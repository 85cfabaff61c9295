#include "core/jobs/pull_job.h"

#include <algorithm>

#include "core/hub/catalogue.h"
#include "core/jobs/job_support.h"

namespace pictor::jobs {

using namespace detail;

namespace {

const hub::CatalogueEntry& entry_of(const hub::Catalogue& catalogue, const PullRequest& r) {
    const hub::CatalogueEntry* entry = catalogue.find(r.name);
    if (!entry) throw InvalidRequest("'" + r.name + "' is not in the model catalogue (pictor-cli models list)");
    if (!r.variant.empty() && std::find(entry->variants.begin(), entry->variants.end(), r.variant) == entry->variants.end())
        throw InvalidRequest("'" + entry->name + "' has no variant '" + r.variant + "'");
    return *entry;
}

}  // namespace

void validate(const PullRequest& r) {
    require_nonempty(r.name, "model name");
    entry_of(hub::Catalogue::load(), r);
}

PullResult run_pull(const PullRequest& r, JobSink& sink) {
    require_nonempty(r.name, "model name");
    const hub::Catalogue catalogue = hub::Catalogue::load();
    const hub::CatalogueEntry& entry = entry_of(catalogue, r);
    hub::PullOptions options;
    options.variant = r.variant;
    SinkBridge bridge(sink);
    sink.on_stage("downloading");
    const hub::PullResult out = hub::pull_model(entry, options, hub::HubConfig::from_environment(), {}, &bridge);
    return PullResult{out.cancelled, entry.name, out.location, out.bytes_downloaded, out.files_downloaded};
}

}  // namespace pictor::jobs
