// CLIP models: golden parity with transformers 4.33.3 on clip-tiny, configs (defaults, errors),
// pooling rules, checkpoint forms, and the names/shapes of the real checkpoints (manifests).
#include "tests/support/catch.h"

#include <ATen/ATen.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "core/io/json_config.h"
#include "core/io/safetensors.h"
#include "core/models/clip/clip.h"
#include "core/text/clip_tokenizer.h"
#include "core/util/error.h"
#include "tests/io/pickle_builder.h"
#include "tests/support/fixtures.h"

namespace fs = std::filesystem;
using pictor::test::all_close;

namespace {

// name → shape of every parameter and buffer.
std::map<std::string, std::vector<int64_t>> module_shapes(const torch::nn::Module& module) {
    std::map<std::string, std::vector<int64_t>> out;
    for (const auto& p : module.named_parameters()) out[p.key()] = p.value().sizes().vec();
    for (const auto& b : module.named_buffers()) out[b.key()] = b.value().sizes().vec();
    return out;
}

std::map<std::string, std::vector<int64_t>> manifest_shapes(const fs::path& file) {
    const auto j = nlohmann::json::parse(pictor::test::read_text_file(file));
    std::map<std::string, std::vector<int64_t>> out;
    for (const auto& e : j) out[e["name"].get<std::string>()] = e["shape"].get<std::vector<int64_t>>();
    return out;
}

int64_t count_params(const std::map<std::string, std::vector<int64_t>>& shapes) {
    int64_t total = 0;
    for (const auto& [name, shape] : shapes) {
        int64_t n = 1;
        for (int64_t d : shape) n *= d;
        total += n;
    }
    return total;
}

// A torch.save-style state_dict zip (what pytorch_model.bin is), float32 and int64 tensors.
void write_pytorch_bin(const fs::path& path, const std::vector<std::pair<std::string, at::Tensor>>& tensors) {
    pictor::test::PickleBuilder p;
    p.proto().op('}');
    std::map<std::string, std::string> records;
    for (size_t i = 0; i < tensors.size(); ++i) {
        const bool is_long = tensors[i].second.scalar_type() == at::kLong;
        const at::Tensor t = tensors[i].second.to(is_long ? at::kLong : at::kFloat).contiguous();
        const std::string key = std::to_string(i);
        p.str(tensors[i].first)
            .tensor(is_long ? "LongStorage" : "FloatStorage", key, t.numel(), 0, t.sizes().vec(), t.strides().vec())
            .op('s');
        records[key] = std::string(static_cast<const char*>(t.data_ptr()), t.nbytes());
    }
    p.stop();
    pictor::test::write_torch_zip(path, p.bytes(), records);
}

pictor::CLIPModel& tiny_model(const fs::path& dir) {
    static pictor::CLIPModel model = pictor::load_clip_model(dir);
    return model;
}

}  // namespace

TEST_CASE("clip: CLIPModel matches transformers on clip-tiny", "[clip][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "clip-tiny");
    pictor::CLIPModel& model = tiny_model(dir);
    const pictor::SafetensorsFile expected(dir / "expected.safetensors");
    const at::Tensor ids = expected.load("input_ids");
    const at::Tensor mask = expected.load("attention_mask");
    const at::Tensor pixels = expected.load("pixel_values");

    // The tokenizer gives the processor's ids (padding=True pads with 49407).
    const auto j = nlohmann::json::parse(pictor::test::read_text_file(dir / "expected.json"));
    const auto labels = j["labels"].get<std::vector<std::string>>();
    const auto batch = pictor::ClipTokenizer::load(dir).encode_batch(labels, pictor::Padding::longest);
    for (size_t i = 0; i < labels.size(); ++i) {
        CHECK(batch[i].input_ids == std::vector<int64_t>(ids[i].data_ptr<int64_t>(), ids[i].data_ptr<int64_t>() + ids.size(1)));
        CHECK(batch[i].attention_mask ==
              std::vector<int64_t>(mask[i].data_ptr<int64_t>(), mask[i].data_ptr<int64_t>() + mask.size(1)));
    }

    const pictor::CLIPOutput out = model->forward(ids, pixels, mask);
    CHECK(all_close(out.text.last_hidden_state, expected.load("text_last_hidden_state"), 1e-4, 0, "text_last_hidden_state"));
    CHECK(all_close(out.text.pooler_output, expected.load("text_pooler_output"), 1e-4, 0, "text_pooler_output"));
    CHECK(all_close(out.vision.last_hidden_state, expected.load("vision_last_hidden_state"), 1e-4, 0,
                    "vision_last_hidden_state"));
    CHECK(all_close(out.vision.pooler_output, expected.load("vision_pooler_output"), 1e-4, 0, "vision_pooler_output"));
    CHECK(all_close(out.text_embeds, expected.load("text_embeds"), 1e-4, 0, "text_embeds"));
    CHECK(all_close(out.image_embeds, expected.load("image_embeds"), 1e-4, 0, "image_embeds"));
    CHECK(all_close(out.logits_per_image, expected.load("logits_per_image"), 2e-3, 0, "logits_per_image"));
    CHECK(all_close(out.logits_per_text, expected.load("logits_per_text"), 2e-3, 0, "logits_per_text"));
    CHECK(all_close(out.logits_per_image.softmax(1), expected.load("probs"), 1e-4, 0, "probs"));
    CHECK(all_close(model->logit_scale.reshape({1}), expected.load("logit_scale"), 0, 0, "logit_scale"));

    CHECK(all_close(model->get_text_features(ids, mask), expected.load("text_features"), 1e-4, 0, "text_features"));
    CHECK(all_close(model->get_image_features(pixels), expected.load("image_features"), 1e-4, 0, "image_features"));
    CHECK(all_close(model->logits(out.image_embeds, out.text_embeds), out.logits_per_image, 1e-6, 0, "logits()"));
}

TEST_CASE("clip: standalone text and vision models load from a CLIPConfig folder", "[clip][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "clip-tiny");
    const pictor::SafetensorsFile expected(dir / "expected.safetensors");
    pictor::CLIPTextModel text = pictor::load_clip_text_model(dir);
    const auto t = text->forward(expected.load("input_ids"), expected.load("attention_mask"), true);
    CHECK(all_close(t.last_hidden_state, expected.load("text_last_hidden_state"), 1e-4, 0, "text last_hidden_state"));
    CHECK(all_close(t.pooler_output, expected.load("text_pooler_output"), 1e-4, 0, "text pooler_output"));
    CHECK(t.hidden_states.size() == 3);  // embeddings + 2 layers
    pictor::CLIPVisionModel vision = pictor::load_clip_vision_model(dir);
    const auto v = vision->forward(expected.load("pixel_values"));
    CHECK(all_close(v.last_hidden_state, expected.load("vision_last_hidden_state"), 1e-4, 0, "vision last_hidden_state"));
    CHECK(all_close(v.pooler_output, expected.load("vision_pooler_output"), 1e-4, 0, "vision pooler_output"));
}

TEST_CASE("clip: text encoder folder (SD layout) and pytorch_model.bin with position_ids", "[clip][golden]") {
    PICTOR_REQUIRE_FIXTURES(dir, "clip-tiny");
    const pictor::SafetensorsFile expected(dir / "expected.safetensors");
    pictor::test::TempDir tmp;
    // text_encoder/: a CLIPTextConfig and only text_model.* tensors, plus the position_ids buffer
    // real hub checkpoints carry, stored as a torch.save zip (pytorch_model.bin).
    const auto config = nlohmann::json::parse(pictor::test::read_text_file(dir / "config.json"));
    nlohmann::json text_config = config["text_config"];
    text_config["architectures"] = {"CLIPTextModel"};
    fs::create_directories(tmp / "text_encoder");
    pictor::test::write_text_file(tmp / "text_encoder" / "config.json", text_config.dump(2));
    std::vector<std::pair<std::string, at::Tensor>> state;
    const pictor::SafetensorsFile weights(dir / "model.safetensors");
    for (const auto& entry : weights.entries()) {
        if (entry.name.rfind("text_model.", 0) == 0) state.emplace_back(entry.name, weights.load(entry.name));
    }
    state.emplace_back("text_model.embeddings.position_ids", at::arange(77, at::kLong).unsqueeze(0));
    write_pytorch_bin(tmp / "text_encoder" / "pytorch_model.bin", state);

    pictor::CLIPTextModel text = pictor::load_clip_text_model(tmp / "text_encoder");
    CHECK(text->text_model->config.eos_token_id == 2);
    const auto out = text->forward(expected.load("input_ids"));  // no attention mask, as the SD pipeline calls it
    // Without the padding mask the real tokens (causal) are unchanged; pooled output too.
    CHECK(all_close(out.pooler_output, expected.load("text_pooler_output"), 1e-4, 0, "pooled without mask"));
    CHECK(all_close(out.last_hidden_state.narrow(1, 0, 7), expected.load("text_last_hidden_state").narrow(1, 0, 7), 1e-4,
                    0, "real-token states without mask"));

    // A wrong shape or a missing tensor is one clear error naming the tensor.
    for (auto& [name, t] : state) {
        if (name == "text_model.final_layer_norm.weight") t = at::zeros({31});
    }
    state.erase(std::remove_if(state.begin(), state.end(),
                               [](const auto& e) { return e.first == "text_model.final_layer_norm.bias"; }),
                state.end());
    write_pytorch_bin(tmp / "text_encoder" / "pytorch_model.bin", state);
    CHECK_THROWS_WITH(pictor::load_clip_text_model(tmp / "text_encoder"),
                      Catch::Contains("final_layer_norm.weight") && Catch::Contains("final_layer_norm.bias"));
    CHECK_THROWS_WITH(pictor::load_clip_model(tmp.path()), Catch::Contains("config.json"));
}

TEST_CASE("clip: pooling follows eos_token_id (legacy argmax vs first eos)", "[clip]") {
    pictor::CLIPTextConfig config;
    config.vocab_size = 64;
    config.hidden_size = 8;
    config.intermediate_size = 16;
    config.num_hidden_layers = 1;
    config.num_attention_heads = 2;
    config.max_position_embeddings = 6;
    const at::Tensor ids = at::tensor(std::vector<int64_t>{60, 7, 63, 5, 63, 1}).view({1, 6});

    config.eos_token_id = 2;  // legacy: argmax(ids) = the first 63, position 2
    pictor::CLIPTextModel legacy(config);
    auto out = legacy->forward(ids);
    CHECK(at::equal(out.pooler_output, out.last_hidden_state.select(1, 2)));

    config.eos_token_id = 7;  // newer rule: the first position holding eos_token_id
    pictor::CLIPTextModel newer(config);
    out = newer->forward(ids);
    CHECK(at::equal(out.pooler_output, out.last_hidden_state.select(1, 1)));

    CHECK_THROWS_WITH(newer->forward(at::zeros({1, 7}, at::kLong)), Catch::Contains("max_position_embeddings"));
    CHECK_THROWS_WITH(newer->forward(at::full({1, 2}, 64, at::kLong)), Catch::Contains("token ids"));
}

TEST_CASE("clip: configs take the transformers defaults and reject bad values", "[clip]") {
    PICTOR_REQUIRE_FIXTURES(dir, "clip-tiny");
    const pictor::CLIPConfig tiny = pictor::CLIPConfig::load(dir / "config.json");
    CHECK(tiny.text.vocab_size == 49408);
    CHECK(tiny.text.max_position_embeddings == 77);
    CHECK(tiny.text.hidden_size == 32);
    CHECK(tiny.text.hidden_act == "quick_gelu");
    CHECK(tiny.text.eos_token_id == 2);
    CHECK(tiny.text.pad_token_id == 1);
    CHECK(tiny.vision.image_size == 224);
    CHECK(tiny.vision.patch_size == 32);
    CHECK(tiny.vision.num_channels == 3);
    CHECK(tiny.projection_dim == 16);

    // A bare CLIPTextConfig with only a few keys.
    const auto text = pictor::CLIPTextConfig::from_json(pictor::JsonConfig::parse(R"({"hidden_act": "gelu"})", "t"));
    CHECK(text.hidden_size == 512);
    CHECK(text.num_attention_heads == 8);
    CHECK(text.bos_token_id == 49406);
    CHECK(text.eos_token_id == 49407);
    CHECK(text.hidden_act == "gelu");
    const auto vision = pictor::CLIPVisionConfig::from_json(pictor::JsonConfig::parse("{}", "v"));
    CHECK(vision.hidden_size == 768);
    CHECK(vision.num_attention_heads == 12);
    CHECK(vision.intermediate_size == 3072);

    // Legacy text_config_dict overrides text_config.
    const auto legacy = pictor::CLIPConfig::from_json(pictor::JsonConfig::parse(
        R"({"model_type": "clip", "text_config": {"hidden_size": 64}, "text_config_dict": {"hidden_size": 128}})", "l"));
    CHECK(legacy.text.hidden_size == 128);

    using pictor::JsonConfig;
    CHECK_THROWS_WITH(pictor::CLIPTextConfig::from_json(JsonConfig::parse(R"({"hidden_act": "relu"})", "cfg.json")),
                      Catch::Contains("cfg.json") && Catch::Contains("hidden_act"));
    CHECK_THROWS_WITH(pictor::CLIPTextConfig::from_json(JsonConfig::parse(R"({"hidden_size": 30})", "cfg.json")),
                      Catch::Contains("num_attention_heads"));
    CHECK_THROWS_WITH(pictor::CLIPVisionConfig::from_json(JsonConfig::parse(R"({"patch_size": 30})", "cfg.json")),
                      Catch::Contains("patch_size"));
    CHECK_THROWS_WITH(pictor::CLIPTextConfig::from_json(JsonConfig::parse(R"({"num_hidden_layers": "12"})", "cfg.json")),
                      Catch::Contains("num_hidden_layers"));
    CHECK_THROWS_WITH(pictor::CLIPConfig::from_json(JsonConfig::parse(R"({"hidden_size": 8})", "cfg.json")),
                      Catch::Contains("not a CLIPConfig"));
}

TEST_CASE("clip: CLIPModel from the real ViT-B/32 config has the checkpoint's names and shapes", "[clip][manifest]") {
    PICTOR_REQUIRE_FIXTURES(dir, "manifests");
    const pictor::CLIPConfig config = pictor::CLIPConfig::load(dir / "configs" / "clip-vit-base-patch32" / "config.json");
    const auto expected = manifest_shapes(dir / "clip_vit_base_patch32.json");
    CHECK(expected.size() == 398);
    CHECK(count_params(expected) == 151277313);
    pictor::CLIPModel model(config);
    CHECK(module_shapes(*model) == expected);
    // The built-in preset is the same model.
    const pictor::CLIPConfig preset = pictor::CLIPConfig::vit_base_patch32();
    CHECK(preset.text.eos_token_id == config.text.eos_token_id);
    CHECK(module_shapes(*pictor::CLIPModel(preset)) == expected);
}

TEST_CASE("clip: SD 1.5 text encoder from its config has the checkpoint's names and shapes", "[clip][manifest]") {
    PICTOR_REQUIRE_FIXTURES(dir, "manifests");
    const auto json = pictor::JsonConfig::load(dir / "configs" / "sd15" / "text_encoder" / "config.json");
    const pictor::CLIPTextConfig config = pictor::CLIPTextConfig::from_json(json);
    const auto expected = manifest_shapes(dir / "sd15_text_encoder.json");
    CHECK(expected.size() == 196);
    CHECK(count_params(expected) == 123060480);
    CHECK(module_shapes(*pictor::CLIPTextModel(config)) == expected);
    CHECK(module_shapes(*pictor::CLIPTextModel(pictor::CLIPTextConfig::sd15())) == expected);
}
