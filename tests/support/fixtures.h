// Access to the golden reference data in ../shared/fixtures (or $PICTOR_FIXTURES).
//
// Golden tests start with `PICTOR_REQUIRE_FIXTURES(dir, "clip-tiny")`: when the folder is absent
// the test prints PICTOR_SKIPPED (ctest reports it as skipped) and returns — except under
// CI=true, where a missing folder fails the test. A skipped parity test is worth nothing, so CI
// never skips.
#pragma once

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <optional>
#include <string>

namespace pictor::test {

// The checkout this test binary was built from (README.md, resources/, tests/).
std::filesystem::path source_dir();

// The fixtures root, if it exists.
std::optional<std::filesystem::path> fixtures_root();

// Root / sub if present; nullopt (after printing PICTOR_SKIPPED or failing under CI) otherwise.
std::optional<std::filesystem::path> require_fixtures(const std::string& sub);

// A fresh empty temporary folder, removed when the object goes away.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

// Max |a - b| (after converting both to double on the CPU); shapes must match exactly.
double max_abs_diff(const at::Tensor& a, const at::Tensor& b);

// True when shapes match and every element satisfies |a-b| <= atol + rtol*|b|; on failure it
// prints the worst element with `what` to help reading the log.
bool all_close(const at::Tensor& actual, const at::Tensor& expected, double atol, double rtol = 0.0,
               const std::string& what = "");

std::string read_text_file(const std::filesystem::path& path);
void write_text_file(const std::filesystem::path& path, const std::string& text);

}  // namespace pictor::test

#define PICTOR_REQUIRE_FIXTURES(var, sub)                                    \
    const auto var##_opt = ::pictor::test::require_fixtures(sub);           \
    if (!var##_opt) return;                                                  \
    const std::filesystem::path var = *var##_opt
