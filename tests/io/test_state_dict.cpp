// Strict state-dict loading: every problem reported at once, ignore/prefix/rename/optional hooks,
// dtype conversion, no autograd history, module untouched on failure.
#include "tests/support/catch.h"
#include <torch/nn.h>

#include "core/io/safetensors.h"
#include "core/io/state_dict.h"
#include "core/util/error.h"
#include "tests/support/fixtures.h"

using pictor::LoadOptions;
using pictor::TensorMap;

namespace {

struct NetImpl : torch::nn::Module {
    NetImpl()
        : fc(register_module("fc", torch::nn::Linear(3, 2))),
          bn(register_module("bn", torch::nn::BatchNorm1d(2))),
          seq(register_module("seq", torch::nn::Sequential(torch::nn::Linear(2, 4), torch::nn::ReLU(),
                                                           torch::nn::Linear(4, 1)))) {}
    torch::nn::Linear fc;
    torch::nn::BatchNorm1d bn;
    torch::nn::Sequential seq;
};
TORCH_MODULE(Net);

// A complete checkpoint for Net, F32, with distinct values.
TensorMap full_checkpoint() {
    Net reference;
    TensorMap m;
    int i = 0;
    for (const auto& p : reference->named_parameters()) m[p.key()] = at::full(p.value().sizes(), 0.25 * ++i);
    for (const auto& b : reference->named_buffers())
        m[b.key()] = b.value().scalar_type() == at::kLong ? at::scalar_tensor(7, at::kLong)
                                                          : at::full(b.value().sizes(), 0.5 * ++i);
    return m;
}

std::string load_error(torch::nn::Module& module, const TensorMap& map, const LoadOptions& options = {}) {
    try {
        pictor::load_state_dict(module, map, options);
    } catch (const pictor::Error& e) {
        return e.what();
    }
    FAIL("load_state_dict did not throw");
    return {};
}

}  // namespace

TEST_CASE("glob_match") {
    CHECK(pictor::glob_match("*.position_ids", "text_model.embeddings.position_ids"));
    CHECK_FALSE(pictor::glob_match("*.position_ids", "text_model.embeddings.position_ids.x"));
    CHECK(pictor::glob_match("*", ""));
    CHECK(pictor::glob_match("a*b*c", "aXXbYYbc"));
    CHECK_FALSE(pictor::glob_match("a*b*c", "aXXbYYb"));
    CHECK(pictor::glob_match("exact", "exact"));
    CHECK_FALSE(pictor::glob_match("exact", "exactly"));
    CHECK(pictor::glob_match("fc.*", "fc.weight"));
}

TEST_CASE("load_state_dict copies every tensor and converts dtypes without autograd history") {
    Net net;
    TensorMap m = full_checkpoint();
    for (auto& [k, v] : m)
        if (v.is_floating_point()) v = v.to(at::kHalf);  // F16 file into an F32 module
    pictor::load_state_dict(*net, m);
    for (const auto& p : net->named_parameters()) {
        INFO(p.key());
        CHECK(p.value().scalar_type() == at::kFloat);
        CHECK(at::equal(p.value(), m.at(p.key()).to(at::kFloat)));
        CHECK(p.value().requires_grad());
        CHECK(p.value().grad_fn() == nullptr);
        CHECK(p.value().is_leaf());
    }
    CHECK(net->bn->num_batches_tracked.item<int64_t>() == 7);
    CHECK(at::equal(net->bn->running_var, m.at("bn.running_var").to(at::kFloat)));
}

TEST_CASE("load_state_dict reports missing, unexpected and wrong-shape keys together") {
    Net net;
    const at::Tensor before = net->fc->weight.clone();
    TensorMap m = full_checkpoint();
    m.erase("seq.0.bias");
    m.erase("bn.running_mean");
    m["extra.weight"] = at::zeros({1});
    m["fc.weight"] = at::zeros({3, 2});
    LoadOptions o;
    o.what = "Net from x.safetensors";
    const std::string msg = load_error(*net, m, o);
    CHECK_THAT(msg, Catch::StartsWith("loading Net from x.safetensors"));
    CHECK_THAT(msg, Catch::Contains("missing from the checkpoint (2)") && Catch::Contains("seq.0.bias") &&
                        Catch::Contains("bn.running_mean"));
    CHECK_THAT(msg, Catch::Contains("unexpected in the checkpoint (1)") && Catch::Contains("extra.weight"));
    CHECK_THAT(msg, Catch::Contains("wrong shape (1)") && Catch::Contains("fc.weight: module has [2, 3], checkpoint has [3, 2]"));
    // Nothing was copied.
    CHECK(at::equal(net->fc->weight, before));
}

TEST_CASE("load_state_dict ignore, prefix, rename and optional buffers") {
    Net net;
    TensorMap src = full_checkpoint();
    TensorMap m;
    for (const auto& [k, v] : src) m["module." + k] = v;
    m["module.text.position_ids"] = at::arange(4);
    m.erase("module.bn.num_batches_tracked");
    // the Sequential's first layer stored under an old name
    m["module.seq.first.weight"] = m.at("module.seq.0.weight");
    m["module.seq.first.bias"] = m.at("module.seq.0.bias");
    m.erase("module.seq.0.weight");
    m.erase("module.seq.0.bias");

    CHECK_THAT(load_error(*net, m), Catch::Contains("module.fc.weight"));

    LoadOptions o;
    o.strip_prefix = "module.";
    o.ignore = {"*.position_ids"};
    o.optional = {"*.num_batches_tracked"};
    o.rename = [](const std::string& n) {
        return n.rfind("seq.first.", 0) == 0 ? "seq.0." + n.substr(10) : n;
    };
    net->bn->num_batches_tracked.fill_(3);
    pictor::load_state_dict(*net, m, o);
    CHECK(at::equal(net->seq[0]->as<torch::nn::Linear>()->weight, src.at("seq.0.weight")));
    CHECK(net->bn->num_batches_tracked.item<int64_t>() == 3);  // optional: kept

    // Optional applies to buffers only: a missing parameter is still an error.
    o.optional = {"*"};
    m.erase("module.fc.bias");
    CHECK_THAT(load_error(*net, m, o), Catch::Contains("fc.bias") && !Catch::Contains("num_batches_tracked"));

    // Two checkpoint names mapping to one module name.
    TensorMap dup = src;
    dup["module.fc.weight"] = src.at("fc.weight");
    LoadOptions strip;
    strip.strip_prefix = "module.";
    CHECK_THAT(load_error(*net, dup, strip),
               Catch::Contains("several checkpoint tensors map to one name") && Catch::Contains("fc.weight"));
}

TEST_CASE("load_state_dict lists at most a screenful of names") {
    torch::nn::Sequential big;
    for (int i = 0; i < 30; ++i) big->push_back(torch::nn::Linear(1, 1));
    const std::string msg = load_error(*big, {});
    CHECK_THAT(msg, Catch::Contains("missing from the checkpoint (60)") && Catch::Contains("... and 40 more"));
}

TEST_CASE("load_state_dict loads a written safetensors file back") {
    pictor::test::TempDir dir;
    Net a, b;
    TensorMap m;
    for (const auto& p : a->named_parameters()) m[p.key()] = p.value();
    for (const auto& p : a->named_buffers()) m[p.key()] = p.value();
    pictor::write_safetensors(dir / "net.safetensors", m);
    pictor::load_state_dict(*b, pictor::SafetensorsFile(dir / "net.safetensors").load_all());
    for (const auto& p : b->named_parameters()) CHECK(at::equal(p.value(), a->named_parameters()[p.key()]));
}
