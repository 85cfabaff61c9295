// pictor-cli bench <target>: performance measurements as JSON (never timed tests).
#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>

#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include "app/cli/bench.h"
#include "app/cli/command.h"
#include "core/util/runtime.h"
#include "core/version.h"

namespace pictor::cli {

std::map<std::string, BenchTarget>& bench_targets() {
    static std::map<std::string, BenchTarget> registry;
    return registry;
}

std::vector<double> time_runs(const std::function<void()>& fn, int repeats, int warmup) {
    for (int i = 0; i < warmup; ++i) fn();
    std::vector<double> seconds;
    for (int i = 0; i < repeats; ++i) {
        const auto start = std::chrono::steady_clock::now();
        fn();
        seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    std::sort(seconds.begin(), seconds.end());
    return seconds;
}

double median(std::vector<double> seconds) {
    if (seconds.empty()) return 0.0;
    std::sort(seconds.begin(), seconds.end());
    const size_t n = seconds.size();
    return n % 2 ? seconds[n / 2] : 0.5 * (seconds[n / 2 - 1] + seconds[n / 2]);
}

double peak_rss_mib() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
    }
    return 0.0;
}

namespace {

void print_usage() {
    std::cout << "usage: pictor-cli bench <target> [options] [--json]\n\ntargets:\n";
    for (const auto& [name, target] : bench_targets()) {
        std::cout << "  " << name << std::string(name.size() < 16 ? 16 - name.size() : 1, ' ') << target.summary
                  << "\n";
    }
    std::cout << "\nEach target takes --help for its options.\n";
}

int run_bench(Args& args) {
    auto positional = args.positionals();
    if (positional.empty()) {
        print_usage();
        return args.wants_help() ? 0 : 2;
    }
    const auto it = bench_targets().find(positional.front());
    if (it == bench_targets().end()) throw UsageError("unknown bench target '" + positional.front() + "'");
    if (positional.size() > 1) throw UsageError("unexpected argument '" + positional[1] + "'");
    const bool json = args.flag("json");
    c10::InferenceMode inference;
    nlohmann::json result = it->second.run(args);
    if (result.is_null()) return 0;  // the target printed its own --help
    result["target"] = it->first;
    result["pictor"] = pictor::version();
    result["threads"] = at::get_num_threads();
    result["peak_rss_mib"] = peak_rss_mib();
    if (json) {
        std::cout << result.dump(2) << "\n";
    } else {
        for (const auto& [key, value] : result.items()) std::cout << key << ": " << value.dump() << "\n";
    }
    return 0;
}

const Registration registration{"bench", "performance measurements (JSON with --json)", run_bench};

}  // namespace
}  // namespace pictor::cli
