#include "core/io/pickle_reader.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "core/util/error.h"

namespace pictor::pickle {

// Ref: CPython Lib/pickle.py (_Unpickler.load_* methods) and Lib/pickletools.py (opcode table):
// the opcode semantics below follow those, restricted to what checkpoints contain.

ValuePtr Value::none() { return std::make_shared<Value>(); }
ValuePtr Value::boolean(bool v) {
    auto p = std::make_shared<Value>();
    p->kind = Kind::Bool;
    p->b = v;
    return p;
}
ValuePtr Value::integer(int64_t v) {
    auto p = std::make_shared<Value>();
    p->kind = Kind::Int;
    p->i = v;
    return p;
}
ValuePtr Value::real(double v) {
    auto p = std::make_shared<Value>();
    p->kind = Kind::Float;
    p->f = v;
    return p;
}
ValuePtr Value::string(std::string v) {
    auto p = std::make_shared<Value>();
    p->kind = Kind::String;
    p->s = std::move(v);
    return p;
}
ValuePtr Value::bytes(std::string v) {
    auto p = string(std::move(v));
    p->kind = Kind::Bytes;
    return p;
}
ValuePtr Value::tuple(std::vector<ValuePtr> v) {
    auto p = std::make_shared<Value>();
    p->kind = Kind::Tuple;
    p->items = std::move(v);
    return p;
}
ValuePtr Value::list() {
    auto p = std::make_shared<Value>();
    p->kind = Kind::List;
    return p;
}
ValuePtr Value::dict() {
    auto p = std::make_shared<Value>();
    p->kind = Kind::Dict;
    return p;
}
ValuePtr Value::global(std::string qualified_name) {
    auto p = string(std::move(qualified_name));
    p->kind = Kind::Global;
    return p;
}
ValuePtr Value::of_tensor(at::Tensor t) {
    auto p = std::make_shared<Value>();
    p->kind = Kind::Tensor;
    p->tensor = std::move(t);
    return p;
}
ValuePtr Value::opaque(std::string description) {
    auto p = string(std::move(description));
    p->kind = Kind::Opaque;
    return p;
}

const char* Value::type_name() const {
    switch (kind) {
        case Kind::None: return "None";
        case Kind::Bool: return "bool";
        case Kind::Int: return "int";
        case Kind::Float: return "float";
        case Kind::String: return "str";
        case Kind::Bytes: return "bytes";
        case Kind::Tuple: return "tuple";
        case Kind::List: return "list";
        case Kind::Dict: return "dict";
        case Kind::Global: return "global";
        case Kind::Tensor: return "tensor";
        case Kind::Opaque: return "object";
    }
    return "?";
}

namespace {

// Opcodes (pickletools names).
enum Op : uint8_t {
    MARK = '(', STOP = '.', POP = '0', POP_MARK = '1', DUP = '2', BINFLOAT = 'G', BININT = 'J', BININT1 = 'K',
    BININT2 = 'M', NONE = 'N', BINPERSID = 'Q', REDUCE = 'R', BINSTRING = 'T', SHORT_BINSTRING = 'U',
    BINUNICODE = 'X', APPEND = 'a', BUILD = 'b', GLOBAL = 'c', DICT = 'd', EMPTY_DICT = '}', APPENDS = 'e',
    BINGET = 'h', LONG_BINGET = 'j', LIST = 'l', EMPTY_LIST = ']', BINPUT = 'q', LONG_BINPUT = 'r',
    SETITEM = 's', TUPLE = 't', EMPTY_TUPLE = ')', SETITEMS = 'u', BINBYTES = 'B', SHORT_BINBYTES = 'C',
    PROTO = 0x80, NEWOBJ = 0x81, TUPLE1 = 0x85, TUPLE2 = 0x86, TUPLE3 = 0x87, NEWTRUE = 0x88, NEWFALSE = 0x89,
    LONG1 = 0x8a, LONG4 = 0x8b, SHORT_BINUNICODE = 0x8c, BINUNICODE8 = 0x8d, BINBYTES8 = 0x8e,
    EMPTY_SET = 0x8f, ADDITEMS = 0x90, FROZENSET = 0x91, STACK_GLOBAL = 0x93, MEMOIZE = 0x94, FRAME = 0x95,
};

class Reader {
public:
    Reader(std::string_view data, const std::string& source, const PickleHooks& hooks)
        : data_(data), source_(source), hooks_(hooks) {}

    // run(), and then no object may contain itself or nest deeper than kMaxNesting. Containers are
    // shared_ptrs, so a list appended to itself (`]2a.`: EMPTY_LIST DUP APPEND) is a reference
    // cycle that would never be freed (found by fuzz/fuzz_pickle under LeakSanitizer); Python
    // allows it, tensor checkpoints never have one. And freeing 200000 nested lists (a 400 KB
    // pickle) recursed until the stack overflowed. Such pickles are refused and, on every error,
    // the containers built so far are emptied (while containers_ still holds them all, so the
    // emptying itself never recurses) so that nothing leaks.
    static constexpr uint32_t kMaxNesting = 1000;
    ValuePtr run_acyclic() {
        ValuePtr top;
        try {
            top = run();
        } catch (...) {
            break_containers();
            throw;
        }
        if (const std::string problem = check_structure(); !problem.empty()) {
            break_containers();
            fail(source_ + ": " + problem);
        }
        return top;
    }

private:
    ValuePtr run() {
        while (true) {
            op_pos_ = pos_;
            const uint8_t op = u8();
            switch (op) {
                case PROTO: {
                    const uint8_t v = u8();
                    if (v > 5) error("pickle protocol " + std::to_string(v) + " is not supported");
                    break;
                }
                case FRAME: (void)u64(); break;  // frames only group bytes; we read the flat stream
                case STOP: {
                    if (stack_.size() != 1 || !marks_.empty())
                        error("STOP with " + std::to_string(stack_.size()) + " objects on the stack");
                    return stack_.back();
                }
                case MARK: marks_.push_back(stack_.size()); break;
                case POP: (void)pop(); break;
                case POP_MARK: (void)pop_mark(); break;
                case DUP: push(top()); break;
                case NONE: push(Value::none()); break;
                case NEWTRUE: push(Value::boolean(true)); break;
                case NEWFALSE: push(Value::boolean(false)); break;
                case BININT: push(Value::integer(static_cast<int32_t>(u32()))); break;
                case BININT1: push(Value::integer(u8())); break;
                case BININT2: push(Value::integer(u16())); break;
                case LONG1: push(Value::integer(long_bytes(u8()))); break;
                case LONG4: push(Value::integer(long_bytes(u32()))); break;
                case BINFLOAT: {
                    // Big-endian IEEE double.
                    uint64_t bits = 0;
                    for (uint8_t b : take(8)) bits = (bits << 8) | b;
                    push(Value::real(std::bit_cast<double>(bits)));
                    break;
                }
                case SHORT_BINUNICODE: push(Value::string(str(u8()))); break;
                case BINUNICODE: push(Value::string(str(u32()))); break;
                case BINUNICODE8: push(Value::string(str(u64()))); break;
                case SHORT_BINSTRING: push(Value::string(str(u8()))); break;
                case BINSTRING: push(Value::string(str(u32()))); break;
                case SHORT_BINBYTES: push(Value::bytes(str(u8()))); break;
                case BINBYTES: push(Value::bytes(str(u32()))); break;
                case BINBYTES8: push(Value::bytes(str(u64()))); break;
                case EMPTY_TUPLE: push(Value::tuple({})); break;
                case TUPLE1:
                case TUPLE2:
                case TUPLE3: {
                    const size_t n = op - TUPLE1 + 1;
                    if (stack_.size() < n + stack_floor()) error("tuple of " + std::to_string(n) + " on a short stack");
                    std::vector<ValuePtr> items(stack_.end() - static_cast<std::ptrdiff_t>(n), stack_.end());
                    stack_.resize(stack_.size() - n);
                    push(Value::tuple(std::move(items)));
                    break;
                }
                case TUPLE: push(Value::tuple(pop_mark())); break;
                case EMPTY_LIST: push(Value::list()); break;
                case LIST: {
                    auto l = Value::list();
                    l->items = pop_mark();
                    push(l);
                    break;
                }
                case APPEND: {
                    ValuePtr v = pop();
                    expect(top(), Value::Kind::List, "APPEND")->items.push_back(std::move(v));
                    break;
                }
                case APPENDS: {
                    auto items = pop_mark();
                    auto& l = expect(top(), Value::Kind::List, "APPENDS")->items;
                    l.insert(l.end(), items.begin(), items.end());
                    break;
                }
                case EMPTY_DICT: push(Value::dict()); break;
                case DICT: {
                    auto d = Value::dict();
                    add_items(*d, pop_mark());
                    push(d);
                    break;
                }
                case SETITEM: {
                    ValuePtr v = pop();
                    ValuePtr k = pop();
                    add_items(*expect(top(), Value::Kind::Dict, "SETITEM"), {k, v});
                    break;
                }
                case SETITEMS: {
                    auto items = pop_mark();
                    add_items(*expect(top(), Value::Kind::Dict, "SETITEMS"), items);
                    break;
                }
                case BINPUT: memo_[u8()] = top(); break;
                case LONG_BINPUT: memo_[u32()] = top(); break;
                case MEMOIZE: memo_[static_cast<uint32_t>(memo_.size())] = top(); break;
                case BINGET: push(memo_get(u8())); break;
                case LONG_BINGET: push(memo_get(u32())); break;
                case GLOBAL: {
                    const std::string module = line();
                    const std::string name = line();
                    push(resolve(module, name));
                    break;
                }
                case STACK_GLOBAL: {
                    ValuePtr name = pop();
                    ValuePtr module = pop();
                    if (module->kind != Value::Kind::String || name->kind != Value::Kind::String)
                        error("STACK_GLOBAL needs two strings");
                    push(resolve(module->s, name->s));
                    break;
                }
                case REDUCE:
                case NEWOBJ: {
                    ValuePtr args = pop();
                    ValuePtr callable = pop();
                    if (callable->kind != Value::Kind::Global)
                        error(std::string(op == REDUCE ? "REDUCE" : "NEWOBJ") + " on a " + callable->type_name() +
                              ", not a global");
                    if (args->kind != Value::Kind::Tuple) error("REDUCE arguments are a " + std::string(args->type_name()));
                    if (!hooks_.call) error("no call handler for '" + callable->s + "'");
                    ValuePtr result;
                    try {
                        result = hooks_.call(callable->s, args->items);
                    } catch (const Error& e) {
                        throw e.with_context(where());
                    }
                    if (!result) error("'" + callable->s + "' produced nothing");
                    push(result);
                    break;
                }
                case BUILD: {
                    // Sets attributes (OrderedDict._metadata, a Parameter's __dict__); we keep none.
                    (void)pop();
                    (void)top();
                    break;
                }
                case BINPERSID: {
                    ValuePtr pid = pop();
                    if (!hooks_.persistent_load) error("persistent id without a loader");
                    try {
                        push(hooks_.persistent_load(pid));
                    } catch (const Error& e) {
                        throw e.with_context(where());
                    }
                    break;
                }
                default: {
                    char hex[8];
                    std::snprintf(hex, sizeof hex, "0x%02x", op);
                    error(std::string("unsupported pickle opcode ") + hex +
                          (op >= 0x20 && op < 0x7f ? std::string(" ('") + static_cast<char>(op) + "')" : "") +
                          " (not used by tensor checkpoints; refused)");
                }
            }
        }
    }

    [[noreturn]] void error(const std::string& what) const { fail(where() + ": " + what); }
    std::string where() const { return source_ + " (pickle byte " + std::to_string(op_pos_) + ")"; }

    std::string_view take(size_t n) {
        if (n > data_.size() - pos_) error("truncated pickle: needs " + std::to_string(n) + " more bytes");
        const std::string_view out = data_.substr(pos_, n);
        pos_ += n;
        return out;
    }
    uint8_t u8() { return static_cast<uint8_t>(take(1)[0]); }
    uint64_t le(size_t n) {
        uint64_t v = 0;
        const std::string_view b = take(n);
        for (size_t k = 0; k < n; ++k) v |= static_cast<uint64_t>(static_cast<uint8_t>(b[k])) << (8 * k);
        return v;
    }
    uint16_t u16() { return static_cast<uint16_t>(le(2)); }
    uint32_t u32() { return static_cast<uint32_t>(le(4)); }
    uint64_t u64() { return le(8); }
    std::string str(uint64_t n) {
        if (n > data_.size() - pos_) error("truncated pickle: a string of " + std::to_string(n) + " bytes");
        return std::string(take(n));
    }
    std::string line() {
        const size_t nl = data_.find('\n', pos_);
        if (nl == std::string_view::npos || nl - pos_ > 256) error("malformed GLOBAL name");
        const std::string out(data_.substr(pos_, nl - pos_));
        pos_ = nl + 1;
        return out;
    }
    // Little-endian two's complement of n bytes (LONG1/LONG4), limited to 64 bits.
    int64_t long_bytes(uint64_t n) {
        if (n > 8) error("integer of " + std::to_string(n) + " bytes does not fit 64 bits");
        if (n == 0) return 0;
        uint64_t v = le(static_cast<size_t>(n));
        if (n < 8 && (v >> (8 * n - 1)) & 1) v |= ~0ull << (8 * n);  // sign-extend
        return static_cast<int64_t>(v);
    }

    size_t stack_floor() const { return marks_.empty() ? 0 : marks_.back(); }
    void push(ValuePtr v) {
        if (stack_.size() > 1'000'000) error("stack too deep");
        const bool container = v->kind == Value::Kind::Tuple || v->kind == Value::Kind::List || v->kind == Value::Kind::Dict;
        if (container && seen_.insert(v.get()).second) containers_.push_back(v);
        stack_.push_back(std::move(v));
    }

    static void children(const Value& v, std::vector<const Value*>& out) {
        out.clear();
        for (const auto& item : v.items) out.push_back(item.get());
        for (const auto& [key, value] : v.entries) {
            out.push_back(key.get());
            out.push_back(value.get());
        }
    }

    // Depth-first search over every container of the read, iterative (a hostile pickle nests
    // deeply): a child that is on the current path closes a cycle, and the height of the deepest
    // nesting is measured on the way back (memoized, so shared objects are visited once).
    // "" when the structure is fine, else what is wrong.
    std::string check_structure() const {
        constexpr uint32_t on_path = 0;  // heights of finished nodes are >= 1
        std::unordered_map<const Value*, uint32_t> height;
        struct Frame {
            const Value* node;
            std::vector<const Value*> next;
            uint32_t below = 0;  // the tallest finished child
        };
        const auto is_leaf = [](const Value* v) { return v->items.empty() && v->entries.empty(); };
        for (const ValuePtr& root : containers_) {
            if (height.count(root.get()) || is_leaf(root.get())) continue;
            std::vector<Frame> path(1);
            path.back().node = root.get();
            children(*root, path.back().next);
            height[root.get()] = on_path;
            while (!path.empty()) {
                Frame& f = path.back();
                if (f.next.empty()) {
                    const uint32_t h = f.below + 1;
                    if (h > kMaxNesting)
                        return "objects nested more than " + std::to_string(kMaxNesting) + " deep (not a checkpoint; refused)";
                    height[f.node] = h;
                    path.pop_back();
                    if (!path.empty()) path.back().below = std::max(path.back().below, h);
                    continue;
                }
                const Value* child = f.next.back();
                f.next.pop_back();
                if (is_leaf(child)) {
                    f.below = std::max<uint32_t>(f.below, 1);
                    continue;
                }
                const auto it = height.find(child);
                if (it != height.end()) {
                    if (it->second == on_path) return "a list, tuple or dict contains itself (a recursive object, not a checkpoint; refused)";
                    f.below = std::max(f.below, it->second);
                    continue;
                }
                height[child] = on_path;
                Frame next{child, {}, 0};
                children(*child, next.next);
                path.push_back(std::move(next));
            }
        }
        return "";
    }

    // Empties every container this read built (the result too): used only when the read fails.
    void break_containers() {
        for (const ValuePtr& v : containers_) {
            v->items.clear();
            v->entries.clear();
        }
    }
    ValuePtr pop() {
        if (stack_.size() <= stack_floor()) error("stack underflow");
        ValuePtr v = std::move(stack_.back());
        stack_.pop_back();
        return v;
    }
    const ValuePtr& top() const {
        if (stack_.size() <= stack_floor()) error("stack underflow");
        return stack_.back();
    }
    std::vector<ValuePtr> pop_mark() {
        if (marks_.empty()) error("no MARK on the stack");
        const size_t m = marks_.back();
        marks_.pop_back();
        std::vector<ValuePtr> items(stack_.begin() + static_cast<std::ptrdiff_t>(m), stack_.end());
        stack_.resize(m);
        return items;
    }
    Value* expect(const ValuePtr& v, Value::Kind kind, const char* op) const {
        if (v->kind != kind) error(std::string(op) + " on a " + v->type_name());
        return v.get();
    }
    void add_items(Value& dict, const std::vector<ValuePtr>& kv) {
        if (kv.size() % 2) error("odd number of dict items");
        for (size_t k = 0; k < kv.size(); k += 2) {
            bool replaced = false;
            // Python semantics: a repeated key replaces the value in place.
            if (kv[k]->kind == Value::Kind::String || kv[k]->kind == Value::Kind::Int)
                for (auto& [key, val] : dict.entries)
                    if (key->kind == kv[k]->kind && key->s == kv[k]->s && key->i == kv[k]->i) {
                        val = kv[k + 1];
                        replaced = true;
                        break;
                    }
            if (!replaced) dict.entries.emplace_back(kv[k], kv[k + 1]);
        }
    }
    ValuePtr memo_get(uint32_t key) const {
        const auto it = memo_.find(key);
        if (it == memo_.end()) error("memo key " + std::to_string(key) + " was never stored");
        return it->second;
    }
    ValuePtr resolve(const std::string& module, const std::string& name) {
        const std::string qualified = module + "." + name;
        if (!hooks_.allowed || !hooks_.allowed(module, name))
            error("refusing global '" + qualified +
                  "': it is not on the allow-list of checkpoint types (the file may be malicious; nothing was "
                  "executed)");
        return Value::global(qualified);
    }

    std::string_view data_;
    const std::string& source_;
    const PickleHooks& hooks_;
    size_t pos_ = 0, op_pos_ = 0;
    std::vector<ValuePtr> stack_;
    std::vector<size_t> marks_;
    std::map<uint32_t, ValuePtr> memo_;
    // Every tuple, list and dict pushed, once; kept alive to the end of the read so that an
    // address in seen_ is never reused by another container.
    std::vector<ValuePtr> containers_;
    std::unordered_set<const Value*> seen_;
};

}  // namespace

ValuePtr unpickle(std::string_view data, const std::string& source, const PickleHooks& hooks) {
    return Reader(data, source, hooks).run_acyclic();
}

}  // namespace pictor::pickle
