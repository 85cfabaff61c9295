// safetensors reader: header JSON, entries, data offsets, every dtype conversion.
// Contract (core/io/safetensors.h): bad input throws pictor::Error, nothing else. The harness
// catches pictor::Error only; any other exception or a sanitizer report is a finding.
#include <ATen/ATen.h>

#include "core/io/safetensors.h"
#include "core/util/error.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const auto file = pictor::fuzz::scratch_file("model.safetensors");
    pictor::fuzz::write_file(file, pictor::fuzz::as_text(data, size));
    try {
        pictor::SafetensorsFile st(file);
        for (const auto& e : st.entries()) {
            if (!st.contains(e.name) || &st.entry(e.name) != &e) pictor::fuzz::finding("entry index disagrees with entries()");
            const at::Tensor t = st.load(e.name);
            if (t.numel() * static_cast<int64_t>(t.element_size()) != static_cast<int64_t>(e.end - e.begin))
                pictor::fuzz::finding("tensor size differs from its data_offsets");
            (void)t.sum();  // touch every element
        }
        (void)st.load_all(at::kFloat);
    } catch (const pictor::Error&) {
    }
    return 0;
}
