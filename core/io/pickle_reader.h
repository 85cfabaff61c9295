// A restricted Python pickle reader: a stack machine over the opcodes that tensor checkpoints use,
// which never imports or executes anything.
//
// Python's pickle format can call any importable function (GLOBAL + REDUCE), which is how a
// malicious checkpoint runs `os.system`. This reader resolves every GLOBAL through the caller's
// allow-list (`PickleHooks::allowed`) at the moment it is read, so a refused global stops the read
// before any object is built, and "calling" an allowed global only invokes the caller's own C++
// `call` hook. Unknown opcodes, malformed or truncated data and exhausted stacks are errors.
//
// Failure contract: throws pictor::Error naming `source`, the byte offset and the problem.
// Thread-safety: unpickle() keeps no global state; calls on different data may run in parallel.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pictor::pickle {

struct Value;
using ValuePtr = std::shared_ptr<Value>;

// One unpickled object. Containers are shared by pointer (the memo hands out the same object), so
// a SETITEM on a memoized dict is seen through every reference, as in Python.
struct Value {
    enum class Kind { None, Bool, Int, Float, String, Bytes, Tuple, List, Dict, Global, Tensor, Opaque };
    Kind kind = Kind::None;
    bool b = false;
    int64_t i = 0;
    double f = 0.0;
    std::string s;                                      // String, Bytes, Global "module.name", Opaque
    std::vector<ValuePtr> items;                        // Tuple, List
    std::vector<std::pair<ValuePtr, ValuePtr>> entries; // Dict, in insertion order
    at::Tensor tensor;                                  // Tensor

    static ValuePtr none();
    static ValuePtr boolean(bool v);
    static ValuePtr integer(int64_t v);
    static ValuePtr real(double v);
    static ValuePtr string(std::string v);
    static ValuePtr bytes(std::string v);
    static ValuePtr tuple(std::vector<ValuePtr> v);
    static ValuePtr list();
    static ValuePtr dict();
    static ValuePtr global(std::string qualified_name);
    static ValuePtr of_tensor(at::Tensor t);
    // A harmless object we do not model (e.g. a numpy scalar in a training checkpoint).
    static ValuePtr opaque(std::string description);

    // Short human-readable type name for error messages ("str", "tuple", ...).
    const char* type_name() const;
};

struct PickleHooks {
    // Whether the global `module.name` may appear at all. Everything else is refused.
    std::function<bool(const std::string& module, const std::string& name)> allowed;
    // REDUCE / NEWOBJ on an allowed global: returns the object built from `args` (never null).
    std::function<ValuePtr(const std::string& global, const std::vector<ValuePtr>& args)> call;
    // BINPERSID: resolves a persistent id (torch: the storage records of the zip archive).
    std::function<ValuePtr(const ValuePtr& pid)> persistent_load;
};

// Reads one pickle (up to its STOP opcode) and returns the top object. BUILD (setting attributes
// such as an OrderedDict's `_metadata`) keeps no state: the attributes are read and dropped.
ValuePtr unpickle(std::string_view data, const std::string& source, const PickleHooks& hooks);

}  // namespace pictor::pickle
