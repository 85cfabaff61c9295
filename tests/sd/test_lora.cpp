// LoRA on sd-tiny against diffusers 0.21.4's load_lora_weights (fixtures lora/): the kohya and the
// diffusers file, UNet and text-encoder outputs at every fixture scale, fuse_lora's weights,
// merge -> unmerge restoring the base bit for bit, several LoRAs at once, changing the set on one
// loaded model, and bad files.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include "tests/support/catch.h"
#include <c10/core/InferenceMode.h>

#include "core/io/safetensors.h"
#include "core/models/sd/lora.h"
#include "core/models/sd/lora_merge.h"
#include "core/pipelines/txt2img.h"
#include "core/util/error.h"
#include "tests/support/fixtures.h"
#include "tests/sd/sd_tiny_run.h"

using namespace pictor;
namespace fs = std::filesystem;

namespace {

struct Fixture {
    fs::path lora_dir;
    std::unique_ptr<SafetensorsFile> expected;
    StableDiffusion sd;
    LoraTargets targets;
};

// Loaded once; every test leaves the model with its base weights (unmerge_loras).
Fixture* fixture() {
    static std::unique_ptr<Fixture> f;
    if (!f) {
        const auto lora = test::require_fixtures("lora");
        const auto base = test::require_fixtures("sd-tiny");
        if (!lora || !base) return nullptr;
        f = std::make_unique<Fixture>();
        f->lora_dir = *lora;
        f->expected = std::make_unique<SafetensorsFile>(*lora / "expected.safetensors");
        f->sd = load_stable_diffusion(*base);
        f->targets = lora_targets(f->sd);
    }
    return f.get();
}

fs::path kohya_file(const Fixture& f) { return f.lora_dir / "sd-tiny-lora-kohya.safetensors"; }
fs::path diffusers_file(const Fixture& f) { return f.lora_dir / "diffusers" / "pytorch_lora_weights.safetensors"; }

LoadedLora loaded(const Fixture& f, const fs::path& file, double scale) {
    LoraUse use;
    use.file = file;
    use.unet_scale = use.text_encoder_scale = scale;
    use.name = file.stem().string();
    return {use, read_lora(file, f.targets)};
}

at::Tensor unet_out(Fixture& f, const std::string& t) {
    const SafetensorsFile& e = *f.expected;
    return f.sd.unet->forward(e.load("unet_sample"), e.load(t), e.load("unet_encoder_hidden_states"));
}

at::Tensor text_out(Fixture& f) {
    return f.sd.text_encoder->forward(f.expected->load("text_input_ids")).last_hidden_state;
}

std::map<std::string, at::Tensor> all_parameters(StableDiffusion& sd) {
    std::map<std::string, at::Tensor> out;
    for (const auto& p : sd.unet->named_parameters()) out["unet/" + p.key()] = p.value().clone();
    for (const auto& p : sd.text_encoder->named_parameters()) out["text_encoder/" + p.key()] = p.value().clone();
    return out;
}

// Every parameter bit for bit (NaN-free weights: equal() is exact).
bool same_bits(const std::map<std::string, at::Tensor>& a, const std::map<std::string, at::Tensor>& b) {
    if (a.size() != b.size()) return false;
    for (const auto& [k, t] : a)
        if (!at::equal(t, b.at(k))) {
            INFO("parameter " << k << " differs");
            return false;
        }
    return true;
}

std::string scale_tag(double s) { return s == 1.0 ? "s1_00" : s == 0.5 ? "s0_50" : "s0_70"; }

struct Restore {
    Fixture& f;
    ~Restore() { unmerge_loras(f.sd); }
};

}  // namespace

TEST_CASE("LoRA: both formats read as the same 210 layers with alpha/rank 0.5", "[sd][lora]") {
    Fixture* f = fixture();
    if (!f) return;
    const LoraFile kohya = read_lora(kohya_file(*f), f->targets);
    const LoraFile diffusers = read_lora(f->lora_dir / "diffusers", f->targets);  // the folder form
    CHECK(kohya.format == "kohya");
    CHECK(diffusers.format == "diffusers");
    REQUIRE(kohya.layers.size() == 210);
    REQUIRE(diffusers.layers.size() == 210);
    int convs = 0, te = 0;
    for (size_t i = 0; i < kohya.layers.size(); ++i) {
        const LoraLayer& k = kohya.layers[i];
        const LoraLayer& d = diffusers.layers[i];
        CHECK(k.module == d.module);
        CHECK(k.component == d.component);
        REQUIRE(k.alpha);
        CHECK(*k.alpha == 2.0);
        CHECK(!d.alpha);
        CHECK(k.rank() == 4);
        convs += k.down.dim() == 4;
        te += k.component == LoraComponent::text_encoder;
        // alpha/rank folded into the diffusers file's up: the same update.
        const auto shape = k.component == LoraComponent::unet ? f->targets.unet.at(k.module) : f->targets.text_encoder.at(k.module);
        CHECK(at::equal(lora_delta(k, shape), lora_delta(d, shape)));
    }
    CHECK(convs == 32);  // proj_in / proj_out of the 16 transformers
    CHECK(te == 18);     // 3 layers x (q, k, v, out, fc1, fc2)
}

TEST_CASE("LoRA: UNet and text encoder equal diffusers at every scale, both formats", "[sd][lora][golden]") {
    Fixture* f = fixture();
    if (!f) return;
    c10::InferenceMode inference;
    Restore restore{*f};
    const bool kohya = GENERATE(true, false);
    const fs::path file = kohya ? kohya_file(*f) : diffusers_file(*f);
    for (const double s : {1.0, 0.5, 0.7}) {
        INFO((kohya ? "kohya" : "diffusers") << " at scale " << s);
        merge_loras(f->sd, {loaded(*f, file, s)});
        const std::string tag = scale_tag(s);
        CHECK(test::all_close(unet_out(*f, "unet_t_scalar"), f->expected->load("unet_lora_" + tag + "_out_t_scalar"), 1e-4, 0,
                              "unet t_scalar " + tag));
        CHECK(test::all_close(unet_out(*f, "unet_t_batch"), f->expected->load("unet_lora_" + tag + "_out_t_batch"), 1e-4, 0,
                              "unet t_batch " + tag));
        if (s != 0.7)
            CHECK(test::all_close(text_out(*f), f->expected->load("text_lora_" + tag + "_last_hidden_state"), 1e-4, 0,
                                  "text " + tag));
    }
    unmerge_loras(f->sd);
    CHECK(test::all_close(unet_out(*f, "unet_t_scalar"), f->expected->load("base_unet_out_t_scalar"), 1e-4));
    CHECK(test::all_close(text_out(*f), f->expected->load("base_text_last_hidden_state"), 1e-4));
}

TEST_CASE("LoRA: merged weights equal fuse_lora(lora_scale=0.7)", "[sd][lora][golden]") {
    Fixture* f = fixture();
    if (!f) return;
    c10::InferenceMode inference;
    Restore restore{*f};
    merge_loras(f->sd, {loaded(*f, kohya_file(*f), 0.7)});
    const auto unet = f->sd.unet->named_parameters();
    const auto te = f->sd.text_encoder->named_parameters();
    for (const std::string name : {"down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight",
                                   "down_blocks.1.attentions.1.proj_in.weight"})
        CHECK(test::all_close(unet[name], f->expected->load("fused_s0_70/unet/" + name), 1e-6, 0, name));
    const std::string fc1 = "text_model.encoder.layers.1.mlp.fc1.weight";
    CHECK(test::all_close(te[fc1], f->expected->load("fused_s0_70/text_encoder/" + fc1), 1e-6, 0, fc1));
    CHECK(test::all_close(unet_out(*f, "unet_t_scalar"), f->expected->load("unet_fused_s0_70_out_t_scalar"), 1e-4));
    CHECK(test::all_close(text_out(*f), f->expected->load("text_fused_s0_70_last_hidden_state"), 1e-4));
}

TEST_CASE("LoRA: unmerge restores the base weights bit for bit", "[sd][lora]") {
    Fixture* f = fixture();
    if (!f) return;
    c10::InferenceMode inference;
    Restore restore{*f};
    const auto base = all_parameters(f->sd);
    merge_loras(f->sd, {loaded(*f, kohya_file(*f), 0.7), loaded(*f, diffusers_file(*f), -0.3)});
    CHECK(f->sd.loras.set.size() == 2);
    CHECK(f->sd.loras.originals.size() == 210);  // only the touched parameters are kept
    CHECK_FALSE(same_bits(all_parameters(f->sd), base));
    unmerge_loras(f->sd);
    CHECK(f->sd.loras.set.empty());
    CHECK(f->sd.loras.originals.empty());
    CHECK(same_bits(all_parameters(f->sd), base));
    // A changed set replaces the old one from the base (not on top of it).
    merge_loras(f->sd, {loaded(*f, kohya_file(*f), 1.0)});
    merge_loras(f->sd, {});
    CHECK(same_bits(all_parameters(f->sd), base));
}

TEST_CASE("LoRA: two at once add up, and the set changes on the loaded model", "[sd][lora][golden]") {
    Fixture* f = fixture();
    if (!f) return;
    c10::InferenceMode inference;
    Restore restore{*f};
    // The two files hold the same LoRA: 0.5 + 0.5 is the LoRA at 1.0, 0.3 + 0.4 at 0.7.
    merge_loras(f->sd, {loaded(*f, kohya_file(*f), 0.5), loaded(*f, diffusers_file(*f), 0.5)});
    CHECK(test::all_close(unet_out(*f, "unet_t_scalar"), f->expected->load("unet_lora_s1_00_out_t_scalar"), 1e-4));
    CHECK(test::all_close(text_out(*f), f->expected->load("text_lora_s1_00_last_hidden_state"), 1e-4));
    merge_loras(f->sd, {loaded(*f, kohya_file(*f), 0.3), loaded(*f, diffusers_file(*f), 0.4)});
    CHECK(test::all_close(unet_out(*f, "unet_t_batch"), f->expected->load("unet_lora_s0_70_out_t_batch"), 1e-4));
    merge_loras(f->sd, {loaded(*f, diffusers_file(*f), 0.5)});
    CHECK(test::all_close(unet_out(*f, "unet_t_scalar"), f->expected->load("unet_lora_s0_50_out_t_scalar"), 1e-4));
    CHECK(test::all_close(text_out(*f), f->expected->load("text_lora_s0_50_last_hidden_state"), 1e-4));
    // Separate strengths (A1111's <lora:NAME:TE:UNET>): the UNet at 1.0, the text encoder off.
    LoadedLora split = loaded(*f, kohya_file(*f), 1.0);
    split.use.text_encoder_scale = 0.0;
    merge_loras(f->sd, {split});
    CHECK(test::all_close(unet_out(*f, "unet_t_scalar"), f->expected->load("unet_lora_s1_00_out_t_scalar"), 1e-4));
    CHECK(test::all_close(text_out(*f), f->expected->load("base_text_last_hidden_state"), 1e-4));
}

TEST_CASE("LoRA: pipeline images equal diffusers at scales 1.0 and 0.7", "[sd][lora][golden]") {
    Fixture* f = fixture();
    if (!f) return;
    Restore restore{*f};
    const double s = GENERATE(1.0, 0.7);
    const std::string tag = scale_tag(s);
    merge_loras(f->sd, {loaded(*f, kohya_file(*f), s)});
    const Txt2ImgParams p = test::sd_tiny_run_params(f->expected->load("run_latents_in"), 1);
    ProgressSink sink;
    const Txt2ImgResult r = txt2img(f->sd, p, sink);
    CHECK(test::all_close(r.prompt_embeds, f->expected->load("run_" + tag + "_prompt_embeds"), 1e-4, 0, "prompt_embeds"));
    CHECK(test::all_close(r.images, f->expected->load("run_" + tag + "_images"), 1e-3, 0, "images " + tag));
}

namespace {

// A LoRA file written for one bad-input case.
fs::path write_lora(const test::TempDir& dir, const std::string& name, const TensorMap& tensors) {
    const fs::path path = dir / name;
    write_safetensors(path, tensors);
    return path;
}

std::string error_of(const fs::path& path, const LoraTargets& targets) {
    try {
        read_lora(path, targets);
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("LoRA: bad files name the file and the key", "[sd][lora]") {
    Fixture* f = fixture();
    if (!f) return;
    test::TempDir dir;
    const std::string q = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q";
    const at::Tensor down = at::zeros({4, 32}), up = at::zeros({32, 4});
    using Catch::Matchers::Contains;

    SECTION("an SDXL LoRA") {
        const fs::path p = write_lora(dir, "xl.safetensors",
                                      {{"lora_te1_text_model_encoder_layers_0_mlp_fc1.lora_down.weight", down}});
        const std::string e = error_of(p, f->targets);
        CHECK_THAT(e, Contains(p.string()) && Contains("lora_te1_text_model_encoder_layers_0_mlp_fc1") && Contains("SDXL"));
    }
    SECTION("a module this model does not have") {
        const fs::path p = write_lora(dir, "other.safetensors",
                                      {{"lora_unet_down_blocks_7_attentions_0_proj_in.lora_down.weight", down},
                                       {"lora_unet_down_blocks_7_attentions_0_proj_in.lora_up.weight", up}});
        CHECK_THAT(error_of(p, f->targets),
                   Contains(p.string()) && Contains("lora_unet_down_blocks_7_attentions_0_proj_in") && Contains("another architecture"));
    }
    SECTION("LDM block names") {
        const fs::path p = write_lora(dir, "ldm.safetensors", {{"lora_unet_input_blocks_1_1_proj_in.lora_down.weight", down}});
        CHECK_THAT(error_of(p, f->targets), Contains("lora_unet_input_blocks_1_1_proj_in") && Contains("LDM"));
    }
    SECTION("shapes that do not match the module") {
        const fs::path p = write_lora(dir, "shape.safetensors",
                                      {{q + ".lora_down.weight", at::zeros({4, 64})}, {q + ".lora_up.weight", up}});
        CHECK_THAT(error_of(p, f->targets), Contains(p.string()) && Contains(q + ".lora_down.weight") &&
                                                Contains("[4, 64]") && Contains("[32, 32]"));
    }
    SECTION("ranks that differ") {
        const fs::path p = write_lora(dir, "rank.safetensors",
                                      {{q + ".lora_down.weight", down}, {q + ".lora_up.weight", at::zeros({32, 8})}});
        CHECK_THAT(error_of(p, f->targets), Contains(q + ".lora_up.weight") && Contains("ranks"));
    }
    SECTION("a missing partner") {
        const fs::path p = write_lora(dir, "half.safetensors", {{q + ".lora_down.weight", down}, {q + ".alpha", at::ones({})}});
        CHECK_THAT(error_of(p, f->targets), Contains(q + ".lora_down.weight") && Contains("no up partner"));
    }
    SECTION("LoHa") {
        const fs::path p = write_lora(dir, "loha.safetensors", {{q + ".hada_w1_a", down}});
        CHECK_THAT(error_of(p, f->targets), Contains(q + ".hada_w1_a") && Contains("LoHa"));
    }
    SECTION("a NaN") {
        const fs::path p = write_lora(dir, "nan.safetensors",
                                      {{q + ".lora_down.weight", at::full({4, 32}, NAN)}, {q + ".lora_up.weight", up}});
        CHECK_THAT(error_of(p, f->targets), Contains(q + ".lora_down.weight") && Contains("NaN"));
    }
    SECTION("an unknown diffusers key") {
        const fs::path p = write_lora(dir, "odd.safetensors", {{"unet.conv_in.something", down}});
        CHECK_THAT(error_of(p, f->targets), Contains("unet.conv_in.something"));
    }
    SECTION("a corrupt file") {
        const std::string bytes = test::read_text_file(kohya_file(*f));
        const fs::path p = dir / "cut.safetensors";
        test::write_text_file(p, bytes.substr(0, bytes.size() / 2));
        CHECK_THAT(error_of(p, f->targets), Contains(p.string()));
    }
    SECTION("a file that does not exist") {
        CHECK_THAT(error_of(dir / "none.safetensors", f->targets), Contains("none.safetensors") && Contains("no such file"));
    }
}

TEST_CASE("LoRA: LoCon conv layers and the older diffusers names", "[sd][lora]") {
    Fixture* f = fixture();
    if (!f) return;
    c10::InferenceMode inference;
    Restore restore{*f};
    test::TempDir dir;
    // A 3x3 LoCon on a resnet conv (not in 0.21.4's fixture, so checked against the formula) and a
    // time_emb_proj that 0.21.4 cannot load but A1111 and diffusers >= 0.23 do.
    const std::string conv = "lora_unet_down_blocks_0_resnets_0_conv1";
    const std::string temb = "lora_unet_down_blocks_0_resnets_0_time_emb_proj";
    const auto& conv_shape = f->targets.unet.at("down_blocks.0.resnets.0.conv1");
    const auto& temb_shape = f->targets.unet.at("down_blocks.0.resnets.0.time_emb_proj");
    at::Generator gen = at::detail::createCPUGenerator(3);
    const at::Tensor cd = at::randn({2, conv_shape[1], 3, 3}, gen), cu = at::randn({conv_shape[0], 2, 1, 1}, gen);
    const at::Tensor td = at::randn({2, temb_shape[1]}, gen), tu = at::randn({temb_shape[0], 2}, gen);
    const fs::path p = write_lora(dir, "locon.safetensors",
                                  {{conv + ".lora_down.weight", cd},
                                   {conv + ".lora_up.weight", cu},
                                   {conv + ".alpha", at::full({}, 1.0)},
                                   {temb + ".lora_down.weight", td},
                                   {temb + ".lora_up.weight", tu}});
    const auto before = f->sd.unet->named_parameters();
    const at::Tensor w0 = before["down_blocks.0.resnets.0.conv1.weight"].clone();
    const at::Tensor t0 = before["down_blocks.0.resnets.0.time_emb_proj.weight"].clone();
    LoadedLora l = loaded(*f, p, 0.8);
    REQUIRE(l.file.layers.size() == 2);
    merge_loras(f->sd, {l});
    const auto after = f->sd.unet->named_parameters();
    const at::Tensor expected_conv = w0 + 0.8 * at::mm(cu.flatten(1) * 1.0 / 2.0, cd.flatten(1)).reshape(w0.sizes());
    CHECK(test::all_close(after["down_blocks.0.resnets.0.conv1.weight"], expected_conv, 1e-6));
    CHECK(test::all_close(after["down_blocks.0.resnets.0.time_emb_proj.weight"], t0 + 0.8 * at::mm(tu, td), 1e-6));

    // Older diffusers attention-processor names map to the same modules.
    const fs::path old = write_lora(
        dir, "old.safetensors",
        {{"unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.processor.to_out_lora.down.weight", at::zeros({4, 32})},
         {"unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.processor.to_out_lora.up.weight", at::zeros({32, 4})},
         {"text_encoder.text_model.encoder.layers.0.self_attn.to_q_lora.down.weight", at::zeros({4, 32})},
         {"text_encoder.text_model.encoder.layers.0.self_attn.to_q_lora.up.weight", at::zeros({32, 4})}});
    const LoraFile o = read_lora(old, f->targets);
    REQUIRE(o.layers.size() == 2);
    CHECK(o.layers[0].module == "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_out.0");
    CHECK(o.layers[1].module == "text_model.encoder.layers.0.self_attn.q_proj");
}
