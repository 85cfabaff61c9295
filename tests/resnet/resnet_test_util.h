// Shared by the ResNet test files: the fixture ResNet18, loaded once per test process.
#pragma once

#include <filesystem>

#include "core/models/resnet/resnet.h"

namespace pictor::test {

// resnet/resnet18.pth through load_resnet (the .pth path of the loader), cached.
inline ResNet& resnet18_fixture(const std::filesystem::path& resnet_dir) {
    static ResNet model = load_resnet(resnet_dir / "resnet18.pth");
    return model;
}

}  // namespace pictor::test
