// The LDM (CompVis / A1111 single-file) → diffusers tensor-name map, over any key and layout.
// Input: byte 0 picks unet_layers_per_block (1..4), byte 1 vae_levels (1..8), the rest is the key.
// Contract (core/io/ldm_key_map.h): pure functions that never throw. The harness catches nothing,
// and checks what the map promises: a mapped key has a name, a split_qkv key gives three names.
#include "core/io/ldm_key_map.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) return 0;
    pictor::LdmLayout layout;
    layout.unet_layers_per_block = 1 + data[0] % 4;
    layout.vae_levels = 1 + data[1] % 8;
    const std::string_view key = pictor::fuzz::as_text(data + 2, size - 2);
    const auto mapped = pictor::map_ldm_key(key, layout);
    (void)pictor::ldm_ema_key(key);
    if (!mapped) return 0;
    (void)pictor::component_name(mapped->component);
    if (mapped->transform == pictor::KeyTransform::split_qkv)
        for (const std::string& name : pictor::qkv_names(mapped->name))
            if (name.empty()) pictor::fuzz::finding("qkv_names gave an empty name");
    return 0;
}
