#include "core/io/tensor_map.h"

#include <ATen/ATen.h>

#include <fstream>

#include "core/io/safetensors.h"
#include "core/io/torch_checkpoint.h"
#include "core/util/error.h"

namespace pictor {

namespace fs = std::filesystem;

namespace {

bool is_torch_extension(const fs::path& path) {
    const std::string ext = path.extension().string();
    return ext == ".pth" || ext == ".pt" || ext == ".bin" || ext == ".ckpt";
}

}  // namespace

TensorMap load_weights(const fs::path& path, std::optional<c10::ScalarType> dtype) {
    if (!std::ifstream(path, std::ios::binary)) fail("cannot open weight file '" + path.string() + "'");
    // Decide by content first: `.bin` is used for both formats in the wild.
    if (is_zip_file(path) || is_torch_extension(path)) {
        TensorMap map = load_torch_checkpoint(path);
        if (dtype)
            for (auto& [name, t] : map)
                if (t.is_floating_point() && t.scalar_type() != *dtype) t = t.to(*dtype);
        return map;
    }
    return SafetensorsFile(path).load_all(dtype);
}

}  // namespace pictor
