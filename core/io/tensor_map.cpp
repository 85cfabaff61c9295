#include "core/io/tensor_map.h"

#include <array>
#include <cstring>
#include <fstream>

#include "core/io/safetensors.h"
#include "core/util/error.h"

namespace pictor {

namespace fs = std::filesystem;

TensorMap load_weights(const fs::path& path, std::optional<c10::ScalarType> dtype) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail("cannot open weight file '" + path.string() + "'");
    std::array<char, 4> magic{};
    in.read(magic.data(), magic.size());
    in.close();
    // Decide by content, not by name: `.bin` is used for both formats in the wild.
    if (std::memcmp(magic.data(), "PK\x03\x04", 4) == 0)
        fail("weight file '" + path.string() + "': PyTorch zip checkpoints are not supported yet");
    return SafetensorsFile(path).load_all(dtype);
}

}  // namespace pictor
