// Single-file (original LDM layout) checkpoints against diffusers 0.21.4's
// download_from_original_stable_diffusion_ckpt on sd-tiny: conversion (bit-exact weights), network
// outputs (configs/ and yaml-derived), a full txt2img run, EMA, config precedence, detection, the
// real SD 1.5 manifest, and bad files.
#include <ATen/ATen.h>
#include "tests/support/catch.h"
#include <c10/core/InferenceMode.h>

#include <nlohmann/json.hpp>

#include <fstream>

#include "core/io/model_ref.h"
#include "core/io/safetensors.h"
#include "core/io/state_dict.h"
#include "core/io/tensor_map.h"
#include "core/models/sd/single_file.h"
#include "core/models/sd/single_file_config.h"
#include "core/models/sd/single_file_tokenizer.h"
#include "core/pipelines/txt2img.h"
#include "core/util/error.h"
#include "core/util/resources.h"
#include "tests/io/pickle_builder.h"
#include "tests/support/fixtures.h"
#include "tests/sd/sd_tiny_run.h"

using namespace pictor;
namespace fs = std::filesystem;

namespace {

// Fixture tolerance (single-file/README.md): atol 1e-4 for every network output.
constexpr double kAtol = 1e-4;

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

// The sd-tiny folder's weights of one network, in current diffusers names and Linear shapes.
TensorMap folder_weights(const fs::path& dir, const std::string& part) {
    TensorMap m = load_weights(find_weight_file(dir / part));
    if (part != "vae") return m;
    TensorMap out;
    for (auto& [k, v] : m) out[vae_current_name(k)] = v;
    vae_squeeze_attention_weights(out);
    return out;
}

void check_outputs(StableDiffusion& sd, const SafetensorsFile& e, bool yaml_norms) {
    c10::InferenceMode guard;
    const at::Tensor hidden = sd.text_encoder->forward(e.load("text_input_ids")).last_hidden_state;
    CHECK(test::all_close(hidden, e.load("text_last_hidden_state"), kAtol, 0, "text_last_hidden_state"));
    const at::Tensor unet = sd.unet->forward(e.load("unet_sample"), e.load("unet_t_scalar"), e.load("unet_encoder_hidden_states"));
    CHECK(test::all_close(unet, e.load(yaml_norms ? "yaml_unet_out_t_scalar" : "unet_out_t_scalar"), kAtol, 0, "unet"));
    const at::Tensor image = sd.vae->decode(e.load("vae_decode_latents"));
    CHECK(test::all_close(image, e.load(yaml_norms ? "yaml_vae_decode_sample" : "vae_decode_sample"), kAtol, 0, "vae"));
}

TensorShapes manifest_shapes(const fs::path& file) {
    TensorShapes out;
    for (const auto& e : nlohmann::json::parse(test::read_text_file(file)))
        out[e.at("name").get<std::string>()] = e.at("shape").get<std::vector<int64_t>>();
    return out;
}

TensorShapes module_shapes(torch::nn::Module& m) {
    TensorShapes out;
    for (const auto& p : m.named_parameters()) out[p.key()] = p.value().sizes().vec();
    for (const auto& b : m.named_buffers()) out[b.key()] = b.value().sizes().vec();
    return out;
}

// Meta tensors of the given shapes: a 4 GB checkpoint's names without its data.
TensorMap meta_tensors(const TensorShapes& shapes) {
    TensorMap m;
    for (const auto& [name, shape] : shapes) m[name] = at::empty(shape, at::TensorOptions().device(at::kMeta));
    return m;
}

}  // namespace

TEST_CASE("single file: the converted weights are sd-tiny's, bit for bit (.safetensors and .ckpt)", "[sd][single_file][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "single-file");
    const fs::path tiny = dir.parent_path() / "sd-tiny";
    SingleFileOptions o;
    o.config = dir / "configs";
    for (const char* name : {"sd-tiny.safetensors", "sd-tiny.ckpt"}) {
        CAPTURE(name);
        TensorMap raw = load_weights(dir / name);
        REQUIRE(raw.size() == 980);
        const SingleFileArchitecture arch = single_file_architecture(dir / name, tensor_shapes(raw), o);
        const ConvertedCheckpoint c = convert_ldm_checkpoint(std::move(raw), arch, false, name);
        CHECK(raw.empty());  // moved, not copied
        const std::pair<const TensorMap*, const char*> parts[] = {{&c.unet, "unet"}, {&c.vae, "vae"}, {&c.text_encoder, "text_encoder"}};
        for (const auto& [converted, part] : parts) {
            CAPTURE(part);
            const TensorMap ref = folder_weights(tiny, part);
            REQUIRE(converted->size() == ref.size());
            for (const auto& [k, v] : ref) {
                CAPTURE(k);
                REQUIRE(converted->count(k));
                CHECK(converted->at(k).sizes() == v.sizes());
                CHECK(at::equal(converted->at(k).to(at::kFloat), v.to(at::kFloat)));
            }
        }
    }
}

TEST_CASE("single file: networks equal the fixture with configs/, and the yaml-built ones", "[sd][single_file][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "single-file");
    const SafetensorsFile e(dir / "expected.safetensors");
    SECTION("--config configs/ (a diffusers folder), both formats") {
        for (const char* name : {"sd-tiny.safetensors", "sd-tiny.ckpt"}) {
            CAPTURE(name);
            SingleFileOptions o;
            o.config = dir / "configs";
            std::vector<std::string> notes;
            StableDiffusion sd = load_stable_diffusion_file(dir / name, o, {}, &notes);
            CHECK(sd.name == "sd-tiny");
            CHECK(sd.unet->config().norm_num_groups == 8);
            check_outputs(sd, e, false);
        }
    }
    SECTION("the sidecar yaml: GroupNorm(32) as the reference loader builds it, defaults named") {
        std::vector<std::string> notes;
        const SingleFileArchitecture a = single_file_architecture(dir / "sd-tiny.safetensors",
                                                                  weight_file_shapes(dir / "sd-tiny.safetensors"), {});
        CHECK(a.config_source == "sidecar " + (dir / "sd-tiny.yaml").string());
        // derived_configs.json: the values diffusers derives from the yaml.
        const auto derived = nlohmann::json::parse(test::read_text_file(dir / "derived_configs.json"));
        CHECK(a.unet.norm_num_groups == derived["unet"]["norm_num_groups"].get<int64_t>());
        CHECK(a.unet.block_out_channels == derived["unet"]["block_out_channels"].get<std::vector<int64_t>>());
        CHECK(a.unet.num_attention_heads[0] == derived["unet"]["attention_head_dim"].get<int64_t>());
        CHECK(a.unet.down_block_types == derived["unet"]["down_block_types"].get<std::vector<std::string>>());
        CHECK(a.unet.up_block_types == derived["unet"]["up_block_types"].get<std::vector<std::string>>());
        CHECK(a.unet.sample_size == derived["unet"]["sample_size"].get<int64_t>());
        CHECK(a.unet.cross_attention_dim[0] == derived["unet"]["cross_attention_dim"].get<int64_t>());
        CHECK(a.vae.norm_num_groups == derived["vae"]["norm_num_groups"].get<int64_t>());
        CHECK(a.vae.sample_size == derived["vae"]["sample_size"].get<int64_t>());
        CHECK(a.vae.block_out_channels == derived["vae"]["block_out_channels"].get<std::vector<int64_t>>());
        for (const auto& [k, v] : derived["scheduler"].items()) {
            CAPTURE(k);
            if (v.is_null()) continue;
            CHECK(a.scheduler.json().at(k) == v);
        }
        auto has_note = [&](const std::string& s) {
            for (const auto& n : a.notes)
                if (n.find(s) != std::string::npos) return true;
            return false;
        };
        CHECK(has_note("UNet norm_num_groups: an LDM yaml has no group count, 32 taken"));
        CHECK(has_note("VAE norm_num_groups"));
        CHECK(has_note("text encoder: the head count cannot be derived (width 32"));
        // The UNet and VAE as the reference loader builds them from file + yaml.
        ConvertedCheckpoint c = convert_ldm_checkpoint(load_weights(dir / "sd-tiny.safetensors"), a, false, "sd-tiny");
        UNet2DConditionModel unet(a.unet);
        load_state_dict(*unet, c.unet);
        AutoencoderKL vae(a.vae);
        load_state_dict(*vae, c.vae);
        c10::InferenceMode guard;
        CHECK(test::all_close(unet->forward(e.load("unet_sample"), e.load("unet_t_scalar"), e.load("unet_encoder_hidden_states")),
                              e.load("yaml_unet_out_t_scalar"), kAtol, 0, "yaml_unet_out_t_scalar"));
        CHECK(test::all_close(vae->decode(e.load("vae_decode_latents")), e.load("yaml_vae_decode_sample"), kAtol, 0,
                              "yaml_vae_decode_sample"));
        // The whole model cannot be built from the yaml alone: the error says what to pass.
        CHECK_THAT(error_of([&] { load_stable_diffusion_file(dir / "sd-tiny.safetensors", {}); }),
                   Catch::Contains("sd-tiny.safetensors") && Catch::Contains("head count") &&
                       Catch::Contains("text_encoder/config.json"));
    }
}

TEST_CASE("single file: txt2img equals the sd-tiny-expected run", "[sd][single_file][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "single-file");
    const SafetensorsFile e(dir.parent_path() / "sd-tiny-expected" / "expected.safetensors");
    SingleFileOptions o;
    o.config = dir / "configs";
    StableDiffusion sd = load_stable_diffusion_file(dir / "sd-tiny.safetensors", o);
    const Txt2ImgParams p = test::sd_tiny_run_params(e.load("run_latents_in"));
    Txt2ImgSink sink;
    const Txt2ImgResult r = txt2img(sd, p, sink);
    CHECK(test::all_close(r.prompt_embeds, e.load("run_prompt_embeds"), 1e-4, 1e-4, "run_prompt_embeds"));
    CHECK(test::all_close(r.images, e.load("run_images"), 1e-3, 0, "run_images"));
}

TEST_CASE("single file: the built-in tokenizer is CLIP's", "[sd][single_file][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "clip-tokenizer");
    const std::string merges(resources::clip_bpe_merges_txt());
    CHECK(merges == test::read_text_file(dir / "merges.txt"));
    CHECK(nlohmann::json::parse(clip_vocab_json_from_merges(merges)) ==
          nlohmann::json::parse(test::read_text_file(dir / "vocab.json")));
    const ClipTokenizer shipped = shipped_clip_tokenizer(false), ref = ClipTokenizer::load(dir);
    for (const char* text : {"a photo of an astronaut riding a horse on mars", "Ünïcödé, (weights:1.2) & 123!"}) {
        CAPTURE(text);
        CHECK(shipped.encode_padded(text, 77).input_ids == ref.encode_padded(text, 77).input_ids);
    }
    CHECK(shipped.pad_id() == 49407);
    CHECK(shipped_clip_tokenizer(true).pad_id() == 0);  // SD 2.x pads with "!"
}

TEST_CASE("single file: --ema takes model_ema.* for the UNet", "[sd][single_file]") {
    PICTOR_REQUIRE_FIXTURES(dir, "single-file");
    SingleFileOptions o;
    o.config = dir / "configs";
    const auto shapes = weight_file_shapes(dir / "sd-tiny.safetensors");
    const SingleFileArchitecture arch = single_file_architecture(dir / "sd-tiny.safetensors", shapes, o);
    TensorMap with_ema = load_weights(dir / "sd-tiny.safetensors");
    size_t unet_keys = 0;
    for (const auto& [k, v] : TensorMap(with_ema))
        if (k.rfind("model.diffusion_model.", 0) == 0) {
            with_ema[ldm_ema_key(k)] = v.to(at::kFloat) * -2;  // distinguishable EMA weights
            ++unet_keys;
        }
    with_ema["model_ema.decay"] = at::tensor(0.9999);
    with_ema["model_ema.num_updates"] = at::tensor(int64_t(10));
    REQUIRE(unet_keys > 100);
    const TensorMap regular = load_weights(dir / "sd-tiny.safetensors");
    const std::string conv_in = "model.diffusion_model.input_blocks.0.0.weight";

    ConvertedCheckpoint ema = convert_ldm_checkpoint(TensorMap(with_ema), arch, true, "f");
    CHECK(at::equal(ema.unet.at("conv_in.weight"), regular.at(conv_in).to(at::kFloat) * -2));
    CHECK(ema.unet.size() == unet_keys);
    CHECK(ema.notes.at(0) == "--ema: the UNet's EMA weights are used");
    ConvertedCheckpoint plain = convert_ldm_checkpoint(TensorMap(with_ema), arch, false, "f");
    CHECK(at::equal(plain.unet.at("conv_in.weight"), regular.at(conv_in)));
    CHECK_THAT(plain.notes.at(0), Catch::Contains("--ema uses them"));
    // The VAE and text encoder are the same either way.
    CHECK(at::equal(ema.vae.at("decoder.conv_out.weight"), plain.vae.at("decoder.conv_out.weight")));

    // A file without EMA weights: --ema says so and keeps the regular ones.
    ConvertedCheckpoint none = convert_ldm_checkpoint(load_weights(dir / "sd-tiny.safetensors"), arch, true, "f");
    CHECK(at::equal(none.unet.at("conv_in.weight"), regular.at(conv_in)));
    CHECK_THAT(none.notes.at(0), Catch::Contains("holds no EMA weights"));

    // Through the loader from a file on disk.
    test::TempDir tmp;
    write_safetensors(tmp / "ema.safetensors", with_ema);
    StableDiffusion sd = load_stable_diffusion_file(tmp / "ema.safetensors", SingleFileOptions{o.config, true});
    CHECK(at::equal(sd.unet->conv_in->weight, regular.at(conv_in).to(at::kFloat) * -2));
}

TEST_CASE("single file: config precedence --config > sidecar > detection", "[sd][single_file]") {
    PICTOR_REQUIRE_FIXTURES(dir, "single-file");
    test::TempDir tmp;
    const fs::path file = tmp / "model.safetensors";
    fs::create_symlink(dir / "sd-tiny.safetensors", file);
    const TensorShapes shapes = weight_file_shapes(file);
    // No yaml: detection, which sd-tiny's 32-wide cross-attention defeats with a clear message.
    CHECK_THAT(error_of([&] { single_file_architecture(file, shapes, {}); }),
               Catch::Contains("model.safetensors") && Catch::Contains("cross-attention width 32") &&
                   Catch::Contains("--config"));
    // A sidecar: used.
    std::string yaml = test::read_text_file(dir / "sd-tiny.yaml");
    test::write_text_file(tmp / "model.yaml", yaml);
    CHECK(single_file_architecture(file, shapes, {}).config_source == "sidecar " + (tmp / "model.yaml").string());
    // --config wins over the sidecar: a yaml file, or a diffusers folder.
    const auto pos = yaml.find("num_heads: 4");
    REQUIRE(pos != std::string::npos);
    test::write_text_file(tmp / "other.yaml", yaml.replace(pos, 12, "num_heads: 2"));
    const SingleFileArchitecture by_yaml = single_file_architecture(file, shapes, {tmp / "other.yaml", false});
    CHECK(by_yaml.config_source == "--config " + (tmp / "other.yaml").string());
    CHECK(by_yaml.unet.num_attention_heads == std::vector<int64_t>{2, 2, 2, 2});
    const SingleFileArchitecture by_dir = single_file_architecture(file, shapes, {dir / "configs", false});
    CHECK(by_dir.unet.norm_num_groups == 8);
    CHECK(by_dir.vae.norm_num_groups == 16);
    CHECK(by_dir.text.num_attention_heads == 4);
    CHECK(by_dir.describe() == "custom (epsilon, 64x64), config: --config " + (dir / "configs").string());
}

TEST_CASE("single file: detection and the real SD 1.5 file's names map onto the models exactly", "[sd][single_file][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "single-file");
    const TensorShapes shapes = manifest_shapes(dir / "manifest_sd15_single_file.json");
    REQUIRE(shapes.size() == 1130);
    const SingleFileArchitecture a = single_file_architecture("v1-5-pruned-emaonly.safetensors", shapes, {});
    CHECK(a.family == "SD 1.x");
    CHECK_FALSE(a.inpainting);
    CHECK(a.prediction_type == "epsilon");
    CHECK(a.unet == UNet2DConditionConfig::sd15());
    CHECK(a.vae.block_out_channels == AutoencoderKLConfig::sd15().block_out_channels);
    CHECK(a.text.num_attention_heads == 12);
    CHECK(a.describe() == "SD 1.x (epsilon, 512x512), config: detected from the weights (built-in v1-inference.yaml)");

    // Every manifest tensor converts to a name the networks have, with their shape, and nothing is left over.
    const ConvertedCheckpoint c = convert_ldm_checkpoint(meta_tensors(shapes), a, false, "manifest");
    const auto manifest = nlohmann::json::parse(test::read_text_file(dir / "manifest_sd15_single_file.json"));
    for (const auto& e : manifest) {
        const auto mapped = map_ldm_key(e.at("name").get<std::string>());
        REQUIRE(mapped);
        CHECK(mapped->name == e.at("diffusers_name").get<std::string>());
    }
    UNet2DConditionModel unet(a.unet, at::TensorOptions().device(at::kMeta));
    AutoencoderKL vae(a.vae, at::TensorOptions().device(at::kMeta));
    CLIPTextModel text(a.text);
    const std::tuple<const TensorMap*, TensorShapes, const char*> parts[] = {
        {&c.unet, module_shapes(*unet), "unet"}, {&c.vae, module_shapes(*vae), "vae"}, {&c.text_encoder, module_shapes(*text), "text"}};
    for (const auto& [converted, module, part] : parts) {
        CAPTURE(part);
        TensorShapes got = tensor_shapes(*converted);
        TensorShapes want = module;
        want.erase("text_model.embeddings.position_ids");  // a buffer, not in the file
        CHECK(got == want);
    }
    CHECK(c.unet.size() + c.vae.size() + c.text_encoder.size() == 1130);

    // SD 2.x from the 1024-wide cross-attention, inpainting from conv_in's 9 channels.
    TensorShapes v2 = shapes;
    v2["model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight"] = {320, 1024};
    v2["model.diffusion_model.input_blocks.0.0.weight"] = {320, 9, 3, 3};
    const SingleFileArchitecture b = single_file_architecture("x.safetensors", v2, {});
    CHECK(b.family == "SD 2.x");
    CHECK(b.inpainting);
    CHECK(b.prediction_type == "v_prediction");
    CHECK(b.unet.in_channels == 9);
    CHECK(b.unet.num_attention_heads == std::vector<int64_t>{5, 10, 20, 20});
    CHECK(b.unet.use_linear_projection);
    CHECK(b.unet.sample_size == 96);
}

TEST_CASE("single file: bad files name the file and the key", "[sd][single_file]") {
    PICTOR_REQUIRE_FIXTURES(dir, "single-file");
    test::TempDir tmp;
    SingleFileOptions o;
    o.config = dir / "configs";
    const TensorMap good = load_weights(dir / "sd-tiny.safetensors");
    SECTION("a missing UNet key") {
        TensorMap m = good;
        m.erase("model.diffusion_model.middle_block.1.proj_in.weight");
        write_safetensors(tmp / "missing.safetensors", m);
        CHECK_THAT(error_of([&] { load_stable_diffusion_file(tmp / "missing.safetensors", o); }),
                   Catch::Contains("missing.safetensors") && Catch::Contains("UNet") &&
                       Catch::Contains("missing from the checkpoint") && Catch::Contains("mid_block.attentions.0.proj_in.weight"));
    }
    SECTION("a wrong shape") {
        TensorMap m = good;
        m["first_stage_model.decoder.conv_out.bias"] = at::zeros({4});
        write_safetensors(tmp / "shape.safetensors", m);
        CHECK_THAT(error_of([&] { load_stable_diffusion_file(tmp / "shape.safetensors", o); }),
                   Catch::Contains("shape.safetensors") && Catch::Contains("decoder.conv_out.bias") &&
                       Catch::Contains("first_stage_model.decoder.conv_out.bias"));
    }
    SECTION("a truncated file") {
        const std::string bytes = test::read_text_file(dir / "sd-tiny.safetensors");
        test::write_text_file(tmp / "cut.safetensors", bytes.substr(0, bytes.size() / 2));
        CHECK_THAT(error_of([&] { load_stable_diffusion_file(tmp / "cut.safetensors", o); }),
                   Catch::Contains("cut.safetensors"));
        const std::string ckpt = test::read_text_file(dir / "sd-tiny.ckpt");
        test::write_text_file(tmp / "cut.ckpt", ckpt.substr(0, ckpt.size() / 2));
        CHECK_THAT(error_of([&] { load_stable_diffusion_file(tmp / "cut.ckpt", o); }), Catch::Contains("cut.ckpt"));
    }
    SECTION("a ckpt with a malicious pickle: refused, nothing runs") {
        const fs::path marker = tmp / "pwned";
        test::PickleBuilder p;
        p.proto().op('}').str("state_dict").global("os", "system").str("touch " + marker.string()).op('\x85').op('R').op('s').stop();
        test::write_torch_zip(tmp / "evil.ckpt", p.bytes(), {});
        CHECK_THAT(error_of([&] { load_stable_diffusion_file(tmp / "evil.ckpt", o); }),
                   Catch::Contains("evil.ckpt") && Catch::Contains("os.system"));
        CHECK_FALSE(fs::exists(marker));
    }
    SECTION("not an LDM checkpoint") {
        CHECK_THAT(error_of([&] { load_stable_diffusion_file(dir.parent_path() / "sd-tiny" / "unet" / "diffusion_pytorch_model.safetensors", o); }),
                   Catch::Contains("no 'model.diffusion_model.*' tensors"));
    }
}

// Regression (fuzz/fuzz_ldm_yaml): `ch_mult: []` shifted the sample size by 2^64 - 1 and a huge
// model_channels overflowed `model_channels * mult`, both undefined behaviour; such sizes are now
// errors naming the yaml and the key.
TEST_CASE("single file: yaml sizes no network can have are errors", "[sd][single_file]") {
    std::vector<std::string> notes;
    const auto vae = [&](const std::string& ddconfig) {
        return vae_config_from_ldm(
            parse_ldm_yaml("model:\n  params:\n    first_stage_config:\n      params:\n        ddconfig:\n" + ddconfig, "v.yaml"),
            notes);
    };
    CHECK_THROWS_WITH(vae("          ch: 128\n          ch_mult: []\n"),
                      Catch::Contains("v.yaml") && Catch::Contains("ch_mult") && Catch::Contains("1..16 levels"));
    CHECK_THROWS_WITH(vae("          ch: 0\n          ch_mult: [1]\n"), Catch::Contains("ddconfig ch"));
    CHECK(vae("          ch: 32\n          ch_mult: [1, 2]\n").block_out_channels == std::vector<int64_t>{32, 64});
    const auto unet = [&](const std::string& params) {
        return unet_config_from_ldm(
            parse_ldm_yaml("model:\n  params:\n    unet_config:\n      params:\n" + params, "u.yaml"), notes);
    };
    const std::string rest = "        num_res_blocks: 2\n        context_dim: 8\n";
    CHECK_THROWS_WITH(unet("        model_channels: 9223372036854775807\n        channel_mult: [2]\n" + rest),
                      Catch::Contains("u.yaml") && Catch::Contains("model_channels"));
    CHECK_THROWS_WITH(unet("        model_channels: 32\n        channel_mult: [1, -4]\n" + rest), Catch::Contains("channel_mult"));
    CHECK_THROWS_WITH(unet("        model_channels: 32\n        channel_mult: [1]\n        num_res_blocks: 0\n        context_dim: 8\n"),
                      Catch::Contains("num_res_blocks"));
    CHECK(unet("        model_channels: 32\n        channel_mult: [1, 2]\n" + rest).block_out_channels == std::vector<int64_t>{32, 64});
}
