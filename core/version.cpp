#include "core/version.h"

#include <torch/version.h>

namespace pictor {

std::string version() { return PICTOR_VERSION; }

std::string libtorch_version() { return TORCH_VERSION; }

}  // namespace pictor
