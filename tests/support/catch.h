// Catch2 for Pictor's tests: include this instead of <catch2/catch.hpp>.
//
// LibTorch's headers pull in glog (Debian builds it with USE_GLOG), whose CHECK macro silently
// replaced Catch's in files that included an engine header after catch.hpp: a failed CHECK then
// aborted the whole test executable instead of being reported. glog goes first here, so Catch's
// CHECK is the one defined last, and glog's include guard keeps it from coming back.
#pragma once

#include <c10/util/Logging.h>
#undef CHECK
#include <catch2/catch.hpp>
