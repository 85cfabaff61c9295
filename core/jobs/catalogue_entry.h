// The catalogue entry a pull/verify names (internal to core/jobs).
#pragma once

#include <string>

#include "core/hub/catalogue.h"

namespace pictor::jobs::detail {

// A catalogue entry by name, repo id, file name or URL; else an ad hoc entry for a Hugging Face
// repo id ORG/NAME or an http(s) URL of a checkpoint. Throws InvalidRequest for anything else.
hub::CatalogueEntry entry_for(const hub::Catalogue& catalogue, const std::string& key);

}  // namespace pictor::jobs::detail
