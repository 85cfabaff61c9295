// The restricted unpickler over raw pickle streams (every opcode, the memo, the stacks).
// The hooks mirror torch_checkpoint.cpp's allow-list; calls return inert values so the fuzzer
// explores the stack machine, not the tensor rebuild (fuzz_torch_checkpoint covers that).
// Contract (core/io/pickle_reader.h): malformed or hostile data throws pictor::Error; a refused
// global is never "called". The harness catches pictor::Error only.
#include <set>

#include "core/io/pickle_reader.h"
#include "core/util/error.h"
#include "fuzz/fuzz_support.h"

using pictor::pickle::Value;
using pictor::pickle::ValuePtr;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::set<std::string> allowed = {
        "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
        "torch._tensor._rebuild_from_type_v2", "torch.FloatStorage", "torch.HalfStorage", "numpy.dtype",
        "_codecs.encode",
    };
    pictor::pickle::PickleHooks hooks;
    hooks.allowed = [](const std::string& module, const std::string& name) {
        return allowed.count(module + "." + name) != 0;
    };
    hooks.call = [](const std::string& global, const std::vector<ValuePtr>& args) -> ValuePtr {
        if (!allowed.count(global)) pictor::fuzz::finding("a refused global was called");
        if (global == "collections.OrderedDict") return Value::dict();
        if (global == "_codecs.encode" && !args.empty() && args[0]->kind == Value::Kind::String)
            return Value::bytes(args[0]->s);
        return Value::opaque(global);
    };
    hooks.persistent_load = [](const ValuePtr& pid) -> ValuePtr {
        if (!pid) pictor::fuzz::finding("null persistent id");
        return Value::opaque("storage");
    };
    try {
        const ValuePtr top = pictor::pickle::unpickle(pictor::fuzz::as_text(data, size), "fuzz.pkl", hooks);
        if (!top) pictor::fuzz::finding("unpickle returned null");
        (void)top->type_name();
    } catch (const pictor::Error&) {
    }
    return 0;
}
