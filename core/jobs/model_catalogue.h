// The model catalogue (core/hub) as the front ends show and change it: every entry with what is
// on disk, verifying a download, adding and removing user entries (models.yaml).
//
// Failure contract: pictor::Error naming the file for a malformed models.yaml; InvalidRequest for
// an unknown model, a name clash, removing a built-in entry. Thread-safety: each call loads the
// catalogue itself and reads the file system only (add/remove write models.yaml atomically); call
// them off the UI thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/jobs/job_sink.h"

namespace pictor::jobs {

struct CatalogueModel {
    std::string name;         // "sd15"
    std::string title;        // "Stable Diffusion v1.5"
    std::string description;
    std::string kind;         // "huggingface" | "torchvision" | "folder"
    std::string source;       // repo id (@revision), URL or folder
    std::string reference;    // what settings and requests name it by
    std::vector<std::string> variants;
    uint64_t approx_size = 0;  // bytes
    std::map<std::string, uint64_t> approx_variant_size;
    bool builtin = false;
    // On disk:
    std::string state;         // "complete" | "partial" | "missing"
    std::string status;        // "complete", "partial: 2 files missing", "missing"
    bool complete = false;
    std::vector<std::string> complete_variants;  // "" = the default
    std::string location;
    std::string commit;
    uint64_t size_on_disk = 0;
    std::vector<std::string> missing_files;
    bool resumable = false;    // an interrupted download is waiting
};

std::vector<CatalogueModel> list_catalogue_models();

struct VerifiedFile {
    std::string file, blob;
    std::string result;  // "ok" | "mismatch" | "missing" | "unchecked"
    std::string algorithm, expected, actual;
};

struct VerifyResult {
    std::string name;
    bool cancelled = false;
    std::vector<VerifiedFile> files;
    int ok = 0, bad = 0, unchecked = 0;  // bad = mismatch + missing
};

// Hashes every cached file of a model against its etag (torchvision: the hash prefix in the name).
VerifyResult verify_catalogue_model(const std::string& key, JobSink& sink);

struct CatalogueChange {
    std::string name;            // the entry added or removed
    std::string catalogue_file;  // models.yaml
};
// A Hugging Face repo id or a local folder; `name` "" = derived from it.
CatalogueChange add_catalogue_model(const std::string& repo_or_folder, const std::string& name,
                                    const std::string& revision, const std::vector<std::string>& include);
CatalogueChange remove_catalogue_model(const std::string& name);

}  // namespace pictor::jobs
