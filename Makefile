# Pictor: `make run` builds and starts the studio, `make test` builds and runs every test.
# Both install missing Debian packages first (with sudo when not root).

BUILD_DIR ?= build
BUILD_TYPE ?= Release
CMAKE_FLAGS ?=
CTEST_FLAGS ?=
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Every build and runtime dependency, and why:
PACKAGES := \
  cmake ninja-build g++ pkg-config ccache \
  libtorch-dev libopenblas0-openmp \
  qt6-base-dev qt6-charts-dev libqt6opengl6-dev libgl-dev \
  libyaml-cpp-dev nlohmann-json3-dev catch2 libicu-dev \
  libpng-dev libjpeg-dev libcurl4-openssl-dev libssl-dev \
  libfreetype-dev fonts-dejavu-core \
  python3 xvfb xauth appstream desktop-file-utils dpkg-dev \
  clang libclang-rt-14-dev
# clang + libclang-rt-14-dev: `make fuzz` (libFuzzer and clang's ASan/UBSan runtimes, fuzz/).

.PHONY: all deps configure build run test package clean asan fuzz fuzz-build fuzz-ci soak sanitizer-configure

all: build

deps:
	@missing=$$(for p in $(PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing missing packages: $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

configure: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD_DIR)

run: build
	./$(BUILD_DIR)/app/pictor

test: build
	cd $(BUILD_DIR) && QT_QPA_PLATFORM=offscreen ctest --output-on-failure -j2 $(CTEST_FLAGS)

package: build
	cd $(BUILD_DIR) && cpack -G DEB

# The studio soak test: 300 mixed jobs in one process (tests/ui/test_soak.cpp), ~1 min.
soak: build
	cd $(BUILD_DIR) && QT_QPA_PLATFORM=offscreen ./tests/ui/test_ui "[soak]"

# One clang build folder instrumented with ASan+UBSan (and libFuzzer's coverage) serves both the
# fuzz targets and the sanitizer run of the whole test suite: the engine is compiled once for both.
# `make fuzz-build` builds only the fuzz targets and what they link; `make asan` builds everything.
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 30
FUZZ_JOBS ?= 1
sanitizer-configure: deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DPICTOR_FUZZ=ON

# libFuzzer targets, one per parser (fuzz/README.md); each runs FUZZ_SECONDS, findings fail the
# target and land in build-fuzz/artifacts/.
fuzz-build: sanitizer-configure
	cmake --build $(FUZZ_DIR) --target fuzz_all
	fuzz/seeds.sh $(FUZZ_DIR)

fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) fuzz/run.sh $(FUZZ_DIR)

# What CI runs: every target for 30 s, two at a time (one per core).
fuzz-ci:
	$(MAKE) fuzz FUZZ_SECONDS=30 FUZZ_JOBS=2

# The whole ctest suite under AddressSanitizer + UBSan (UB aborts; leaks are reported at exit,
# third-party ones listed in tests/sanitizers/lsan.supp).
asan: sanitizer-configure
	ASAN_OPTIONS=detect_leaks=0 cmake --build $(FUZZ_DIR)  # the build lists tests by running them
	cd $(FUZZ_DIR) && QT_QPA_PLATFORM=offscreen \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=0 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitizers/lsan.supp:print_suppressions=0 \
	  ctest --output-on-failure -j2 $(CTEST_FLAGS)

clean:
	rm -rf $(BUILD_DIR)
