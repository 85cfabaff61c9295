// Precompiled header for engine code: the heavy, stable headers only.
#pragma once
#include <ATen/ATen.h>
#include <torch/nn.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
