// The job layer's errors: both are pictor::Error, so a front end that only catches pictor::Error
// still shows the message; the subtypes let it do better.
//
// - InvalidRequest: the request itself is wrong (a range, NaN, a size not a multiple of 8, an empty
//   label list, a file that does not exist, a job too big for this machine's memory). Thrown by a
//   job's validate() before any work; the CLI exits 2 for it, as for a usage error.
// - ModelNotFound: a model reference did not resolve. When the reference names an entry of the
//   model catalogue (core/hub), `catalogue_entry` says which, so the studio can offer to download it.
#pragma once

#include <cstdint>
#include <string>

#include "core/util/error.h"

namespace pictor {

class InvalidRequest : public Error {
public:
    explicit InvalidRequest(const std::string& message) : Error(message) {}
};

class ModelNotFound : public Error {
public:
    ModelNotFound(const std::string& message, std::string role, std::string reference)
        : Error(message), role(std::move(role)), reference(std::move(reference)) {}
    std::string role;       // "Stable Diffusion model", "CLIP model", "ResNet model", ...
    std::string reference;  // as the request gave it ("" when none was set)
    // The catalogue entry that reference names, when there is one (a download can fix this).
    std::string catalogue_entry;  // catalogue name ("sd15"); "" = none
    std::string catalogue_title;  // "Stable Diffusion v1.5"
    uint64_t approx_size = 0;     // bytes; 0 = unknown
};

}  // namespace pictor
