#include "core/training/classifier_export.h"

#include <ATen/ATen.h>

#include <fstream>
#include <sstream>

#include "core/io/safetensors.h"
#include "core/pipelines/classify.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

namespace pictor {

namespace fs = std::filesystem;

void export_classifier(const fs::path& dir, ResNetImpl& model, const std::vector<std::string>& classes,
                       const ImagenetTransform& transform, const nlohmann::json& extra) {
    if (static_cast<int>(classes.size()) != model.config().num_classes) {
        fail("exporting classifier: " + std::to_string(classes.size()) + " class names for a model with " +
             std::to_string(model.config().num_classes) + " outputs");
    }
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) fail("cannot create classifier folder '" + dir.string() + "': " + ec.message());
    TensorMap tensors;
    for (auto& [name, tensor] : resnet_state_dict(model)) tensors[name] = tensor.detach().cpu().contiguous();
    write_safetensors(dir / "model.safetensors", tensors, {{"format", "pt"}});

    nlohmann::json info = extra.is_object() ? extra : nlohmann::json::object();
    info["format"] = "pictor-classifier";
    info["version"] = 1;
    // The architecture's name without the head size ("resnet18", not "resnet18_c2").
    ResNetConfig backbone = model.config();
    backbone.num_classes = 1000;
    info["backbone"] = backbone.name();
    info["classes"] = classes;
    info["weights"] = "model.safetensors";
    info["preprocessing"] = {{"name", transform.name},
                             {"resize", transform.resize_size},
                             {"crop", transform.crop_size},
                             {"mean", transform.mean},
                             {"std", transform.std}};
    try {
        write_bytes_atomically(dir / "classifier.json", info.dump(2) + "\n");
    } catch (const Error&) {
        // Weights without their classifier.json would be half an export (e.g. the disk filled up
        // between the two files): take them out again, so the folder is not mistaken for one.
        fs::remove(dir / "model.safetensors", ec);
        throw;
    }
}

ExportedClassifier load_classifier(const fs::path& dir) {
    const fs::path json_path = dir / "classifier.json";
    std::ifstream in(json_path);
    if (!in) {
        fail("'" + dir.string() + "' is not a Pictor classifier: " + json_path.string() +
             " is missing (export with `pictor-cli train --out DIR`)");
    }
    ExportedClassifier out;
    try {
        out.info = nlohmann::json::parse(in);
        if (out.info.value("format", "") != "pictor-classifier") fail("\"format\" is not \"pictor-classifier\"");
        out.classes = out.info.at("classes").get<std::vector<std::string>>();
        out.backbone = out.info.value("backbone", "");
        const auto& pre = out.info.at("preprocessing");
        out.transform = ImagenetTransform::from_name(pre.value("name", "IMAGENET1K_V1"));
        out.transform.resize_size = pre.value("resize", out.transform.resize_size);
        out.transform.crop_size = pre.value("crop", out.transform.crop_size);
        out.transform.mean = pre.value("mean", out.transform.mean);
        out.transform.std = pre.value("std", out.transform.std);
    } catch (const nlohmann::json::exception& e) {
        fail("reading " + json_path.string() + ": " + e.what());
    } catch (const Error& e) {
        throw e.with_context("reading " + json_path.string());
    }
    out.model = load_resnet(dir / out.info.value("weights", "model.safetensors"));
    if (out.model->config().num_classes != static_cast<int>(out.classes.size())) {
        fail("classifier '" + dir.string() + "': " + std::to_string(out.classes.size()) +
             " classes in classifier.json but the weights have " +
             std::to_string(out.model->config().num_classes) + " outputs");
    }
    return out;
}

std::vector<Prediction> predict(ExportedClassifier& classifier, const std::vector<at::Tensor>& images) {
    ClassifyParams params;
    params.images = images;
    params.transform = classifier.transform;
    params.top_k = static_cast<int>(classifier.classes.size());
    params.class_names = classifier.classes;
    const ClassifyResult result = classify(*classifier.model, params);
    std::vector<Prediction> out;
    const at::Tensor probs = result.probs.contiguous();
    for (int64_t i = 0; i < probs.size(0); ++i) {
        Prediction p;
        const at::Tensor row = probs[i];
        p.probabilities.assign(row.data_ptr<float>(), row.data_ptr<float>() + row.numel());
        p.best = static_cast<int>(row.argmax().item<int64_t>());
        out.push_back(std::move(p));
    }
    return out;
}

}  // namespace pictor
