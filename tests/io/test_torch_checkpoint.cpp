// PyTorch zip checkpoints: the real torch.save fixture (names/shapes against the torchvision
// manifest, values against a Python reading of the same bytes) and archives written here with
// PyTorchStreamWriter + hand-assembled pickles: shared storages and views, F16/BF16/I64/BOOL,
// Lightning-style nesting, malicious pickles, broken archives.
#include <ATen/ATen.h>
#include "tests/support/catch.h"
#include <nlohmann/json.hpp>

#include <fstream>

#include "core/io/tensor_map.h"
#include "core/io/torch_checkpoint.h"
#include "core/util/error.h"
#include "tests/io/pickle_builder.h"
#include "tests/support/fixtures.h"

using pictor::load_torch_checkpoint;
using pictor::test::PickleBuilder;
using pictor::test::raw_bytes;
using pictor::test::TempDir;
using pictor::test::write_torch_zip;
namespace fs = std::filesystem;

namespace {

std::string load_error(const fs::path& path) {
    try {
        load_torch_checkpoint(path);
    } catch (const pictor::Error& e) {
        return e.what();
    }
    FAIL("no pictor::Error for " << path);
    return {};
}

}  // namespace

TEST_CASE("torch checkpoint: the real resnet18.pth fixture") {
    PICTOR_REQUIRE_FIXTURES(dir, "resnet");
    const auto map = load_torch_checkpoint(dir / "resnet18.pth");
    const auto manifest = nlohmann::json::parse(pictor::test::read_text_file(dir / "manifest_resnet18.json"));
    REQUIRE(map.size() == manifest.size());
    for (const auto& entry : manifest) {
        const std::string name = entry["name"];
        INFO(name);
        REQUIRE(map.count(name));
        const at::Tensor& t = map.at(name);
        CHECK(t.sizes().vec() == entry["shape"].get<std::vector<int64_t>>());
        CHECK(t.scalar_type() == (entry["dtype"] == "int64" ? at::kLong : at::kFloat));
        if (t.is_floating_point()) {
            CHECK(at::isfinite(t).all().item<bool>());
            CHECK(at::equal(t.to(at::kHalf).to(at::kFloat), t));  // F16-representable, as the README says
        } else {
            CHECK(t.item<int64_t>() == 2);  // num_batches_tracked
        }
    }
    // Values read from the same storage records with Python's struct module.
    const at::Tensor& conv1 = map.at("conv1.weight");
    CHECK(conv1.flatten()[0].item<float>() == 0.02410888671875f);
    CHECK(conv1.flatten()[1].item<float>() == 0.00753021240234375f);
    CHECK(conv1.to(at::kDouble).sum().item<double>() == Approx(-5.019097447395325).epsilon(1e-9));
    CHECK(map.at("fc.bias").to(at::kDouble).sum().item<double>() == Approx(-0.2986494302749634).epsilon(1e-9));
    CHECK(map.at("layer4.1.bn2.running_var")[1].item<float>() == 0.646484375f);

    // Through load_weights with an F16 request: floats convert, num_batches_tracked stays I64.
    const auto half = pictor::load_weights(dir / "resnet18.pth", at::kHalf);
    CHECK(half.at("conv1.weight").scalar_type() == at::kHalf);
    CHECK(half.at("bn1.num_batches_tracked").scalar_type() == at::kLong);
}

TEST_CASE("torch checkpoint: shared storages, views, offsets, strides and dtypes") {
    TempDir dir;
    std::vector<float> f(12);
    for (int i = 0; i < 12; ++i) f[i] = static_cast<float>(i);
    const at::Tensor h = at::tensor({1.5f, -2.25f, 65504.0f}).to(at::kHalf);
    const at::Tensor bf = at::tensor({0.5f, 3.0f}).to(at::kBFloat16);
    const std::string h_bytes(static_cast<const char*>(h.data_ptr()), 6);
    const std::string bf_bytes(static_cast<const char*>(bf.data_ptr()), 4);

    PickleBuilder p;
    p.proto().global("collections", "OrderedDict").op(')').op('R').mark();
    p.str("a").tensor("FloatStorage", "0", 12, 0, {3, 4}, {4, 1});
    p.str("a_t").tensor("FloatStorage", "0", 12, 0, {4, 3}, {1, 4});   // transposed view, same storage
    p.str("a_tail").tensor("FloatStorage", "0", 12, 5, {2}, {3});        // offset + stride
    p.str("scalar").tensor("FloatStorage", "0", 12, 11, {}, {});         // 0-d
    p.str("empty").tensor("FloatStorage", "0", 12, 12, {0, 3}, {3, 1});  // empty at the end
    p.str("half").tensor("HalfStorage", "h", 3, 0, {3}, {1});
    p.str("bf16").tensor("BFloat16Storage", "bf", 2, 0, {2}, {1});
    p.str("long").tensor("LongStorage", "l", 2, 0, {2}, {1});
    p.str("mask").tensor("BoolStorage", "b", 3, 0, {3}, {1});
    // A parameter wrapper, as nn.Parameter pickles.
    p.str("param").global("torch._utils", "_rebuild_parameter");
    p.mark().tensor("FloatStorage", "0", 12, 4, {4}, {1}).op('\x88').global("collections", "OrderedDict").op(')')
        .op('R').op('t').op('R');
    p.op('u');
    // OrderedDict._metadata via BUILD, as torch.save writes it.
    p.op('}').str("_metadata").op('}').op('s').op('b').stop();
    write_torch_zip(dir / "views.pth", p.bytes(),
                    {{"0", raw_bytes(f)},
                     {"h", h_bytes},
                     {"bf", bf_bytes},
                     {"l", raw_bytes(std::vector<int64_t>{-3, 1ll << 40})},
                     {"b", std::string("\x01\x00\x01", 3)}});

    const auto m = load_torch_checkpoint(dir / "views.pth");
    REQUIRE(m.size() == 10);
    const at::Tensor base = at::arange(12, at::kFloat);
    CHECK(at::equal(m.at("a"), base.reshape({3, 4})));
    CHECK(at::equal(m.at("a_t"), base.reshape({3, 4}).t()));
    CHECK(at::equal(m.at("a_tail"), at::tensor({5.0f, 8.0f})));
    CHECK(m.at("scalar").dim() == 0);
    CHECK(m.at("scalar").item<float>() == 11.0f);
    CHECK(m.at("empty").sizes() == at::IntArrayRef{0, 3});
    CHECK(m.at("half").scalar_type() == at::kHalf);
    CHECK(at::equal(m.at("half"), h));
    CHECK(m.at("bf16").scalar_type() == at::kBFloat16);
    CHECK(at::equal(m.at("bf16"), bf));
    CHECK(at::equal(m.at("long"), at::tensor({int64_t{-3}, int64_t{1} << 40})));
    CHECK(at::equal(m.at("mask"), at::tensor({1, 0, 1}).to(at::kBool)));
    CHECK(at::equal(m.at("param"), at::tensor({4.0f, 5.0f, 6.0f, 7.0f})));
    CHECK_FALSE(m.at("param").requires_grad());
    // One storage record, read once, shared by its views.
    CHECK(m.at("a").storage().data() == m.at("a_t").storage().data());

    const auto converted = pictor::load_weights(dir / "views.pth", at::kFloat);
    CHECK(converted.at("half").scalar_type() == at::kFloat);
    CHECK(converted.at("long").scalar_type() == at::kLong);
    CHECK(converted.at("mask").scalar_type() == at::kBool);
}

TEST_CASE("torch checkpoint: Lightning-style and nested dicts") {
    TempDir dir;
    const std::string w = raw_bytes(std::vector<float>{1, 2});
    SECTION("state_dict is picked, other entries dropped") {
        PickleBuilder p;
        p.proto().op('}').mark();
        p.str("epoch").integer(3);
        p.str("global_step").global("numpy.core.multiarray", "scalar").global("numpy", "dtype").str("i8")
            .op('\x89').op('\x88').op('\x87').op('R').global("_codecs", "encode").str("\x10\x00").str("latin1")
            .op('\x86').op('R').op('\x86').op('R');
        p.str("state_dict").op('}').mark().str("model.w").tensor("FloatStorage", "0", 2, 0, {2}, {1}).op('u');
        p.str("optimizer_states").op(']');
        p.op('u').stop();
        write_torch_zip(dir / "l.ckpt", p.bytes(), {{"0", w}});
        const auto m = load_torch_checkpoint(dir / "l.ckpt");
        REQUIRE(m.size() == 1);
        CHECK(at::equal(m.at("model.w"), at::tensor({1.0f, 2.0f})));
    }
    SECTION("other nesting is flattened with dots") {
        PickleBuilder p;
        p.proto().op('}').mark();
        p.str("model").op('}').mark().str("w").tensor("FloatStorage", "0", 2, 0, {2}, {1});
        p.str("sub").op('}').str("v").tensor("FloatStorage", "0", 2, 1, {1}, {1}).op('s').op('u');
        p.str("note").str("hello");
        p.op('u').stop();
        write_torch_zip(dir / "n.pt", p.bytes(), {{"0", w}});
        const auto m = load_torch_checkpoint(dir / "n.pt");
        REQUIRE(m.size() == 2);
        CHECK(m.at("model.sub.v").item<float>() == 2.0f);
    }
}

TEST_CASE("torch checkpoint: a malicious pickle is refused and nothing runs") {
    TempDir dir;
    const fs::path marker = dir / "pwned";
    const std::string cmd = "touch " + marker.string();
    SECTION("os.system at the top") {
        PickleBuilder p;
        p.proto().global("os", "system").str(cmd).op('\x85').op('R').stop();
        write_torch_zip(dir / "evil.pth", p.bytes(), {});
        CHECK_THAT(load_error(dir / "evil.pth"),
                   Catch::Contains("evil.pth") && Catch::Contains("refusing global 'os.system'"));
    }
    SECTION("builtins.eval hidden after real tensors") {
        PickleBuilder p;
        p.proto().global("collections", "OrderedDict").op(')').op('R').mark();
        p.str("w").tensor("FloatStorage", "0", 2, 0, {2}, {1});
        p.str("x").global("builtins", "eval").str("__import__('os').system('" + cmd + "')").op('\x85').op('R');
        p.op('u').stop();
        write_torch_zip(dir / "evil.bin", p.bytes(), {{"0", raw_bytes(std::vector<float>{1, 2})}});
        CHECK_THAT(load_error(dir / "evil.bin"), Catch::Contains("builtins.eval"));
        CHECK_THROWS_WITH(pictor::load_weights(dir / "evil.bin"), Catch::Contains("builtins.eval"));
    }
    SECTION("a storage type that is not a torch storage") {
        PickleBuilder p;
        p.proto().op('}').str("w").mark().str("storage").global("posix", "system").str("0").str("cpu").integer(1)
            .op('t').op('Q').op('s').stop();
        write_torch_zip(dir / "evil.ckpt", p.bytes(), {});
        CHECK_THAT(load_error(dir / "evil.ckpt"), Catch::Contains("posix.system"));
    }
    CHECK_FALSE(fs::exists(marker));
}

TEST_CASE("torch checkpoint: broken archives and lying pickles") {
    TempDir dir;
    const std::string four = raw_bytes(std::vector<float>{1, 2, 3, 4});
    auto one_tensor = [](int64_t numel, int64_t offset, std::vector<int64_t> size, std::vector<int64_t> stride,
                         const std::string& type = "FloatStorage") {
        PickleBuilder p;
        p.proto().op('}').str("w").tensor(type, "0", numel, offset, size, stride).op('s').stop();
        return p.bytes();
    };
    SECTION("view past the end of its storage") {
        write_torch_zip(dir / "a.pth", one_tensor(4, 2, {3}, {1}), {{"0", four}});
        CHECK_THAT(load_error(dir / "a.pth"), Catch::Contains("reaches past its storage"));
        write_torch_zip(dir / "b.pth", one_tensor(4, 0, {2, 2}, {3, 1}), {{"0", four}});
        CHECK_THAT(load_error(dir / "b.pth"), Catch::Contains("reaches past its storage"));
        write_torch_zip(dir / "c.pth", one_tensor(4, 0, {2, 2}, {INT64_MAX / 2, 1}), {{"0", four}});
        CHECK_THAT(load_error(dir / "c.pth"), Catch::Contains("reaches past its storage"));
        write_torch_zip(dir / "d.pth", one_tensor(4, -1, {1}, {1}), {{"0", four}});
        CHECK_THAT(load_error(dir / "d.pth"), Catch::Contains("offset"));
        write_torch_zip(dir / "e.pth", one_tensor(4, 0, {2}, {1, 1}), {{"0", four}});
        CHECK_THAT(load_error(dir / "e.pth"), Catch::Contains("rank"));
    }
    SECTION("storage record of the wrong size or missing") {
        write_torch_zip(dir / "a.pth", one_tensor(8, 0, {4}, {1}), {{"0", four}});
        CHECK_THAT(load_error(dir / "a.pth"), Catch::Contains("'data/0'") && Catch::Contains("16 bytes"));
        write_torch_zip(dir / "b.pth", one_tensor(4, 0, {4}, {1}), {});
        CHECK_THAT(load_error(dir / "b.pth"), Catch::Contains("'data/0'") && Catch::Contains("missing"));
        write_torch_zip(dir / "c.pth", one_tensor(2, 0, {2}, {1}, "ComplexFloatStorage"), {{"0", four}});
        CHECK_THAT(load_error(dir / "c.pth"), Catch::Contains("torch.ComplexFloatStorage"));
    }
    SECTION("not a dict of tensors") {
        PickleBuilder p;
        p.proto().op(']').stop();
        write_torch_zip(dir / "list.pth", p.bytes(), {});
        CHECK_THAT(load_error(dir / "list.pth"), Catch::Contains("expected a dict"));
        PickleBuilder q;
        q.proto().op('}').str("epoch").integer(1).op('s').stop();
        write_torch_zip(dir / "none.pth", q.bytes(), {});
        CHECK_THAT(load_error(dir / "none.pth"), Catch::Contains("no tensors"));
    }
    SECTION("truncated zip") {
        write_torch_zip(dir / "t.pth", one_tensor(4, 0, {4}, {1}), {{"0", four}});
        CHECK(load_torch_checkpoint(dir / "t.pth").size() == 1);
        const auto full = fs::file_size(dir / "t.pth");
        for (const auto cut : {full - 10, full / 2, uintmax_t{30}, uintmax_t{4}}) {
            INFO(cut);
            fs::resize_file(dir / "t.pth", cut);
            CHECK_THAT(load_error(dir / "t.pth"), Catch::Contains("t.pth"));
        }
    }
    SECTION("garbage, legacy and missing files") {
        pictor::test::write_text_file(dir / "g.pth", std::string(1000, 'z'));
        CHECK_THAT(load_error(dir / "g.pth"), Catch::Contains("not a PyTorch zip archive"));
        CHECK_THROWS_WITH(pictor::load_weights(dir / "g.pth"), Catch::Contains("g.pth"));
        pictor::test::write_text_file(dir / "old.pth", std::string("\x80\x02\x8a\x0a", 4) + "legacy");
        CHECK_THAT(load_error(dir / "old.pth"), Catch::Contains("legacy"));
        pictor::test::write_text_file(dir / "z.pth", std::string("PK\x03\x04", 4) + std::string(200, '\xff'));
        CHECK_THAT(load_error(dir / "z.pth"), Catch::Contains("z.pth"));
        CHECK_THAT(load_error(dir / "absent.pth"), Catch::Contains("absent.pth"));
        CHECK_THROWS_WITH(pictor::load_weights(dir / "absent.pth"), Catch::Contains("absent.pth"));
    }
}
