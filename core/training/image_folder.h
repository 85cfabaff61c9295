// ImageFolder datasets: DIR/<class>/<image>.{png,jpg,jpeg}, as torchvision's ImageFolder reads them.
//
// Classes are the sub-folder names sorted by code point (torchvision sorts `os.scandir` names);
// images inside a class are sorted the same way. Folders without images still count as classes
// (torchvision raises for them; we report them as an error since a class without examples cannot
// be trained or split). Throws pictor::Error naming the folder.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace pictor {

struct ImageFolderSample {
    std::filesystem::path path;
    int64_t label = 0;  // index into ImageFolder::classes
};

struct ImageFolder {
    std::filesystem::path root;
    std::vector<std::string> classes;
    std::vector<ImageFolderSample> samples;  // by class, then by file name

    // Number of samples of each class, indexed by label.
    std::vector<int64_t> class_counts() const;
};

// True for the extensions the loader decodes (.png, .jpg, .jpeg; case-insensitive).
bool is_image_file(const std::filesystem::path& path);

ImageFolder scan_image_folder(const std::filesystem::path& root);

}  // namespace pictor
