#include "core/jobs/pull_job.h"

#include <algorithm>

#include "core/hub/catalogue.h"
#include "core/jobs/catalogue_entry.h"
#include "core/jobs/job_support.h"

namespace pictor::jobs {

using namespace detail;

namespace {

// Progress of the hub's transfer, bytes included, forwarded to the job's sink.
class PullBridge : public hub::DownloadSink {
public:
    explicit PullBridge(JobSink& sink) : bridge_(sink), sink_(sink) {}
    void on_stage(std::string_view stage) override { bridge_.on_stage(stage); }
    void on_step(int step, int total) override { bridge_.on_step(step, total); }
    void on_message(std::string_view message) override { bridge_.on_message(message); }
    bool cancelled() const override { return bridge_.cancelled(); }
    void on_download(const hub::DownloadProgress& p) override {
        sink_.on_download({p.item, p.item_index, p.item_count, p.done, p.total, p.bytes_per_second, p.eta_seconds});
    }

private:
    SinkBridge bridge_;
    JobSink& sink_;
};

}  // namespace

void validate(const PullRequest& r) {
    require_nonempty(r.name, "model name");
    entry_for(hub::Catalogue::load(), r.name);  // a name the catalogue, a repo id or a URL gives
    // An unknown variant is the hub's to refuse: it knows what the entry offers.
}

PullResult run_pull(const PullRequest& r, JobSink& sink) {
    validate(r);
    const hub::Catalogue catalogue = hub::Catalogue::load();
    const hub::CatalogueEntry entry = entry_for(catalogue, r.name);
    hub::PullOptions options;
    options.variant = r.variant;
    options.revision = r.revision;
    options.include = r.include;
    PullBridge bridge(sink);
    sink.on_stage("downloading");
    const hub::PullResult out = hub::pull_model(entry, options, hub::HubConfig::from_environment(), {}, &bridge);
    return PullResult{out.cancelled, entry.name, out.location, out.bytes_downloaded, out.files_downloaded};
}

}  // namespace pictor::jobs
