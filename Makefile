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

.PHONY: all deps configure build run test package clean asan fuzz fuzz-build fuzz-ci soak

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

# Parser tests under AddressSanitizer + UBSan (a separate build folder).
asan:
	$(MAKE) build BUILD_DIR=build-asan BUILD_TYPE=Debug CMAKE_FLAGS="-DPICTOR_SANITIZE=ON -DPICTOR_BUILD_UI=OFF"
	cd build-asan && ctest --output-on-failure -R 'test_io|test_image|test_settings|test_text'

# The studio soak test: 300 mixed jobs in one process (tests/ui/test_soak.cpp), ~1 min.
soak: build
	cd $(BUILD_DIR) && QT_QPA_PLATFORM=offscreen ./tests/ui/test_ui "[soak]"

# libFuzzer targets, one per parser (fuzz/README.md), under ASan+UBSan in their own build folder
# (clang); each runs FUZZ_SECONDS, findings fail the target and land in build-fuzz/artifacts/.
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 30
fuzz-build: deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release \
	  -DPICTOR_FUZZ=ON -DPICTOR_BUILD_UI=OFF -DPICTOR_BUILD_TESTS=OFF
	cmake --build $(FUZZ_DIR) --target fuzz_all
	fuzz/seeds.sh $(FUZZ_DIR)

fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run.sh $(FUZZ_DIR)

# What CI runs: every target for 30 s.
fuzz-ci:
	$(MAKE) fuzz FUZZ_SECONDS=30

clean:
	rm -rf $(BUILD_DIR)
