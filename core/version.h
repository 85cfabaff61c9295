// Version and build information of the engine.
#pragma once

#include <string>

namespace pictor {

std::string version();          // "0.1.0"
std::string libtorch_version(); // e.g. "1.13.1"

}  // namespace pictor
