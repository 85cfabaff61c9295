// The tiled CPU attention kernel against diffusers' formulation (baddbmm + softmax + bmm).
#include <ATen/ATen.h>
#include "tests/support/catch.h"
#include <c10/core/InferenceMode.h>

#include "core/models/sd/attention.h"
#include "tests/support/fixtures.h"

using namespace pictor;

TEST_CASE("tiled attention equals the reference formulation", "[sd][attention]") {
    c10::InferenceMode inference;
    at::manual_seed(3);
    struct Case {
        int64_t n, t, s, heads, d;
    };
    // Query lengths below, at and across the 128-row tile; cross-attention (S = 77); one head.
    const Case cases[] = {{2, 64, 64, 4, 8}, {1, 128, 128, 2, 16}, {2, 300, 300, 8, 40}, {2, 300, 77, 8, 40},
                          {1, 129, 5, 1, 64}};
    for (const auto& c : cases) {
        CAPTURE(c.n, c.t, c.s, c.heads, c.d);
        const at::Tensor q = at::randn({c.n, c.t, c.heads * c.d});
        const at::Tensor k = at::randn({c.n, c.s, c.heads * c.d});
        const at::Tensor v = at::randn({c.n, c.s, c.heads * c.d});
        const double scale = 1.0 / std::sqrt(static_cast<double>(c.d));
        const at::Tensor expected = sd::attention_reference(q, k, v, c.heads, scale, false);
        const at::Tensor actual = sd::attention(q, k, v, c.heads, scale, false);
        CHECK(actual.is_contiguous());
        CHECK(test::all_close(actual, expected, 1e-5, 1e-5, "attention"));
    }
}

TEST_CASE("attention reads strided views without copies of the caller's data", "[sd][attention]") {
    c10::InferenceMode inference;
    at::manual_seed(4);
    // q, k, v as column slices of one fused projection (row stride 3·C).
    const at::Tensor qkv = at::randn({2, 200, 3 * 64});
    const auto parts = qkv.split(64, -1);
    const at::Tensor expected = sd::attention_reference(parts[0].contiguous(), parts[1].contiguous(),
                                                        parts[2].contiguous(), 4, 0.25, false);
    CHECK(test::all_close(sd::attention(parts[0], parts[1], parts[2], 4, 0.25, false), expected, 1e-5, 1e-5));
}
