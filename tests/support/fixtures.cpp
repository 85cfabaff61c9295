#include "tests/support/fixtures.h"

#include <ATen/ATen.h>
#include "tests/support/catch.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

namespace pictor::test {

namespace fs = std::filesystem;

namespace {
bool running_in_ci() {
    const char* ci = std::getenv("CI");
    return ci && std::string(ci) == "true";
}
}  // namespace

fs::path source_dir() { return fs::path(PICTOR_SOURCE_DIR); }

std::optional<fs::path> fixtures_root() {
    if (const char* env = std::getenv("PICTOR_FIXTURES"); env && *env) {
        if (fs::is_directory(env)) return fs::path(env);
        return std::nullopt;
    }
    const fs::path beside = source_dir().parent_path() / "shared" / "fixtures";
    if (fs::is_directory(beside)) return beside;
    return std::nullopt;
}

std::optional<fs::path> require_fixtures(const std::string& sub) {
    const auto root = fixtures_root();
    if (root && fs::exists(*root / sub)) return *root / sub;
    const std::string where = root ? (*root / sub).string() : std::string("../shared/fixtures (or $PICTOR_FIXTURES)");
    if (running_in_ci()) {
        FAIL("golden fixtures missing under CI=true: " << where);
    }
    std::cout << "PICTOR_SKIPPED: golden fixtures not found: " << where << std::endl;
    return std::nullopt;
}

TempDir::TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("pictor-test-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(path_);
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}

double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
    REQUIRE(a.sizes() == b.sizes());
    if (a.numel() == 0) return 0.0;
    return (a.to(at::kDouble).cpu() - b.to(at::kDouble).cpu()).abs().max().item<double>();
}

bool all_close(const at::Tensor& actual, const at::Tensor& expected, double atol, double rtol,
               const std::string& what) {
    if (actual.sizes() != expected.sizes()) {
        std::cout << what << ": shape " << actual.sizes() << " != expected " << expected.sizes() << std::endl;
        return false;
    }
    if (actual.numel() == 0) return true;
    const at::Tensor a = actual.to(at::kDouble).cpu().flatten();
    const at::Tensor e = expected.to(at::kDouble).cpu().flatten();
    const at::Tensor excess = (a - e).abs() - (atol + rtol * e.abs());
    const int64_t worst = excess.argmax().item<int64_t>();
    const bool ok = excess[worst].item<double>() <= 0.0;
    if (!ok || !what.empty()) {
        std::cout << (what.empty() ? "tensor" : what) << ": max |diff| "
                  << (a - e).abs().max().item<double>() << " (worst at flat index " << worst << ": got "
                  << a[worst].item<double>() << ", expected " << e[worst].item<double>() << ")"
                  << (ok ? "" : "  ** OUT OF TOLERANCE **") << std::endl;
    }
    return ok;
}

std::string read_text_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_text_file(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    REQUIRE(out.good());
}

}  // namespace pictor::test
