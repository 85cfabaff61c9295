// The pull job: download a model catalogue entry (core/hub) into the standard caches
// (resumable, hash-verified, nothing partial visible).
//
// Failure contract: InvalidRequest for a name the catalogue does not know or a variant the entry
// does not offer; pictor::Error for network, HTTP, hash and disk failures (the cache is left as
// it was). Cancelled: the partial download is kept for a later resume.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/jobs/job_sink.h"

namespace pictor::jobs {

struct PullRequest {
    // A catalogue entry (its name, repo id or file name), else any Hugging Face repo id ORG/NAME
    // (every file unless `include`) or a torchvision-style URL of one checkpoint.
    std::string name;
    std::string variant;               // "" or an offered variant ("fp16")
    std::string revision;              // "" = the entry's (main)
    std::vector<std::string> include;  // extra globs for a repo (huggingface_hub allow_patterns)
};

struct PullResult {
    bool cancelled = false;
    std::string name;  // the catalogue entry's name
    std::filesystem::path location;
    uint64_t bytes_downloaded = 0;
    int files_downloaded = 0;
};

void validate(const PullRequest& request);
PullResult run_pull(const PullRequest& request, JobSink& sink);

}  // namespace pictor::jobs
