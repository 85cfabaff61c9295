#include "core/jobs/taesd_model.h"

#include <c10/core/Device.h>

#include "core/jobs/job_support.h"
#include "core/util/error.h"

namespace pictor::jobs::detail {

namespace {

// ModelCache holds shared_ptr<T>; the module holder is itself a shared handle, boxed once.
struct CachedTaesd {
    AutoencoderTiny model{nullptr};
};

std::string dtype_key(c10::ScalarType t) { return t == at::kFloat ? "f32" : t == at::kHalf ? "f16" : "bf16"; }

}  // namespace

AutoencoderTiny taesd_for(const std::string& reference, const SdPlacement& placement, ModelCache& cache, JobSink& sink) {
    const ResolvedModel resolved = resolve_for(reference, "TAESD decoder");
    if (!is_taesd_folder(resolved.path))
        fail("decoder '" + reference + "' is not a diffusers AutoencoderTiny folder (TAESD, e.g. madebyollin/taesd): '" +
             resolved.path.string() + "' has no config.json with \"_class_name\": \"AutoencoderTiny\"");
    const std::string key = "taesd|" + resolved.path.string() + "|" + dtype_key(placement.dtype) + "|" + placement.device.str();
    // 2.4M parameters: the weight file's size is what it takes in memory (float32).
    const uint64_t bytes = 10ull * 1000 * 1000;
    const auto cached = cache.get<CachedTaesd>(key, bytes, [&] {
        sink.on_stage("loading TAESD");
        auto c = std::make_shared<CachedTaesd>();
        c->model = load_taesd(resolved.path, at::TensorOptions().device(placement.device).dtype(placement.dtype));
        return c;
    });
    return cached->model;
}

AutoencoderTiny local_preview_taesd(const SdPlacement& placement, ModelCache& cache, JobSink& sink) {
    try {
        return taesd_for(kTaesdCatalogueName, placement, cache, sink);
    } catch (const Error&) {
        return AutoencoderTiny{nullptr};  // not downloaded (or broken): the approximation previews
    }
}

}  // namespace pictor::jobs::detail
