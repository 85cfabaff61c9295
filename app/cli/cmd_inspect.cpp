// pictor-cli inspect: the tensors (name, dtype, shape) of a weight file, without running anything.
#include <algorithm>
#include <iomanip>
#include <iostream>

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include "app/cli/args.h"
#include "app/cli/command.h"
#include "core/io/model_ref.h"
#include "core/io/safetensors.h"
#include "core/io/torch_checkpoint.h"
#include "core/util/error.h"

namespace pictor::cli {
namespace {

struct Row {
    std::string name, dtype;
    std::vector<int64_t> shape;
    int64_t numel = 1;
};

// safetensors' names for ATen types, so both formats print alike.
std::string dtype_name(c10::ScalarType t) {
    switch (t) {
        case c10::ScalarType::Double: return "F64";
        case c10::ScalarType::Float: return "F32";
        case c10::ScalarType::Half: return "F16";
        case c10::ScalarType::BFloat16: return "BF16";
        case c10::ScalarType::Long: return "I64";
        case c10::ScalarType::Int: return "I32";
        case c10::ScalarType::Short: return "I16";
        case c10::ScalarType::Char: return "I8";
        case c10::ScalarType::Byte: return "U8";
        case c10::ScalarType::Bool: return "BOOL";
        default: return c10::toString(t);
    }
}

std::string shape_string(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

int run_inspect(Args& args) {
    if (args.wants_help()) {
        std::cout << "usage: pictor-cli inspect FILE [--json]\n\n"
                     "Lists the tensors (name, dtype, shape) of a weight file and the total number of\n"
                     "values. FILE is a .safetensors file or a PyTorch checkpoint (.pth, .pt, .bin, .ckpt,\n"
                     "read with the restricted unpickler: nothing in the file is executed), a model folder,\n"
                     "or a model reference (ORG/NAME from the Hugging Face cache, a torchvision .pth name).\n\n"
                     "  --json   machine-readable output\n";
        return 0;
    }
    const bool json = args.flag("json");
    const auto files = args.positionals();
    args.finish();
    if (files.size() != 1) throw UsageError("inspect takes exactly one FILE");

    const ResolvedModel model = resolve_model_ref(files[0]);
    const std::filesystem::path path = model.is_file() ? model.path : find_weight_file(model.path);

    std::vector<Row> rows;
    std::map<std::string, std::string> metadata;
    std::string format;
    const std::string ext = path.extension().string();
    if (is_zip_file(path) || ext == ".pth" || ext == ".pt" || ext == ".bin" || ext == ".ckpt") {
        format = "pytorch";
        for (const auto& [name, t] : load_torch_checkpoint(path))
            rows.push_back({name, dtype_name(t.scalar_type()), t.sizes().vec(), t.numel()});
    } else {
        format = "safetensors";
        const SafetensorsFile file(path);  // reads the header only
        metadata = file.metadata();
        for (const auto& e : file.entries()) {
            Row r{e.name, e.dtype, e.shape, 1};
            for (int64_t d : e.shape) r.numel *= d;
            rows.push_back(std::move(r));
        }
        std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.name < b.name; });
    }
    int64_t total = 0;
    for (const auto& r : rows) total += r.numel;

    if (json) {
        nlohmann::json j{{"file", path.string()}, {"format", format}, {"tensor_count", rows.size()},
                         {"parameter_count", total}, {"tensors", nlohmann::json::array()}};
        if (!metadata.empty()) j["metadata"] = metadata;
        for (const auto& r : rows) j["tensors"].push_back({{"name", r.name}, {"dtype", r.dtype}, {"shape", r.shape}});
        std::cout << j.dump(2) << "\n";
        return 0;
    }
    size_t width = 4;
    for (const auto& r : rows) width = std::max(width, r.name.size());
    std::cout << path.string() << ": " << format << ", " << rows.size() << " tensors, " << total << " values\n";
    for (const auto& [k, v] : metadata) std::cout << "metadata " << k << " = " << v << "\n";
    for (const auto& r : rows)
        std::cout << std::left << std::setw(static_cast<int>(width)) << r.name << "  " << std::setw(4) << r.dtype
                  << "  " << shape_string(r.shape) << "\n";
    return 0;
}

const Registration registration{"inspect", "list the tensors of a weight file (.safetensors/.pth/.bin/.ckpt)",
                                run_inspect};

}  // namespace
}  // namespace pictor::cli
