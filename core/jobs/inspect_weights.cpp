#include "core/jobs/inspect_weights.h"

#include <ATen/core/Tensor.h>

#include <algorithm>

#include "core/io/model_ref.h"
#include "core/io/safetensors.h"
#include "core/io/torch_checkpoint.h"

namespace pictor::jobs {

namespace {

// safetensors' names for ATen types, so both formats print alike.
std::string dtype_name(c10::ScalarType t) {
    switch (t) {
        case c10::ScalarType::Double: return "F64";
        case c10::ScalarType::Float: return "F32";
        case c10::ScalarType::Half: return "F16";
        case c10::ScalarType::BFloat16: return "BF16";
        case c10::ScalarType::Long: return "I64";
        case c10::ScalarType::Int: return "I32";
        case c10::ScalarType::Short: return "I16";
        case c10::ScalarType::Char: return "I8";
        case c10::ScalarType::Byte: return "U8";
        case c10::ScalarType::Bool: return "BOOL";
        default: return c10::toString(t);
    }
}

}  // namespace

WeightListing inspect_weights(const std::string& reference) {
    const ResolvedModel model = resolve_model_ref(reference);
    const std::filesystem::path path = model.is_file() ? model.path : find_weight_file(model.path);
    WeightListing out;
    out.file = path.string();
    const std::string ext = path.extension().string();
    if (is_zip_file(path) || ext == ".pth" || ext == ".pt" || ext == ".bin" || ext == ".ckpt") {
        out.format = "pytorch";
        for (const auto& [name, t] : load_torch_checkpoint(path))
            out.tensors.push_back({name, dtype_name(t.scalar_type()), t.sizes().vec(), t.numel()});
    } else {
        out.format = "safetensors";
        const SafetensorsFile file(path);  // reads the header only
        out.metadata = file.metadata();
        for (const auto& e : file.entries()) {
            TensorInfo r{e.name, e.dtype, e.shape, 1};
            for (int64_t d : e.shape) r.numel *= d;
            out.tensors.push_back(std::move(r));
        }
        std::sort(out.tensors.begin(), out.tensors.end(), [](const TensorInfo& a, const TensorInfo& b) { return a.name < b.name; });
    }
    for (const auto& t : out.tensors) out.total_values += t.numel;
    return out;
}

}  // namespace pictor::jobs
