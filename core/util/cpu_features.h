// What the CPU offers beyond the build's baseline, as Linux reports it in /proc/cpuinfo.
//
// Used to offer bfloat16 only where it runs fast: LibTorch's CPU bf16 matrix products use
// AVX512-BF16 / AMX tiles (oneDNN) when present and fall back to a float32 emulation many times
// slower than plain float32 otherwise, so bf16 is a choice only on CPUs with one of them.
// Failure contract: never throws; an unreadable /proc/cpuinfo (not Linux) means "no".
// Thread-safety: pure functions; cpu_has_fast_bf16() reads the file once (thread-safe static).
#pragma once

#include <string_view>

namespace pictor {

// True when a "flags" line of the /proc/cpuinfo text `cpuinfo` names avx512_bf16 or amx_bf16
// as a whole word.
bool cpuinfo_has_fast_bf16(std::string_view cpuinfo);

// cpuinfo_has_fast_bf16 of this machine's /proc/cpuinfo.
bool cpu_has_fast_bf16();

}  // namespace pictor
