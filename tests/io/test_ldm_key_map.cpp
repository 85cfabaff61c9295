// The LDM → diffusers key map against key_map.json (every tensor of sd-tiny, made with diffusers'
// own conversion script) and the OpenCLIP / EMA rules of diffusers 0.21.4 convert_from_ckpt.py.
#include "tests/support/catch.h"

#include <nlohmann/json.hpp>

#include "core/io/ldm_key_map.h"
#include "tests/support/fixtures.h"

using namespace pictor;

TEST_CASE("ldm key map: every entry of key_map.json", "[io][single_file][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "single-file");
    const auto map = nlohmann::json::parse(test::read_text_file(dir / "key_map.json"));
    REQUIRE(map.size() == 980);
    size_t checked = 0, squeezed = 0;
    for (const auto& [original, entry] : map.items()) {
        CAPTURE(original);
        const auto mapped = map_ldm_key(original);
        REQUIRE(mapped.has_value());
        CHECK(component_name(mapped->component) == entry.at("component").get<std::string>());
        CHECK(mapped->name == entry.at("diffusers_key").get<std::string>());
        const auto from = entry.at("original_shape").get<std::vector<int64_t>>();
        const auto to = entry.at("diffusers_shape").get<std::vector<int64_t>>();
        // The shape changes exactly where the map says it reshapes (VAE attention 1×1 convs).
        if (from != to) {
            CHECK(mapped->transform == KeyTransform::conv1x1_to_linear);
            CHECK(from.size() == 4);
            CHECK(std::vector<int64_t>(from.begin(), from.begin() + 2) == to);
            ++squeezed;
        } else {
            CHECK(mapped->transform == KeyTransform::none);
        }
        ++checked;
    }
    CHECK(checked == 980);
    CHECK(squeezed == 8);  // {encoder,decoder}.mid.attn_1.{q,k,v,proj_out}.weight
}

TEST_CASE("ldm key map: keys of no network, OpenCLIP, EMA names", "[io][single_file]") {
    for (const char* k : {"betas", "alphas_cumprod", "model_ema.decay", "model_ema.num_updates",
                          "model_ema.diffusion_modelout0weight", "cond_stage_model.model.text_projection",
                          "cond_stage_model.model.logit_scale", "global_step"})
        CHECK_FALSE(map_ldm_key(k).has_value());

    // Unknown keys under a network prefix stay (a strict load names them).
    const auto odd = map_ldm_key("model.diffusion_model.label_emb.0.0.weight");
    REQUIRE(odd);
    CHECK(odd->name == "label_emb.0.0.weight");

    // Ref: convert_open_clip_checkpoint.
    const auto qkv = map_ldm_key("cond_stage_model.model.transformer.resblocks.7.attn.in_proj_weight");
    REQUIRE(qkv);
    CHECK(qkv->component == SdComponent::text_encoder);
    CHECK(qkv->transform == KeyTransform::split_qkv);
    CHECK(qkv_names(qkv->name) == std::array<std::string, 3>{"text_model.encoder.layers.7.self_attn.q_proj.weight",
                                                              "text_model.encoder.layers.7.self_attn.k_proj.weight",
                                                              "text_model.encoder.layers.7.self_attn.v_proj.weight"});
    CHECK(qkv_names(map_ldm_key("cond_stage_model.model.transformer.resblocks.0.attn.in_proj_bias")->name)[2] ==
          "text_model.encoder.layers.0.self_attn.v_proj.bias");
    const std::pair<const char*, const char*> open_clip[] = {
        {"positional_embedding", "text_model.embeddings.position_embedding.weight"},
        {"token_embedding.weight", "text_model.embeddings.token_embedding.weight"},
        {"ln_final.bias", "text_model.final_layer_norm.bias"},
        {"transformer.resblocks.3.ln_1.weight", "text_model.encoder.layers.3.layer_norm1.weight"},
        {"transformer.resblocks.3.ln_2.bias", "text_model.encoder.layers.3.layer_norm2.bias"},
        {"transformer.resblocks.22.attn.out_proj.weight", "text_model.encoder.layers.22.self_attn.out_proj.weight"},
        {"transformer.resblocks.1.mlp.c_fc.weight", "text_model.encoder.layers.1.mlp.fc1.weight"},
        {"transformer.resblocks.1.mlp.c_proj.bias", "text_model.encoder.layers.1.mlp.fc2.bias"}};
    for (const auto& [from, to] : open_clip) {
        CAPTURE(from);
        const auto m = map_ldm_key(std::string("cond_stage_model.model.") + from);
        REQUIRE(m);
        CHECK(m->name == to);
        CHECK(m->transform == KeyTransform::none);
    }

    CHECK(ldm_ema_key("model.diffusion_model.input_blocks.1.1.proj_in.weight") ==
          "model_ema.diffusion_modelinput_blocks11proj_inweight");

    // Layout: 3 resnets per block shift the input/output block numbering.
    LdmLayout three;
    three.unet_layers_per_block = 3;
    CHECK(map_ldm_key("model.diffusion_model.input_blocks.4.0.op.weight", three)->name ==
          "down_blocks.0.downsamplers.0.conv.weight");
    CHECK(map_ldm_key("model.diffusion_model.output_blocks.7.0.skip_connection.bias", three)->name ==
          "up_blocks.1.resnets.3.conv_shortcut.bias");
}
