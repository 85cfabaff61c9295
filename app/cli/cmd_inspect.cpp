// pictor-cli inspect: the tensors (name, dtype, shape) of a weight file, without running anything.
#include <algorithm>
#include <iomanip>
#include <optional>
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/cli/args.h"
#include "app/cli/command.h"
#include "core/jobs/inspect_weights.h"
#include "core/models/sd/single_file_config.h"
#include "core/util/error.h"

namespace pictor::cli {
namespace {

std::string shape_string(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

// For an original-layout Stable Diffusion checkpoint: the architecture Pictor would build (with
// the sidecar yaml when there is one) and the defaults it takes; nullopt for any other file.
std::optional<std::pair<std::string, std::vector<std::string>>> sd_architecture(const jobs::WeightListing& listing) {
    TensorShapes shapes;
    for (const auto& r : listing.tensors) shapes[r.name] = r.shape;
    if (!is_ldm_checkpoint(shapes)) return std::nullopt;
    try {
        const SingleFileArchitecture a = single_file_architecture(listing.file, shapes, {});
        return std::make_pair(a.describe(), a.notes);
    } catch (const Error& e) {
        return std::make_pair(std::string("unknown Stable Diffusion checkpoint: ") + e.what(), std::vector<std::string>{});
    }
}

int run_inspect(Args& args) {
    if (args.wants_help()) {
        std::cout << "usage: pictor-cli inspect FILE [--json]\n\n"
                     "Lists the tensors (name, dtype, shape) of a weight file and the total number of\n"
                     "values. FILE is a .safetensors file or a PyTorch checkpoint (.pth, .pt, .bin, .ckpt,\n"
                     "read with the restricted unpickler: nothing in the file is executed), a model folder,\n"
                     "or a model reference (ORG/NAME from the Hugging Face cache, a torchvision .pth name).\n"
                     "For an original-layout Stable Diffusion checkpoint it also names the architecture\n"
                     "(SD 1.x/2.x, inpainting, prediction type; from the sidecar .yaml or the weights).\n\n"
                     "  --json   machine-readable output\n";
        return 0;
    }
    const bool json = args.flag("json");
    const auto files = args.positionals();
    args.finish();
    if (files.size() != 1) throw UsageError("inspect takes exactly one FILE");

    const jobs::WeightListing listing = jobs::inspect_weights(files[0]);
    const auto& rows = listing.tensors;
    const auto& metadata = listing.metadata;
    const std::string& format = listing.format;
    const std::string& path = listing.file;
    const int64_t total = listing.total_values;

    if (json) {
        nlohmann::json j{{"file", path}, {"format", format}, {"tensor_count", rows.size()},
                         {"parameter_count", total}, {"tensors", nlohmann::json::array()}};
        if (!metadata.empty()) j["metadata"] = metadata;
        if (const auto arch = sd_architecture(listing)) {
            j["architecture"] = arch->first;
            j["architecture_notes"] = arch->second;
        }
        for (const auto& r : rows) j["tensors"].push_back({{"name", r.name}, {"dtype", r.dtype}, {"shape", r.shape}});
        std::cout << j.dump(2) << "\n";
        return 0;
    }
    size_t width = 4;
    for (const auto& r : rows) width = std::max(width, r.name.size());
    std::cout << path << ": " << format << ", " << rows.size() << " tensors, " << total << " values\n";
    for (const auto& [k, v] : metadata) std::cout << "metadata " << k << " = " << v << "\n";
    if (const auto arch = sd_architecture(listing)) {
        std::cout << "architecture: " << arch->first << "\n";
        for (const auto& note : arch->second) std::cout << "  default: " << note << "\n";
    }
    for (const auto& r : rows)
        std::cout << std::left << std::setw(static_cast<int>(width)) << r.name << "  " << std::setw(4) << r.dtype
                  << "  " << shape_string(r.shape) << "\n";
    return 0;
}

const Registration registration{"inspect", "list the tensors of a weight file (.safetensors/.pth/.bin/.ckpt)",
                                run_inspect};

}  // namespace
}  // namespace pictor::cli
