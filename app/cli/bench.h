// `pictor-cli bench <target>`: each benchmark target (clip, resnet50, unet, ...) lives in its own
// bench_<family>.cpp and registers here. Results are JSON objects; the dispatcher prints them
// (pretty JSON with --json, else "key: value" lines).
#pragma once

#include <functional>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "app/cli/args.h"

namespace pictor::cli {

struct BenchTarget {
    std::string name;
    std::string summary;
    // Reads its own options from `args` (call args.finish() before the timed work) and returns
    // the measurements.
    std::function<nlohmann::json(Args&)> run;
};

std::map<std::string, BenchTarget>& bench_targets();

struct BenchRegistration {
    BenchRegistration(std::string name, std::string summary, std::function<nlohmann::json(Args&)> run) {
        bench_targets()[name] = BenchTarget{name, std::move(summary), std::move(run)};
    }
};

// Runs `fn` `warmup` times untimed, then `repeats` times; returns the per-run seconds, sorted.
std::vector<double> time_runs(const std::function<void()>& fn, int repeats, int warmup = 1);
double median(std::vector<double> seconds);
// Peak resident set size of this process so far, in MiB (VmHWM).
double peak_rss_mib();

}  // namespace pictor::cli
