#include "core/io/safetensors.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/utf8.h"

namespace pictor {

namespace fs = std::filesystem;

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; a big-endian host would need byte swapping");

namespace {

// The JSON header of a real checkpoint is a few hundred KiB (SD's UNet: ~100 KiB); anything past
// this cap is a corrupt or hostile file, not a header to allocate for.
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

struct DtypeInfo {
    const char* name;
    c10::ScalarType type;
    size_t size;
};

constexpr DtypeInfo kDtypes[] = {
    {"F64", c10::ScalarType::Double, 8}, {"F32", c10::ScalarType::Float, 4},
    {"F16", c10::ScalarType::Half, 2},   {"BF16", c10::ScalarType::BFloat16, 2},
    {"I64", c10::ScalarType::Long, 8},   {"I32", c10::ScalarType::Int, 4},
    {"I16", c10::ScalarType::Short, 2},  {"I8", c10::ScalarType::Char, 1},
    {"U8", c10::ScalarType::Byte, 1},    {"BOOL", c10::ScalarType::Bool, 1},
};

const DtypeInfo* dtype_by_name(const std::string& name) {
    for (const auto& d : kDtypes)
        if (name == d.name) return &d;
    return nullptr;
}

const DtypeInfo* dtype_by_type(c10::ScalarType type) {
    for (const auto& d : kDtypes)
        if (type == d.type) return &d;
    return nullptr;
}

std::string shape_string(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

// Parses one header entry; `err` prefixes every message with the file and tensor.
SafetensorsEntry parse_entry(const std::string& name, const nlohmann::json& j, uint64_t data_size,
                             const std::string& where) {
    auto bad = [&](const std::string& what) -> Error {
        return Error(where + ": tensor '" + name + "': " + what);
    };
    if (!j.is_object()) throw bad("header entry is not an object (got " + std::string(j.type_name()) + ")");
    SafetensorsEntry e;
    e.name = name;

    const auto dt = j.find("dtype");
    if (dt == j.end() || !dt->is_string()) throw bad("missing or non-string \"dtype\"");
    e.dtype = dt->get<std::string>();
    const DtypeInfo* info = dtype_by_name(e.dtype);
    if (!info)
        throw bad("unknown dtype \"" + e.dtype + "\" (expected one of F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL)");
    e.scalar_type = info->type;

    const auto sh = j.find("shape");
    if (sh == j.end() || !sh->is_array()) throw bad("missing or non-array \"shape\"");
    // numel × element size must not overflow: check each multiplication against the data size.
    uint64_t bytes = info->size;
    bool overflow = false;
    for (const auto& d : *sh) {
        if (!d.is_number_integer() || d.get<int64_t>() < 0)
            throw bad("\"shape\" must hold non-negative integers, got " + sh->dump());
        const uint64_t v = d.get<uint64_t>();
        e.shape.push_back(static_cast<int64_t>(v));
        if (v != 0 && bytes > std::numeric_limits<uint64_t>::max() / v) overflow = true;
        else bytes *= v;
    }
    if (overflow && bytes != 0) throw bad("shape " + shape_string(e.shape) + " is too large");

    const auto off = j.find("data_offsets");
    if (off == j.end() || !off->is_array() || off->size() != 2 || !(*off)[0].is_number_unsigned() ||
        !(*off)[1].is_number_unsigned())
        throw bad("\"data_offsets\" must be two non-negative integers, got " +
                  (off == j.end() ? std::string("nothing") : off->dump()));
    e.begin = (*off)[0].get<uint64_t>();
    e.end = (*off)[1].get<uint64_t>();
    if (e.begin > e.end)
        throw bad("data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) + "] are reversed");
    if (e.end > data_size)
        throw bad("data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                  "] lie outside the data section (" + std::to_string(data_size) + " bytes; file truncated?)");
    if (e.end - e.begin != bytes)
        throw bad("shape " + shape_string(e.shape) + " of " + e.dtype + " needs " + std::to_string(bytes) +
                  " bytes but data_offsets span " + std::to_string(e.end - e.begin));
    return e;
}

}  // namespace

SafetensorsFile::SafetensorsFile(const fs::path& path) : path_(path) {
    const std::string where = "safetensors file '" + path.string() + "'";
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail("cannot open " + where + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int err = errno;
        ::close(fd);
        fail("cannot stat " + where + ": " + std::strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        fail(where + " is not a regular file");
    }
    const uint64_t file_size = static_cast<uint64_t>(st.st_size);
    if (file_size < 8) {
        ::close(fd);
        fail(where + ": file is " + std::to_string(file_size) + " bytes, too short for a safetensors header");
    }
    map_ = ::mmap(nullptr, file_size, PROT_READ, MAP_PRIVATE, fd, 0);
    const int map_err = errno;
    ::close(fd);  // the mapping keeps the file alive
    if (map_ == MAP_FAILED) {
        map_ = nullptr;
        fail("cannot memory-map " + where + ": " + std::strerror(map_err));
    }
    map_size_ = file_size;

    try {
        const auto* bytes = static_cast<const uint8_t*>(map_);
        uint64_t header_len = 0;
        std::memcpy(&header_len, bytes, 8);
        if (header_len > kMaxHeaderBytes)
            fail(where + ": header length " + std::to_string(header_len) + " exceeds the " +
                 std::to_string(kMaxHeaderBytes >> 20) + " MiB limit (not a safetensors file, or corrupt)");
        if (header_len > file_size - 8)
            fail(where + ": header length " + std::to_string(header_len) + " exceeds the file size (" +
                 std::to_string(file_size) + " bytes; truncated or not a safetensors file)");
        const uint64_t data_size = file_size - 8 - header_len;
        data_ = bytes + 8 + header_len;

        nlohmann::json header;
        try {
            header = nlohmann::json::parse(reinterpret_cast<const char*>(bytes + 8),
                                           reinterpret_cast<const char*>(bytes + 8 + header_len));
        } catch (const nlohmann::json::exception& e) {
            fail(where + ": header is not valid JSON: " + e.what());
        }
        if (!header.is_object()) fail(where + ": header is not a JSON object");

        for (auto it = header.begin(); it != header.end(); ++it) {
            if (it.key() == "__metadata__") {
                if (!it->is_object()) fail(where + ": \"__metadata__\" is not an object");
                for (auto m = it->begin(); m != it->end(); ++m) {
                    if (!m->is_string())
                        fail(where + ": metadata value \"" + m.key() + "\" is not a string");
                    metadata_[m.key()] = m->get<std::string>();
                }
                continue;
            }
            entries_.push_back(parse_entry(it.key(), *it, data_size, where));
        }

        std::sort(entries_.begin(), entries_.end(), [](const SafetensorsEntry& a, const SafetensorsEntry& b) {
            return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
        });
        // Sorted by start, ranges are disjoint iff each non-empty one starts at or after the furthest
        // end seen so far. Empty tensors occupy no bytes and cannot overlap anything.
        uint64_t furthest = 0;
        const SafetensorsEntry* furthest_entry = nullptr;
        for (const auto& e : entries_) {
            if (e.begin == e.end) continue;
            if (furthest_entry && e.begin < furthest)
                fail(where + ": tensor '" + e.name + "' (bytes " + std::to_string(e.begin) + ".." +
                     std::to_string(e.end) + ") overlaps tensor '" + furthest_entry->name + "' (bytes " +
                     std::to_string(furthest_entry->begin) + ".." + std::to_string(furthest_entry->end) + ")");
            if (e.end > furthest) {
                furthest = e.end;
                furthest_entry = &e;
            }
        }
        for (size_t i = 0; i < entries_.size(); ++i) index_[entries_[i].name] = i;
    } catch (...) {
        ::munmap(map_, map_size_);
        map_ = nullptr;
        throw;
    }
}

SafetensorsFile::~SafetensorsFile() {
    if (map_) ::munmap(map_, map_size_);
}

bool SafetensorsFile::contains(const std::string& name) const { return index_.count(name) != 0; }

const SafetensorsEntry& SafetensorsFile::entry(const std::string& name) const {
    const auto it = index_.find(name);
    if (it == index_.end()) fail("safetensors file '" + path_.string() + "' has no tensor '" + name + "'");
    return entries_[it->second];
}

at::Tensor SafetensorsFile::load(const std::string& name, std::optional<c10::ScalarType> dtype) const {
    const SafetensorsEntry& e = entry(name);
    const size_t n = e.end - e.begin;
    const uint8_t* src = data_ + e.begin;
    if (dtype && *dtype != e.scalar_type && e.scalar_type != c10::ScalarType::Bool && n &&
        reinterpret_cast<uintptr_t>(src) % c10::elementSize(e.scalar_type) == 0) {
        // Convert straight out of the (read-only) mapping: one pass instead of copy + convert.
        // `to` allocates the result and only reads the source.
        const at::Tensor view = at::from_blob(const_cast<uint8_t*>(src), e.shape,
                                              at::TensorOptions().dtype(e.scalar_type));
        return view.to(*dtype);
    }
    at::Tensor t = at::empty(e.shape, at::TensorOptions().dtype(e.scalar_type));
    if (n) {
        if (e.scalar_type == c10::ScalarType::Bool) {
            // Any byte other than 0/1 would be an invalid bool value in memory: normalise.
            auto* dst = static_cast<uint8_t*>(t.data_ptr());
            for (size_t i = 0; i < n; ++i) dst[i] = data_[e.begin + i] != 0;
        } else {
            std::memcpy(t.data_ptr(), data_ + e.begin, n);
        }
    }
    if (dtype && *dtype != e.scalar_type) t = t.to(*dtype);
    return t;
}

TensorMap SafetensorsFile::load_all(std::optional<c10::ScalarType> dtype) const {
    TensorMap out;
    for (const auto& e : entries_) {
        const bool convert = dtype && c10::isFloatingType(e.scalar_type);
        out.emplace(e.name, load(e.name, convert ? dtype : std::nullopt));
    }
    return out;
}

void write_safetensors(const fs::path& path, const TensorMap& tensors,
                       const std::map<std::string, std::string>& metadata) {
    const std::string where = "writing safetensors file '" + path.string() + "'";
    nlohmann::json header = nlohmann::json::object();
    if (!metadata.empty()) {
        nlohmann::json meta = nlohmann::json::object();
        for (const auto& [k, v] : metadata) meta[k] = v;
        header["__metadata__"] = meta;
    }
    std::vector<at::Tensor> data;
    uint64_t offset = 0;
    for (const auto& [name, tensor] : tensors) {
        if (name == "__metadata__") fail(where + ": \"__metadata__\" is reserved and cannot name a tensor");
        if (!tensor.defined()) fail(where + ": tensor '" + name + "' is undefined");
        const DtypeInfo* info = dtype_by_type(tensor.scalar_type());
        if (!info)
            fail(where + ": tensor '" + name + "' has dtype " + std::string(c10::toString(tensor.scalar_type())) +
                 ", which safetensors cannot store here");
        at::Tensor c = tensor.detach().to(at::kCPU).contiguous();
        const uint64_t bytes = static_cast<uint64_t>(c.numel()) * info->size;
        header[name] = {{"dtype", info->name},
                        {"shape", c.sizes().vec()},
                        {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
        data.push_back(std::move(c));
    }
    // The header is JSON, so names and metadata must be UTF-8; nlohmann's dump() throws its own
    // type_error for anything else (a torch checkpoint's key is not checked when read; found by
    // fuzz/fuzz_lora through this writer), turned into our error naming the key.
    std::string text;
    try {
        text = header.dump();
    } catch (const nlohmann::json::exception&) {
        std::vector<uint32_t> code_points;
        for (const auto& [name, tensor] : tensors)
            if (!decode_utf8(name, code_points)) fail(where + ": tensor name '" + name + "' is not valid UTF-8");
        for (const auto& [k, v] : metadata)
            if (!decode_utf8(k, code_points) || !decode_utf8(v, code_points))
                fail(where + ": metadata entry '" + k + "' is not valid UTF-8");
        fail(where + ": the header cannot be written as JSON");
    }
    // Pad with spaces so the data section starts 8-byte aligned (as the reference writer does).
    text.append((8 - (8 + text.size()) % 8) % 8, ' ');
    const uint64_t header_len = text.size();

    write_file_atomically(path, [&](const fs::path& temp) {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        if (!out) fail("cannot open '" + temp.string() + "' for writing");
        out.write(reinterpret_cast<const char*>(&header_len), 8);
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
        for (const auto& t : data)
            out.write(static_cast<const char*>(t.data_ptr()), static_cast<std::streamsize>(t.nbytes()));
        errno = 0;
        out.flush();
        out.close();
        if (!out) fail_write(path, "safetensors", errno);
    });
}

}  // namespace pictor
