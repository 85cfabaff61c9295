// pictor-cli bench <target>: performance measurements as JSON (never timed tests).
#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/autograd/profiler_legacy.h>

#include <optional>

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

// What this machine's matrix products deliver right now (GFLOP/s of a 2048×320×2560 float GEMM,
// the shape of SD's feed-forward layers at 256²): on a shared VM the same code varies by 20–30%
// from one minute to the next, and this number lets readers compare runs fairly.
double sgemm_gflops() {
    const at::Tensor a = at::randn({2048, 320}), b = at::randn({320, 2560});
    at::Tensor c = at::mm(a, b);
    std::vector<double> s = time_runs([&] { at::mm_out(c, a, b); }, 7, 1);
    return 2.0 * 2048 * 320 * 2560 / median(s) / 1e9;
}

void print_usage() {
    std::cout << "usage: pictor-cli bench <target> [options] [--json]\n\ntargets:\n";
    for (const auto& [name, target] : bench_targets()) {
        std::cout << "  " << name << std::string(name.size() < 16 ? 16 - name.size() : 1, ' ') << target.summary
                  << "\n";
    }
    std::cout << "\nEach target takes --help for its options. Common options:\n"
                 "  --json          JSON output\n"
                 "  --profile FILE  run the target under LibTorch's profiler and write a chrome://tracing file\n"
                 "                  (every op with its time: for finding hot spots, not for timing)\n";
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
    const std::string profile = args.value_or("profile", "");
    c10::InferenceMode inference;
    std::optional<torch::autograd::profiler::RecordProfile> profiler;
    if (!profile.empty() && !args.wants_help()) profiler.emplace(profile);
    nlohmann::json result = it->second.run(args);
    profiler.reset();  // writes the trace
    if (result.is_null()) return 0;  // the target printed its own --help
    result["target"] = it->first;
    result["pictor"] = pictor::version();
    result["threads"] = at::get_num_threads();
    result["peak_rss_mib"] = peak_rss_mib();
    result["machine_sgemm_gflops"] = sgemm_gflops();
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
