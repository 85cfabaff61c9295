// TAESD through the model cache, for the generate job (internal to core/jobs): the `--decoder`
// of a request, and the live-preview decoder that is used whenever one is on disk.
#pragma once

#include <string>

#include "core/jobs/job_sink.h"
#include "core/jobs/model_cache.h"
#include "core/models/sd/stable_diffusion.h"
#include "core/models/sd/taesd.h"

namespace pictor::jobs::detail {

// The catalogue name of the TAESD the studio uses for previews and `--decoder taesd`.
inline constexpr const char* kTaesdCatalogueName = "taesd";

// Resolves `reference` (a diffusers AutoencoderTiny folder, a repo id, or "taesd"), loads it
// with the model's placement (cached). Throws ModelNotFound for a reference that does not
// resolve and pictor::Error for a folder that is not an AutoencoderTiny.
AutoencoderTiny taesd_for(const std::string& reference, const SdPlacement& placement, ModelCache& cache, JobSink& sink);

// The catalogue's TAESD when it is on disk, else an empty holder (previews fall back to the
// latent→RGB approximation); never downloads, never throws for a missing model.
AutoencoderTiny local_preview_taesd(const SdPlacement& placement, ModelCache& cache, JobSink& sink);

}  // namespace pictor::jobs::detail
