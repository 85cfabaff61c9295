// The restricted unpickler on hand-assembled pickles: opcode semantics, refusal of globals that
// are not allow-listed, and no crash on truncated or random input.
#include "tests/support/catch.h"

#include <random>

#include "core/io/pickle_reader.h"
#include "core/util/error.h"
#include "tests/io/pickle_builder.h"

using pictor::pickle::PickleHooks;
using pictor::pickle::unpickle;
using pictor::pickle::Value;
using pictor::test::PickleBuilder;

TEST_CASE("unpickle reads the basic opcodes") {
    PickleBuilder p;
    p.proto().op('}').put(0).mark();
    p.str("int").integer(7).str("neg").integer(-5).str("big").integer(int64_t{1} << 40);
    p.str("long1").raw(std::string("\x8a\x02\xff\x7f", 4));  // LONG1 0x7fff
    p.str("longneg").raw(std::string("\x8a\x01\xfe", 3));    // LONG1 -2
    p.str("float").raw(std::string("G\x3f\xf8\0\0\0\0\0\0", 9));  // 1.5 big-endian
    p.str("none").op('N').str("t").op('\x88').str("f").op('\x89');
    p.str("list").op(']').put(1).mark().integer(1).integer(2).op('e').integer(3).op('a');
    p.str("tuple2").integer(1).integer(2).op('\x86');
    p.str("again").get(1);  // the same list object
    p.str("short").raw(std::string("\x8c\x02hi", 4));
    p.str("bytes").raw(std::string("C\x03" "abc", 5));
    p.op('u').stop();
    const auto v = unpickle(p.bytes(), "test", {});
    REQUIRE(v->kind == Value::Kind::Dict);
    std::map<std::string, pictor::pickle::ValuePtr> m;
    for (const auto& [k, val] : v->entries) m[k->s] = val;
    CHECK(m["int"]->i == 7);
    CHECK(m["neg"]->i == -5);
    CHECK(m["big"]->i == int64_t{1} << 40);
    CHECK(m["long1"]->i == 0x7fff);
    CHECK(m["longneg"]->i == -2);
    CHECK(m["float"]->f == 1.5);
    CHECK(m["none"]->kind == Value::Kind::None);
    CHECK(m["t"]->b);
    CHECK_FALSE(m["f"]->b);
    REQUIRE(m["list"]->items.size() == 3);
    CHECK(m["list"]->items[2]->i == 3);
    CHECK(m["again"] == m["list"]);
    CHECK(m["tuple2"]->items.size() == 2);
    CHECK(m["short"]->s == "hi");
    CHECK(m["bytes"]->kind == Value::Kind::Bytes);
}

TEST_CASE("unpickle refuses every global not on the allow-list and runs nothing") {
    bool called = false;
    PickleHooks hooks;
    hooks.allowed = [](const std::string& m, const std::string&) { return m == "collections"; };
    hooks.call = [&](const std::string&, const std::vector<pictor::pickle::ValuePtr>&) {
        called = true;
        return Value::none();
    };
    const std::vector<std::pair<std::string, std::string>> evil = {
        {"os", "system"}, {"posix", "system"}, {"builtins", "eval"}, {"builtins", "exec"},
        {"subprocess", "Popen"}, {"__builtin__", "getattr"}, {"collections2", "OrderedDict"}};
    for (const auto& [module, name] : evil) {
        INFO(module << "." << name);
        PickleBuilder p;
        p.proto().global(module, name).str("touch /tmp/pwned").op('\x85').op('R').stop();
        CHECK_THROWS_WITH(unpickle(p.bytes(), "evil.pkl", hooks),
                          Catch::Contains("refusing global '" + module + "." + name + "'") &&
                              Catch::Contains("nothing was executed") && Catch::Contains("evil.pkl"));
        // STACK_GLOBAL (protocol 4) spelling of the same.
        PickleBuilder q;
        q.raw("\x80\x04").str(module).str(name).op('\x93').str("x").op('\x85').op('R').stop();
        CHECK_THROWS_WITH(unpickle(q.bytes(), "evil.pkl", hooks), Catch::Contains(module + "." + name));
    }
    CHECK_FALSE(called);
    // Without hooks nothing at all is allowed.
    PickleBuilder p;
    p.proto().global("collections", "OrderedDict").op(')').op('R').stop();
    CHECK_THROWS_WITH(unpickle(p.bytes(), "x", {}), Catch::Contains("collections.OrderedDict"));
}

TEST_CASE("unpickle rejects opcodes outside the supported set and malformed streams") {
    auto err = [](const std::string& bytes) {
        try {
            unpickle(bytes, "bad.pkl", {});
        } catch (const pictor::Error& e) {
            return std::string(e.what());
        }
        FAIL("no error for pickle bytes");
        return std::string();
    };
    CHECK_THAT(err("\x80\x02i os\nsystem\n."), Catch::Contains("unsupported pickle opcode") && Catch::Contains("'i'"));
    CHECK_THAT(err("\x80\x02" "cos\nsystem\n"), Catch::Contains("refusing"));
    CHECK_THAT(err(std::string("\x80\x02X\xff\xff\xff\x7f", 7)), Catch::Contains("truncated"));
    CHECK_THAT(err("\x80\x02K"), Catch::Contains("truncated"));
    CHECK_THAT(err("\x80\x02s."), Catch::Contains("underflow"));
    CHECK_THAT(err("\x80\x02h\x05."), Catch::Contains("memo key 5"));
    CHECK_THAT(err("\x80\x02t."), Catch::Contains("MARK"));
    CHECK_THAT(err("\x80\x02K\x01K\x02."), Catch::Contains("STOP with 2"));
    CHECK_THAT(err("\x80\x09."), Catch::Contains("protocol 9"));
    CHECK_THAT(err(std::string("\x80\x02\x8a\x09" "123456789.", 14)), Catch::Contains("64 bits"));
    CHECK_THAT(err("\x80\x02]K\x01K\x02s."), Catch::Contains("SETITEM on a list"));
    CHECK_THAT(err(""), Catch::Contains("truncated"));
}

// Regression (fuzz/fuzz_pickle, LeakSanitizer): `]2a.` (EMPTY_LIST DUP APPEND STOP) built a list
// holding itself, a shared_ptr cycle that was never freed. Recursive objects are refused; shared
// ones (the memo) are still fine. (The fuzz build checks that nothing leaks.)
TEST_CASE("unpickle refuses objects that contain themselves and keeps shared ones") {
    CHECK_THROWS_WITH(unpickle("]2a.", "cycle.pkl", {}), Catch::Contains("cycle.pkl") && Catch::Contains("contains itself"));
    CHECK_THROWS_WITH(unpickle(std::string("}q\x00X\x01\x00\x00\x00kh\x00s.", 13), "d.pkl", {}),
                      Catch::Contains("contains itself"));  // d["k"] = d
    CHECK_THROWS_AS(unpickle("]2a", "cut.pkl", {}), pictor::Error);  // a cycle, then truncated
    const auto shared = unpickle(std::string("](]q\x01h\x01" "e.", 9), "shared.pkl", {});
    REQUIRE(shared->items.size() == 2);
    CHECK(shared->items[0].get() == shared->items[1].get());
}

// Regression: freeing 200000 nested lists (a 400 KB pickle: `]` x n, `a` x n-1) recursed until
// the stack overflowed. Nesting is limited to 1000 levels, far beyond any checkpoint.
TEST_CASE("unpickle refuses objects nested more than 1000 deep") {
    const auto nested = [](size_t n) { return std::string(n, ']') + std::string(n - 1, 'a') + "."; };
    const auto ok = unpickle(nested(1000), "deep.pkl", {});
    CHECK(ok->items.size() == 1);
    CHECK_THROWS_WITH(unpickle(nested(1001), "deep.pkl", {}), Catch::Contains("deep.pkl") && Catch::Contains("nested more than 1000"));
    CHECK_THROWS_WITH(unpickle(nested(200000), "deeper.pkl", {}), Catch::Contains("nested more than 1000"));
}

TEST_CASE("unpickle survives every truncation and random corruption of a valid pickle") {
    PickleBuilder p;
    p.proto().op('}').put(0).mark().str("a").integer(1).str("b").op(']').mark().integer(2).integer(300).op('e');
    p.str("c").integer(-7).integer(9).op('\x86').op('u').stop();
    const std::string good = p.bytes();
    REQUIRE(unpickle(good, "ok", {})->entries.size() == 3);
    for (size_t n = 0; n < good.size(); ++n) CHECK_THROWS_AS(unpickle(good.substr(0, n), "cut", {}), pictor::Error);
    std::mt19937 rng(1234);
    for (int trial = 0; trial < 2000; ++trial) {
        std::string bad = good;
        for (int k = 0; k < 3; ++k) bad[rng() % bad.size()] = static_cast<char>(rng() & 0xff);
        try {
            unpickle(bad, "fuzz", {});
        } catch (const pictor::Error&) {
        }
    }
}
