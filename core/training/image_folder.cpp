#include "core/training/image_folder.h"

#include <algorithm>
#include <cctype>

#include "core/util/error.h"

namespace pictor {

namespace fs = std::filesystem;

std::vector<int64_t> ImageFolder::class_counts() const {
    std::vector<int64_t> counts(classes.size(), 0);
    for (const auto& s : samples) ++counts[static_cast<size_t>(s.label)];
    return counts;
}

bool is_image_file(const fs::path& path) {
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

ImageFolder scan_image_folder(const fs::path& root) {
    std::error_code ec;
    if (!fs::is_directory(root, ec)) fail("dataset folder '" + root.string() + "' does not exist or is not a folder");
    ImageFolder folder;
    folder.root = root;
    for (const auto& entry : fs::directory_iterator(root, ec)) {
        const std::string name = entry.path().filename().string();
        if (entry.is_directory() && !name.empty() && name[0] != '.') folder.classes.push_back(name);
    }
    if (ec) fail("cannot read dataset folder '" + root.string() + "': " + ec.message());
    std::sort(folder.classes.begin(), folder.classes.end());
    if (folder.classes.empty()) {
        fail("dataset folder '" + root.string() + "' has no class sub-folders (expected DIR/<class>/<image>.png)");
    }
    for (size_t label = 0; label < folder.classes.size(); ++label) {
        const fs::path class_dir = root / folder.classes[label];
        std::vector<fs::path> files;
        for (const auto& entry : fs::recursive_directory_iterator(class_dir, ec)) {
            const std::string name = entry.path().filename().string();
            if (entry.is_regular_file() && name[0] != '.' && is_image_file(entry.path())) files.push_back(entry.path());
        }
        if (ec) fail("cannot read class folder '" + class_dir.string() + "': " + ec.message());
        if (files.empty()) fail("class folder '" + class_dir.string() + "' has no images (.png, .jpg, .jpeg)");
        std::sort(files.begin(), files.end());
        for (auto& f : files) folder.samples.push_back({std::move(f), static_cast<int64_t>(label)});
    }
    return folder;
}

}  // namespace pictor
