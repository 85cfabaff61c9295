#include "tests/support/catch.h"

#include "core/util/cpu_features.h"

#include <fstream>
#include <sstream>
#include <string>

using pictor::cpuinfo_has_fast_bf16;

TEST_CASE("bf16 is offered only for avx512_bf16 or amx_bf16 in a flags line", "[util][cpu]") {
    CHECK(cpuinfo_has_fast_bf16("processor\t: 0\nflags\t\t: fpu sse2 avx512f avx512_bf16 avx512_fp16\n"));
    CHECK(cpuinfo_has_fast_bf16("flags\t\t: fpu amx_bf16 amx_tile\nbugs\t\t: spectre_v1\n"));
    CHECK(cpuinfo_has_fast_bf16("flags\t\t: fpu avx512_bf16"));  // last line without '\n'
    CHECK(cpuinfo_has_fast_bf16("flags\t\t: fpu avx512_bf16\r\n"));
    // AVX-512 without BF16, a longer flag that only contains the name, the name outside "flags".
    CHECK_FALSE(cpuinfo_has_fast_bf16("flags\t\t: fpu avx512f avx512bw avx512vl\n"));
    CHECK_FALSE(cpuinfo_has_fast_bf16("flags\t\t: fpu xavx512_bf16 amx_bf16x\n"));
    CHECK_FALSE(cpuinfo_has_fast_bf16("bugs\t\t: avx512_bf16\nmodel name\t: amx_bf16 test\n"));
    CHECK_FALSE(cpuinfo_has_fast_bf16(""));
    CHECK_FALSE(cpuinfo_has_fast_bf16("flags without colon avx512_bf16\n"));
}

TEST_CASE("cpu_has_fast_bf16 reads this machine's /proc/cpuinfo", "[util][cpu]") {
    std::ifstream in("/proc/cpuinfo");
    std::ostringstream text;
    if (in) text << in.rdbuf();
    const std::string info = text.str();
    const bool expected = info.find(" avx512_bf16") != std::string::npos || info.find(" amx_bf16") != std::string::npos;
    CHECK(pictor::cpu_has_fast_bf16() == expected);
}
