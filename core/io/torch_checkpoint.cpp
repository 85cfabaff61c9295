#include "core/io/torch_checkpoint.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <caffe2/serialize/inline_container.h>

#include <array>
#include <cstring>
#include <fstream>
#include <map>
#include <set>

#include "core/io/pickle_reader.h"
#include "core/util/error.h"

namespace pictor {

namespace fs = std::filesystem;
using pickle::Value;
using pickle::ValuePtr;

namespace {

// Ref: torch/serialization.py (_save / _load: the persistent id
// ('storage', storage_type, key, location, numel) and the `data/<key>` records) and
// torch/_utils.py (_rebuild_tensor_v2, _rebuild_parameter).

const std::map<std::string, c10::ScalarType>& storage_types() {
    static const std::map<std::string, c10::ScalarType> types = {
        {"torch.DoubleStorage", c10::ScalarType::Double}, {"torch.FloatStorage", c10::ScalarType::Float},
        {"torch.HalfStorage", c10::ScalarType::Half},     {"torch.BFloat16Storage", c10::ScalarType::BFloat16},
        {"torch.LongStorage", c10::ScalarType::Long},     {"torch.IntStorage", c10::ScalarType::Int},
        {"torch.ShortStorage", c10::ScalarType::Short},   {"torch.CharStorage", c10::ScalarType::Char},
        {"torch.ByteStorage", c10::ScalarType::Byte},     {"torch.BoolStorage", c10::ScalarType::Bool},
    };
    return types;
}

// The callables we model (in C++) plus inert type markers. Nothing here runs Python code.
const std::set<std::string>& allowed_globals() {
    static const std::set<std::string> names = [] {
        std::set<std::string> s = {
            "collections.OrderedDict",
            "torch._utils._rebuild_tensor",
            "torch._utils._rebuild_tensor_v2",
            "torch._utils._rebuild_parameter",
            "torch._utils._rebuild_parameter_with_state",
            "torch._tensor._rebuild_from_type_v2",
            "torch.Tensor",
            "torch.nn.parameter.Parameter",
            // numpy scalars (e.g. a Lightning checkpoint's global_step) are rebuilt from raw bytes;
            // we keep them opaque.
            "numpy.core.multiarray.scalar",
            "numpy.dtype",
            "_codecs.encode",
        };
        for (const auto& [name, type] : storage_types()) s.insert(name);
        return s;
    }();
    return names;
}

std::string shape_string(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

int64_t as_int(const ValuePtr& v, const char* what) {
    if (v->kind != Value::Kind::Int) fail(std::string(what) + " must be an int, got " + v->type_name());
    return v->i;
}

std::vector<int64_t> as_int_tuple(const ValuePtr& v, const char* what) {
    if (v->kind != Value::Kind::Tuple && v->kind != Value::Kind::List)
        fail(std::string(what) + " must be a tuple of ints, got " + v->type_name());
    std::vector<int64_t> out;
    for (const auto& item : v->items) out.push_back(as_int(item, what));
    return out;
}

class CheckpointLoader {
public:
    explicit CheckpointLoader(const fs::path& path) : path_(path), where_("checkpoint '" + path.string() + "'") {}

    TensorMap load() {
        try {
            reader_ = std::make_unique<caffe2::serialize::PyTorchStreamReader>(path_.string());
        } catch (const c10::Error& e) {
            fail(where_ + " is not a readable PyTorch zip archive: " + e.what_without_backtrace());
        }
        if (reader_->hasRecord("byteorder")) {
            const std::string order = record_string("byteorder");
            if (order != "little") fail(where_ + ": byte order '" + order + "' is not supported (little-endian only)");
        }
        if (!reader_->hasRecord("data.pkl"))
            fail(where_ + " has no data.pkl record (a TorchScript archive or not a torch.save file?)");
        const std::string pkl = record_string("data.pkl");

        pickle::PickleHooks hooks;
        hooks.allowed = [](const std::string& module, const std::string& name) {
            return allowed_globals().count(module + "." + name) != 0;
        };
        hooks.call = [this](const std::string& global, const std::vector<ValuePtr>& args) {
            return call(global, args);
        };
        hooks.persistent_load = [this](const ValuePtr& pid) { return persistent_load(pid); };
        const ValuePtr top = pickle::unpickle(pkl, where_ + " data.pkl", hooks);

        if (top->kind != Value::Kind::Dict)
            fail(where_ + ": expected a dict of tensors (a state_dict), got a " + top->type_name());
        ValuePtr root = top;
        for (const auto& [k, v] : top->entries)
            if (k->kind == Value::Kind::String && k->s == "state_dict" && v->kind == Value::Kind::Dict) root = v;
        TensorMap out;
        flatten(*root, "", out, 0);
        if (out.empty() && !root->entries.empty()) fail(where_ + " holds no tensors");
        return out;
    }

private:
    std::string record_string(const std::string& name) {
        try {
            auto [data, size] = reader_->getRecord(name);
            return std::string(static_cast<const char*>(data.get()), size);
        } catch (const c10::Error& e) {
            fail(where_ + ": cannot read record '" + name + "': " + e.what_without_backtrace());
        }
    }

    // ('storage', torch.XStorage, key, location, numel) → a flat tensor over the whole record.
    ValuePtr persistent_load(const ValuePtr& pid) {
        if (pid->kind != Value::Kind::Tuple || pid->items.size() < 5 || pid->items[0]->kind != Value::Kind::String ||
            pid->items[0]->s != "storage")
            fail("unsupported persistent id (expected ('storage', type, key, location, numel))");
        const ValuePtr& type = pid->items[1];
        if (type->kind != Value::Kind::Global || !storage_types().count(type->s))
            fail("persistent id names storage type " +
                 (type->kind == Value::Kind::Global ? "'" + type->s + "'" : std::string(type->type_name())) +
                 ", not a supported torch storage");
        const c10::ScalarType dtype = storage_types().at(type->s);
        if (pid->items[2]->kind != Value::Kind::String) fail("storage key is not a string");
        const std::string key = pid->items[2]->s;
        const int64_t numel = as_int(pid->items[4], "storage size");
        if (numel < 0) fail("storage '" + key + "' has negative size");

        const auto cached = storages_.find(key);
        if (cached != storages_.end()) {
            if (cached->second.scalar_type() != dtype || cached->second.numel() != numel)
                fail("storage '" + key + "' is referenced with two different types or sizes");
            return Value::of_tensor(cached->second);
        }
        const std::string record = "data/" + key;
        if (!reader_->hasRecord(record)) fail("storage record '" + record + "' is missing from the archive");
        at::DataPtr data;
        size_t size = 0;
        try {
            std::tie(data, size) = reader_->getRecord(record);
        } catch (const c10::Error& e) {
            fail("cannot read storage record '" + record + "': " + e.what_without_backtrace());
        }
        const size_t elem = c10::elementSize(dtype);
        if (static_cast<uint64_t>(numel) > size / elem || size != static_cast<size_t>(numel) * elem)
            fail("storage record '" + record + "' has " + std::to_string(size) + " bytes, expected " +
                 std::to_string(numel) + " x " + std::to_string(elem));
        if (dtype == c10::ScalarType::Bool) {
            auto* b = static_cast<uint8_t*>(data.get());
            for (size_t i = 0; i < size; ++i) b[i] = b[i] != 0;
        }
        at::Storage storage(c10::Storage::use_byte_size_t(), size, std::move(data), nullptr, false);
        at::Tensor flat = at::empty({0}, at::TensorOptions().dtype(dtype));
        flat.set_(storage, 0, {numel}, {1});
        storages_.emplace(key, flat);
        return Value::of_tensor(flat);
    }

    ValuePtr call(const std::string& global, const std::vector<ValuePtr>& args) {
        if (global == "collections.OrderedDict") {
            if (!args.empty()) fail("OrderedDict with constructor arguments is not supported");
            return Value::dict();
        }
        if (global == "torch._utils._rebuild_tensor_v2" || global == "torch._utils._rebuild_tensor")
            return rebuild_tensor(args);
        if (global == "torch._utils._rebuild_parameter" || global == "torch._utils._rebuild_parameter_with_state") {
            if (args.empty() || args[0]->kind != Value::Kind::Tensor) fail(global + " expects a tensor");
            return args[0];  // requires_grad, hooks and state do not matter for weights
        }
        if (global == "torch._tensor._rebuild_from_type_v2") {
            // (func, new_type, args, state): a plain Tensor/Parameter rebuilt by `func`.
            if (args.size() < 3 || args[0]->kind != Value::Kind::Global || args[2]->kind != Value::Kind::Tuple)
                fail(global + ": malformed arguments");
            if (args[1]->kind != Value::Kind::Global ||
                (args[1]->s != "torch.Tensor" && args[1]->s != "torch.nn.parameter.Parameter"))
                fail(global + ": tensor subclass is not supported");
            return call(args[0]->s, args[2]->items);
        }
        if (global == "_codecs.encode") {
            if (args.empty() || args[0]->kind != Value::Kind::String) fail("_codecs.encode expects a string");
            return Value::bytes(args[0]->s);
        }
        if (global == "numpy.core.multiarray.scalar" || global == "numpy.dtype") return Value::opaque(global);
        fail("'" + global + "' cannot be called");
    }

    // (storage, storage_offset, size, stride[, requires_grad, backward_hooks, metadata])
    ValuePtr rebuild_tensor(const std::vector<ValuePtr>& args) {
        if (args.size() < 4) fail("_rebuild_tensor_v2 expects at least 4 arguments, got " + std::to_string(args.size()));
        if (args[0]->kind != Value::Kind::Tensor) fail("_rebuild_tensor_v2: first argument is not a storage");
        const at::Tensor& flat = args[0]->tensor;
        const int64_t offset = as_int(args[1], "storage offset");
        const std::vector<int64_t> size = as_int_tuple(args[2], "tensor size");
        const std::vector<int64_t> stride = as_int_tuple(args[3], "tensor stride");
        if (size.size() != stride.size())
            fail("tensor size " + shape_string(size) + " and stride " + shape_string(stride) + " differ in rank");
        // The furthest element addressed must lie inside the storage (a hostile file must not read
        // outside the record). Checked with overflow guards, each term < storage size.
        const int64_t storage_numel = flat.numel();
        bool empty = false;
        for (size_t d = 0; d < size.size(); ++d) {
            if (size[d] < 0 || stride[d] < 0)
                fail("negative size or stride in " + shape_string(size) + " / " + shape_string(stride));
            if (size[d] == 0) empty = true;
        }
        if (offset < 0 || offset > storage_numel) fail("storage offset " + std::to_string(offset) + " out of range");
        if (!empty) {
            int64_t last = offset;
            for (size_t d = 0; d < size.size(); ++d) {
                const int64_t span = size[d] - 1;
                if (stride[d] != 0 && span > (storage_numel - last) / stride[d])
                    fail("view " + shape_string(size) + " with stride " + shape_string(stride) + " at offset " +
                         std::to_string(offset) + " reaches past its storage of " + std::to_string(storage_numel) +
                         " elements");
                last += span * stride[d];
            }
            if (last >= storage_numel)
                fail("view " + shape_string(size) + " at offset " + std::to_string(offset) +
                     " reaches past its storage of " + std::to_string(storage_numel) + " elements");
        }
        at::Tensor t = at::empty({0}, flat.options());
        t.set_(flat.storage(), offset, size, stride);
        return Value::of_tensor(t);
    }

    void flatten(const Value& dict, const std::string& prefix, TensorMap& out, int depth) {
        if (depth > 32) fail(where_ + ": dicts nested too deeply (or recursive)");
        for (const auto& [k, v] : dict.entries) {
            std::string key;
            if (k->kind == Value::Kind::String) key = k->s;
            else if (k->kind == Value::Kind::Int) key = std::to_string(k->i);
            else continue;  // keys of other types never name weights
            const std::string name = prefix.empty() ? key : prefix + "." + key;
            if (v->kind == Value::Kind::Tensor) {
                if (!out.emplace(name, v->tensor).second) fail(where_ + ": tensor name '" + name + "' occurs twice");
            } else if (v->kind == Value::Kind::Dict) {
                flatten(*v, name, out, depth + 1);
            }
        }
    }

    fs::path path_;
    std::string where_;
    std::unique_ptr<caffe2::serialize::PyTorchStreamReader> reader_;
    std::map<std::string, at::Tensor> storages_;
};

}  // namespace

bool is_zip_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::array<char, 4> magic{};
    in.read(magic.data(), magic.size());
    return in.gcount() == 4 && std::memcmp(magic.data(), "PK\x03\x04", 4) == 0;
}

TensorMap load_torch_checkpoint(const fs::path& path) {
    {
        std::ifstream in(path, std::ios::binary);
        if (!in) fail("cannot open checkpoint '" + path.string() + "'");
    }
    if (!is_zip_file(path)) {
        std::ifstream in(path, std::ios::binary);
        const int first = in.get();
        if (first == 0x80)
            fail("checkpoint '" + path.string() +
                 "' uses the legacy (PyTorch < 1.6) torch.save format, which is not supported; re-save it with a "
                 "current torch.save or convert it to .safetensors");
        fail("checkpoint '" + path.string() + "' is not a PyTorch zip archive (no zip signature)");
    }
    return CheckpointLoader(path).load();
}

}  // namespace pictor
