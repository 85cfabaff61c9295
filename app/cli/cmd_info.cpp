// pictor-cli info: what LibTorch, devices, threads and BLAS this build runs on.
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/cli/args.h"
#include "app/cli/command.h"
#include "core/util/runtime.h"
#include "core/version.h"

namespace pictor::cli {
namespace {

int run_info(Args& args) {
    if (args.wants_help()) {
        std::cout << "usage: pictor-cli info [--json] [--verbose]\n\n"
                     "LibTorch version, devices, threads and the BLAS library in use.\n";
        return 0;
    }
    const bool json = args.flag("json");
    const bool verbose = args.flag("verbose");
    args.finish();
    const RuntimeInfo info = runtime_info();
    if (json) {
        nlohmann::json j{{"pictor", pictor::version()},
                         {"libtorch", info.libtorch_version},
                         {"threads", info.threads},
                         {"cuda", info.cuda_available},
                         {"cuda_devices", info.cuda_devices},
                         {"devices", info.cuda_available ? nlohmann::json{"cpu", "cuda"} : nlohmann::json{"cpu"}},
                         {"blas", info.blas}};
        if (verbose) j["config"] = info.config;
        std::cout << j.dump(2) << "\n";
        return 0;
    }
    std::cout << "pictor     " << pictor::version() << "\n"
              << "libtorch   " << info.libtorch_version << "\n"
              << "devices    cpu" << (info.cuda_available ? ", cuda (" + std::to_string(info.cuda_devices) + ")" : "")
              << "\n"
              << "threads    " << info.threads << "\n"
              << "blas       " << info.blas << "\n";
    if (verbose) std::cout << "\n" << info.parallel_info << "\n" << info.config << "\n";
    return 0;
}

const Registration registration{"info", "LibTorch version, devices, threads, BLAS", run_info};

}  // namespace
}  // namespace pictor::cli
