// The model catalogue (core/hub) as the front ends show it: every entry with what is on disk.
// No network. Throws pictor::Error naming the file for a malformed models.yaml. Thread-safe (reads
// the file system only): call it off the UI thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pictor::jobs {

struct CatalogueModel {
    std::string name;         // "sd15"
    std::string title;        // "Stable Diffusion v1.5"
    std::string description;
    std::string reference;    // what settings and requests name it by
    std::vector<std::string> variants;
    uint64_t approx_size = 0;  // bytes
    std::string status;        // "complete", "partial: 2 files missing", "missing"
    bool complete = false;
    std::string location;
    bool builtin = false;
};

std::vector<CatalogueModel> list_catalogue_models();

}  // namespace pictor::jobs
