#include "core/jobs/model_catalogue.h"

#include <system_error>

#include "core/hub/catalogue.h"
#include "core/jobs/catalogue_entry.h"
#include "core/jobs/job_support.h"

namespace pictor::jobs {

namespace {

std::string kind_name(hub::ModelKind k) {
    switch (k) {
        case hub::ModelKind::hf_repo: return "huggingface";
        case hub::ModelKind::torch_hub: return "torchvision";
        case hub::ModelKind::local_folder: return "folder";
    }
    return "";
}

std::string source_of(const hub::CatalogueEntry& e) {
    switch (e.kind) {
        case hub::ModelKind::hf_repo: return e.repo_id + (e.revision == "main" ? "" : "@" + e.revision);
        case hub::ModelKind::torch_hub: return e.url;
        case hub::ModelKind::local_folder: return e.path.string();
    }
    return "";
}

std::string state_name(hub::ModelStatus::State s) {
    switch (s) {
        case hub::ModelStatus::State::complete: return "complete";
        case hub::ModelStatus::State::partial: return "partial";
        case hub::ModelStatus::State::missing: return "missing";
    }
    return "";
}

std::string result_name(hub::FileCheck::Result r) {
    switch (r) {
        case hub::FileCheck::Result::ok: return "ok";
        case hub::FileCheck::Result::mismatch: return "mismatch";
        case hub::FileCheck::Result::missing: return "missing";
        case hub::FileCheck::Result::unchecked: return "unchecked";
    }
    return "";
}

}  // namespace

namespace detail {

hub::CatalogueEntry entry_for(const hub::Catalogue& catalogue, const std::string& key) {
    if (const hub::CatalogueEntry* e = catalogue.find(key)) return *e;
    hub::CatalogueEntry e;
    e.name = key;
    if (is_hf_repo_id(key)) {
        e.kind = hub::ModelKind::hf_repo;
        e.repo_id = key;
        return e;
    }
    if (key.rfind("http://", 0) == 0 || key.rfind("https://", 0) == 0) {
        e.kind = hub::ModelKind::torch_hub;
        e.url = key;
        e.name = e.file_name();
        return e;
    }
    throw InvalidRequest("unknown model '" + key +
                         "': give a name from `pictor-cli models list`, a Hugging Face repo id ORG/NAME or a URL");
}

}  // namespace detail

std::vector<CatalogueModel> list_catalogue_models() {
    std::vector<CatalogueModel> out;
    const hub::Catalogue catalogue = hub::Catalogue::load();
    for (const hub::CatalogueEntry& e : catalogue.entries()) {
        const hub::ModelStatus status = hub::model_status(e);
        CatalogueModel m;
        m.name = e.name;
        m.title = e.title;
        m.description = e.description;
        m.kind = kind_name(e.kind);
        m.source = source_of(e);
        m.reference = e.reference();
        m.variants = e.variants;
        m.approx_size = e.approx_size;
        m.approx_variant_size = e.approx_variant_size;
        m.builtin = e.builtin;
        m.state = state_name(status.state);
        m.status = status.summary();
        m.complete = status.state == hub::ModelStatus::State::complete;
        m.complete_variants = status.complete_variants;
        m.location = status.location.string();
        m.commit = status.commit;
        m.size_on_disk = status.size_on_disk;
        m.missing_files = status.missing_files;
        m.resumable = status.resumable;
        out.push_back(std::move(m));
    }
    return out;
}

VerifyResult verify_catalogue_model(const std::string& key, JobSink& sink) {
    const hub::Catalogue catalogue = hub::Catalogue::load();
    const hub::CatalogueEntry entry = detail::entry_for(catalogue, key);
    detail::SinkBridge bridge(sink);
    const hub::VerifyReport report = hub::verify_model(entry, &bridge);
    VerifyResult out;
    out.name = entry.name;
    out.cancelled = report.cancelled;
    for (const hub::FileCheck& f : report.files)
        out.files.push_back({f.file, f.blob.string(), result_name(f.result), f.algorithm, f.expected, f.actual});
    out.ok = report.count(hub::FileCheck::Result::ok);
    out.bad = report.count(hub::FileCheck::Result::mismatch) + report.count(hub::FileCheck::Result::missing);
    out.unchecked = report.count(hub::FileCheck::Result::unchecked);
    return out;
}

CatalogueChange add_catalogue_model(const std::string& key, const std::string& name, const std::string& revision,
                                    const std::vector<std::string>& include) {
    hub::Catalogue catalogue = hub::Catalogue::load();
    std::error_code ec;
    const hub::CatalogueEntry& e = std::filesystem::is_directory(key, ec)
                                       ? catalogue.add_local_folder(key, name)
                                       : catalogue.add_hf_repo(key, name, revision.empty() ? "main" : revision, include);
    CatalogueChange change{e.name, catalogue.path().string()};
    catalogue.save();
    return change;
}

CatalogueChange remove_catalogue_model(const std::string& name) {
    hub::Catalogue catalogue = hub::Catalogue::load();
    if (!catalogue.remove(name)) throw InvalidRequest("no model named '" + name + "' in the catalogue");
    catalogue.save();
    return {name, catalogue.path().string()};
}

}  // namespace pictor::jobs
