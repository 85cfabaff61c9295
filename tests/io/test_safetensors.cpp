// safetensors reader and writer: round trips for every dtype, real fixture files (values checked
// against a Python struct-module reading of the same bytes), and hostile/corrupt inputs.
#include <ATen/ATen.h>
#include "tests/support/catch.h"

#include <cstring>
#include <fstream>

#include "core/io/safetensors.h"
#include "core/io/tensor_map.h"
#include "core/util/error.h"
#include "tests/support/fixtures.h"

using pictor::Error;
using pictor::SafetensorsFile;
using pictor::test::TempDir;
namespace fs = std::filesystem;

namespace {

// A file made of the 8-byte length, `header` verbatim and `data_bytes` bytes of data.
void write_raw(const fs::path& path, const std::string& header, size_t data_bytes, uint64_t claimed_len = ~0ull) {
    std::ofstream out(path, std::ios::binary);
    const uint64_t n = claimed_len == ~0ull ? header.size() : claimed_len;
    out.write(reinterpret_cast<const char*>(&n), 8);
    out << header;
    const std::string data(data_bytes, '\x01');
    out << data;
}

// The message of the pictor::Error thrown by opening `path` (fails the test if none is thrown).
std::string open_error(const fs::path& path) {
    try {
        SafetensorsFile f(path);
    } catch (const Error& e) {
        return e.what();
    }
    FAIL("no pictor::Error for " << path);
    return {};
}

}  // namespace

TEST_CASE("safetensors round trip keeps every dtype, shape and value") {
    TempDir dir;
    pictor::TensorMap in;
    in["f64"] = at::randn({2, 3}, at::kDouble);
    in["f32"] = at::randn({4}, at::kFloat);
    in["f16"] = at::randn({3, 2, 2}).to(at::kHalf);
    in["bf16"] = at::randn({5}).to(at::kBFloat16);
    in["i64"] = at::arange(-3, 3, at::kLong);
    in["i32"] = at::arange(7, at::kInt);
    in["i16"] = at::arange(-2, 2, at::kShort);
    in["i8"] = at::arange(-5, 5, at::kChar);
    in["u8"] = at::arange(250, 256, at::kLong).to(at::kByte);
    in["bool"] = at::tensor({1, 0, 1}, at::kLong).to(at::kBool);
    in["scalar"] = at::scalar_tensor(2.5);
    in["empty"] = at::zeros({0, 4});
    in["view"] = at::arange(12, at::kFloat).reshape({3, 4}).t();  // non-contiguous
    pictor::write_safetensors(dir / "a.safetensors", in, {{"format", "pt"}, {"note", "x"}});

    SafetensorsFile f(dir / "a.safetensors");
    CHECK(f.entries().size() == in.size());
    CHECK(f.metadata().at("format") == "pt");
    CHECK(f.metadata().at("note") == "x");
    CHECK(f.entry("f16").dtype == "F16");
    CHECK(f.entry("bf16").dtype == "BF16");
    CHECK(f.entry("bool").dtype == "BOOL");
    CHECK(f.entry("scalar").shape.empty());
    for (const auto& [name, t] : in) {
        INFO(name);
        const at::Tensor got = f.load(name);
        CHECK(got.scalar_type() == t.scalar_type());
        CHECK(got.sizes() == t.sizes());
        CHECK(at::equal(got, t));
    }
    // Upcast on request; load_all converts floating types only.
    CHECK(f.load("f16", at::kFloat).scalar_type() == at::kFloat);
    CHECK(at::equal(f.load("f16", at::kFloat), in["f16"].to(at::kFloat)));
    const auto all = f.load_all(at::kFloat);
    CHECK(all.at("bf16").scalar_type() == at::kFloat);
    CHECK(all.at("i64").scalar_type() == at::kLong);
    CHECK_THROWS_WITH(f.load("nope"), Catch::Contains("nope"));

    // The header is padded so the data starts 8-byte aligned.
    std::ifstream raw(dir / "a.safetensors", std::ios::binary);
    uint64_t n = 0;
    raw.read(reinterpret_cast<char*>(&n), 8);
    CHECK(n % 8 == 0);
}

TEST_CASE("safetensors tensors outlive the file object") {
    TempDir dir;
    pictor::write_safetensors(dir / "a.safetensors", {{"w", at::ones({3})}});
    at::Tensor t;
    {
        SafetensorsFile f(dir / "a.safetensors");
        t = f.load("w");
    }
    fs::remove(dir / "a.safetensors");
    CHECK(t.sum().item<float>() == 3.0f);
}

TEST_CASE("safetensors writer refuses what the format cannot hold and leaves no partial file") {
    TempDir dir;
    CHECK_THROWS_WITH(pictor::write_safetensors(dir / "c.safetensors", {{"c", at::ones({2}, at::kComplexFloat)}}),
                      Catch::Contains("'c'"));
    CHECK_THROWS_WITH(pictor::write_safetensors(dir / "m.safetensors", {{"__metadata__", at::ones({2})}}),
                      Catch::Contains("reserved"));
    CHECK(fs::is_empty(dir.path()));
}

// Regression (fuzz/fuzz_lora): a name that is not UTF-8 made nlohmann's dump() throw its own
// type_error out of write_safetensors instead of pictor::Error.
TEST_CASE("safetensors writer refuses names and metadata that are not UTF-8") {
    TempDir dir;
    const std::string bad = "lora_te_text_model\xad.alpha";
    CHECK_THROWS_WITH(pictor::write_safetensors(dir / "n.safetensors", {{bad, at::ones({1})}}),
                      Catch::Contains("n.safetensors") && Catch::Contains("not valid UTF-8") && Catch::Contains(bad));
    CHECK_THROWS_WITH(pictor::write_safetensors(dir / "m.safetensors", {{"w", at::ones({1})}}, {{"k", "\xff"}}),
                      Catch::Contains("metadata entry 'k'"));
    CHECK_THROWS_AS(pictor::write_safetensors(dir / "n.safetensors", {{bad, at::ones({1})}}), pictor::Error);
    CHECK(fs::is_empty(dir.path()));
}

TEST_CASE("safetensors reads the real clip-tiny F16 checkpoint") {
    PICTOR_REQUIRE_FIXTURES(dir, "clip-tiny");
    SafetensorsFile f(dir / "model.safetensors");
    CHECK(f.metadata().at("format") == "pt");
    CHECK(f.entries().size() == 78);
    for (const auto& e : f.entries()) CHECK(e.dtype == "F16");
    // Expected values read from the same bytes with Python's struct module ('<e').
    CHECK(f.load("logit_scale").scalar_type() == at::kHalf);
    CHECK(f.load("logit_scale", at::kFloat).item<float>() == 4.60546875f);
    const at::Tensor pos = f.load("text_model.embeddings.position_embedding.weight", at::kFloat);
    CHECK(pos.sizes() == at::IntArrayRef{77, 32});
    CHECK(pos[3][0].item<float>() == 0.026397705078125f);
    CHECK(pos[3][3].item<float>() == 0.043975830078125f);
    CHECK(pos.to(at::kDouble).sum().item<double>() == Approx(0.32534974813461304).epsilon(1e-12));

    const auto map = pictor::load_weights(dir / "model.safetensors", at::kFloat);
    CHECK(map.size() == 78);
    CHECK(map.at("text_model.embeddings.token_embedding.weight").sizes() == at::IntArrayRef{49408, 32});
    CHECK(map.at("logit_scale").scalar_type() == at::kFloat);
}

TEST_CASE("safetensors reads the sd-tiny expected F32/I64 file") {
    PICTOR_REQUIRE_FIXTURES(dir, "sd-tiny-expected");
    SafetensorsFile f(dir / "expected.safetensors");
    CHECK(f.entries().size() == 35);
    CHECK(f.metadata().empty());
    const at::Tensor ids = f.load("text_input_ids");
    CHECK(ids.scalar_type() == at::kLong);
    CHECK(ids.sizes() == at::IntArrayRef{3, 77});
    CHECK(ids[0][0].item<int64_t>() == 49406);
    CHECK(ids[0][1].item<int64_t>() == 320);
    CHECK(at::equal(f.load("unet_timesteps_b"), at::tensor({1, 500}, at::kLong)));
    const at::Tensor noise = f.load("gen_drawn_noise");
    CHECK(noise.sizes() == at::IntArrayRef{2, 4, 8, 8});
    CHECK(noise.flatten()[1].item<float>() == -0.49659010767936707f);
    CHECK(noise.to(at::kDouble).sum().item<double>() == Approx(-40.89073582459241).epsilon(1e-9));
}

TEST_CASE("safetensors rejects corrupt and hostile files with the file and tensor named") {
    TempDir dir;
    const fs::path p = dir / "bad.safetensors";

    SECTION("missing file") { CHECK_THAT(open_error(dir / "none.safetensors"), Catch::Contains("none.safetensors")); }
    SECTION("empty and too short") {
        write_raw(p, "", 0, 0);
        { std::ofstream(p, std::ios::binary | std::ios::trunc) << "abc"; }
        CHECK_THAT(open_error(p), Catch::Contains("too short") && Catch::Contains("bad.safetensors"));
    }
    SECTION("header length beyond the file") {
        write_raw(p, "{}", 0, 1000);
        CHECK_THAT(open_error(p), Catch::Contains("exceeds the file size"));
    }
    SECTION("absurd header length") {
        write_raw(p, "{}", 0, 1ull << 40);
        CHECK_THAT(open_error(p), Catch::Contains("limit"));
    }
    SECTION("header length at the 64-bit limit does not wrap around") {
        write_raw(p, "{}", 0, ~0ull - 3);
        CHECK_THAT(open_error(p), Catch::Contains("limit"));
    }
    SECTION("invalid JSON") {
        write_raw(p, "{\"a\": {\"dtype\": ", 0);
        CHECK_THAT(open_error(p), Catch::Contains("not valid JSON") && Catch::Contains("bad.safetensors"));
    }
    SECTION("header not an object") {
        write_raw(p, "[1, 2]", 0);
        CHECK_THAT(open_error(p), Catch::Contains("not a JSON object"));
    }
    SECTION("entry not an object") {
        write_raw(p, R"({"w": [1, 2]})", 0);
        CHECK_THAT(open_error(p), Catch::Contains("'w'") && Catch::Contains("not an object"));
    }
    SECTION("unknown dtype") {
        write_raw(p, R"({"w": {"dtype": "F8_E4M3", "shape": [2], "data_offsets": [0, 2]}})", 2);
        CHECK_THAT(open_error(p), Catch::Contains("'w'") && Catch::Contains("unknown dtype \"F8_E4M3\""));
    }
    SECTION("dtype of the wrong JSON type") {
        write_raw(p, R"({"w": {"dtype": 4, "shape": [2], "data_offsets": [0, 8]}})", 8);
        CHECK_THAT(open_error(p), Catch::Contains("'w'") && Catch::Contains("dtype"));
    }
    SECTION("negative or fractional shape") {
        write_raw(p, R"({"w": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}})", 8);
        CHECK_THAT(open_error(p), Catch::Contains("'w'") && Catch::Contains("non-negative"));
        write_raw(p, R"({"w": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 8]}})", 8);
        CHECK_THAT(open_error(p), Catch::Contains("'w'") && Catch::Contains("non-negative"));
    }
    SECTION("shape x dtype size differs from the offsets span") {
        write_raw(p, R"({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})", 8);
        CHECK_THAT(open_error(p), Catch::Contains("'w'") && Catch::Contains("needs 12 bytes") &&
                                      Catch::Contains("span 8"));
    }
    SECTION("shape whose byte size overflows 64 bits") {
        write_raw(p,
                  R"({"w": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 0]}})", 0);
        CHECK_THAT(open_error(p), Catch::Contains("'w'") && Catch::Contains("too large"));
    }
    SECTION("offsets outside the data (truncated file)") {
        write_raw(p, R"({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})", 12);
        CHECK_THAT(open_error(p), Catch::Contains("'w'") && Catch::Contains("outside the data section"));
    }
    SECTION("reversed offsets") {
        write_raw(p, R"({"w": {"dtype": "U8", "shape": [0], "data_offsets": [4, 0]}})", 8);
        CHECK_THAT(open_error(p), Catch::Contains("'w'") && Catch::Contains("reversed"));
    }
    SECTION("malformed offsets") {
        write_raw(p, R"({"w": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4, 8]}})", 8);
        CHECK_THAT(open_error(p), Catch::Contains("'w'") && Catch::Contains("data_offsets"));
        write_raw(p, R"({"w": {"dtype": "U8", "shape": [4], "data_offsets": [-4, 0]}})", 8);
        CHECK_THAT(open_error(p), Catch::Contains("'w'") && Catch::Contains("data_offsets"));
    }
    SECTION("overlapping ranges") {
        write_raw(p,
                  R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},)"
                  R"( "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
                  12);
        CHECK_THAT(open_error(p), Catch::Contains("'b'") && Catch::Contains("overlaps tensor 'a'"));
    }
    SECTION("a range nested inside a larger one") {
        write_raw(p,
                  R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},)"
                  R"( "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]},)"
                  R"( "c": {"dtype": "F32", "shape": [1], "data_offsets": [12, 16]}})",
                  16);
        CHECK_THAT(open_error(p), Catch::Contains("overlaps tensor 'a'"));
    }
    SECTION("metadata of the wrong type") {
        write_raw(p, R"({"__metadata__": {"format": 1}})", 0);
        CHECK_THAT(open_error(p), Catch::Contains("metadata"));
    }
    SECTION("a folder") { CHECK_THAT(open_error(dir.path()), Catch::Contains("not a regular file")); }
    SECTION("a real file cut short") {
        pictor::write_safetensors(p, {{"w", at::ones({64})}});
        fs::resize_file(p, fs::file_size(p) - 10);
        CHECK_THAT(open_error(p), Catch::Contains("'w'") && Catch::Contains("truncated"));
        fs::resize_file(p, 20);
        CHECK_THAT(open_error(p), Catch::Contains("exceeds the file size"));
    }
}

TEST_CASE("safetensors accepts empty tensors sharing an offset and a bool tensor with odd bytes") {
    TempDir dir;
    const fs::path p = dir / "ok.safetensors";
    write_raw(p,
              R"({"e1": {"dtype": "F32", "shape": [0], "data_offsets": [4, 4]},)"
              R"( "e2": {"dtype": "F32", "shape": [2, 0], "data_offsets": [4, 4]},)"
              R"( "b": {"dtype": "BOOL", "shape": [4], "data_offsets": [0, 4]}})",
              4);  // data bytes are 0x01
    SafetensorsFile f(p);
    CHECK(f.load("e2").sizes() == at::IntArrayRef{2, 0});
    CHECK(f.load("b").all().item<bool>());
}
