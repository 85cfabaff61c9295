// Hand-assembled pickle bytes and torch.save-style zip archives for the checkpoint tests.
#pragma once

#include <caffe2/serialize/inline_container.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace pictor::test {

// Emits pickle opcodes (protocol 2, as torch.save writes) into a byte string.
class PickleBuilder {
public:
    PickleBuilder& op(char c) { out_ += c; return *this; }
    PickleBuilder& proto() { out_ += "\x80\x02"; return *this; }
    PickleBuilder& mark() { return op('('); }
    PickleBuilder& stop() { return op('.'); }
    PickleBuilder& global(const std::string& module, const std::string& name) {
        out_ += 'c' + module + '\n' + name + '\n';
        return *this;
    }
    PickleBuilder& str(const std::string& s) {
        out_ += 'X';
        le(s.size(), 4);
        out_ += s;
        return *this;
    }
    PickleBuilder& integer(int64_t v) {
        if (v >= 0 && v < 256) { out_ += 'K'; le(static_cast<uint64_t>(v), 1); }
        else if (v >= INT32_MIN && v <= INT32_MAX) { out_ += 'J'; le(static_cast<uint32_t>(v), 4); }
        else { out_ += "\x8a\x08"; le(static_cast<uint64_t>(v), 8); }
        return *this;
    }
    PickleBuilder& ints(const std::vector<int64_t>& v) {  // a tuple of ints
        mark();
        for (int64_t x : v) integer(x);
        return op('t');
    }
    PickleBuilder& put(uint8_t k) { out_ += 'q'; out_ += static_cast<char>(k); return *this; }
    PickleBuilder& get(uint8_t k) { out_ += 'h'; out_ += static_cast<char>(k); return *this; }
    PickleBuilder& raw(const std::string& bytes) { out_ += bytes; return *this; }
    // _rebuild_tensor_v2(persistent storage, offset, size, stride, False, OrderedDict()) on the stack.
    PickleBuilder& tensor(const std::string& storage_type, const std::string& key, int64_t numel, int64_t offset,
                          const std::vector<int64_t>& size, const std::vector<int64_t>& stride) {
        global("torch._utils", "_rebuild_tensor_v2");
        mark();
        mark().str("storage").global("torch", storage_type).str(key).str("cpu").integer(numel).op('t').op('Q');
        integer(offset).ints(size).ints(stride).op('\x89');
        global("collections", "OrderedDict").op(')').op('R');
        op('t').op('R');
        return *this;
    }
    const std::string& bytes() const { return out_; }

private:
    void le(uint64_t v, int n) {
        for (int i = 0; i < n; ++i) out_ += static_cast<char>((v >> (8 * i)) & 0xff);
    }
    std::string out_;
};

// Writes a torch.save-like zip: archive/data.pkl, archive/data/<key> records, archive/version.
inline void write_torch_zip(const std::filesystem::path& path, const std::string& pkl,
                            const std::map<std::string, std::string>& records) {
    caffe2::serialize::PyTorchStreamWriter writer(path.string());
    writer.writeRecord("data.pkl", pkl.data(), pkl.size());
    for (const auto& [key, bytes] : records) writer.writeRecord("data/" + key, bytes.data(), bytes.size());
    writer.writeEndOfFile();
}

template <typename T>
std::string raw_bytes(const std::vector<T>& values) {
    return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

}  // namespace pictor::test
