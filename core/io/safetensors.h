// safetensors files: a memory-mapped, bounds-checked reader and an atomic writer.
//
// Format: u64 little-endian header length N, N bytes of JSON
// {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}, then the data.
// The reader validates everything before handing out a tensor and throws pictor::Error naming the
// file and the tensor. A SafetensorsFile is safe to read from several threads once opened.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/io/tensor_map.h"

namespace pictor {

struct SafetensorsEntry {
    std::string name;
    std::string dtype;              // as written in the file: "F32", "F16", "BF16", "I64", ...
    c10::ScalarType scalar_type;    // the matching ATen type
    std::vector<int64_t> shape;
    uint64_t begin = 0, end = 0;    // byte offsets relative to the start of the data section
};

class SafetensorsFile {
public:
    // Maps the file and validates the header and every entry. Throws pictor::Error.
    explicit SafetensorsFile(const std::filesystem::path& path);
    ~SafetensorsFile();
    SafetensorsFile(const SafetensorsFile&) = delete;
    SafetensorsFile& operator=(const SafetensorsFile&) = delete;

    const std::filesystem::path& path() const { return path_; }
    // Entries in file order (by data offset).
    const std::vector<SafetensorsEntry>& entries() const { return entries_; }
    const std::map<std::string, std::string>& metadata() const { return metadata_; }
    bool contains(const std::string& name) const;
    const SafetensorsEntry& entry(const std::string& name) const;  // throws if absent

    // The tensor, copied out of the mapping into its own memory (so it outlives this object), and
    // converted to `dtype` when given. Throws pictor::Error if `name` is absent.
    at::Tensor load(const std::string& name, std::optional<c10::ScalarType> dtype = std::nullopt) const;
    // Every tensor; `dtype` converts the floating-point ones only (integer tensors such as
    // `num_batches_tracked` keep their type), as load_weights does.
    TensorMap load_all(std::optional<c10::ScalarType> dtype = std::nullopt) const;

private:
    std::filesystem::path path_;
    std::vector<SafetensorsEntry> entries_;
    std::map<std::string, size_t> index_;
    std::map<std::string, std::string> metadata_;
    const uint8_t* data_ = nullptr;  // start of the data section inside the mapping
    void* map_ = nullptr;
    size_t map_size_ = 0;
};

// Writes tensors (any device, any layout; stored contiguous, little-endian) with optional
// metadata, atomically (temp file + rename). Throws pictor::Error.
void write_safetensors(const std::filesystem::path& path, const TensorMap& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace pictor
