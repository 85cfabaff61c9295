#include "core/training/dataset_builder.h"

#include "core/image/image_io.h"

#include <ATen/ATen.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "core/util/atomic_file.h"
#include "core/util/error.h"

namespace pictor {

namespace fs = std::filesystem;

uint64_t dataset_image_seed(uint64_t base_seed, int class_index, int index) {
    return base_seed + 100000ULL * static_cast<uint64_t>(class_index) + static_cast<uint64_t>(index);
}

fs::path dataset_image_path(const fs::path& dir, const std::string& class_name, int index) {
    char number[16];
    std::snprintf(number, sizeof number, "%04d", index);
    return dir / class_name / (class_name + "_" + number + ".png");
}

namespace {

void validate(const DatasetParams& p) {
    if (p.classes.empty()) fail("dataset: no classes given (e.g. --class fox=\"a watercolor painting of a fox\")");
    if (p.per_class < 1) fail("dataset: images per class must be at least 1, got " + std::to_string(p.per_class));
    std::set<std::string> seen;
    for (const auto& c : p.classes) {
        if (c.name.empty() || c.name == "." || c.name == ".." || c.name[0] == '.') {
            fail("dataset: invalid class name '" + c.name + "'");
        }
        for (unsigned char ch : c.name) {
            if (!(std::isalnum(ch) || ch == '_' || ch == '-' || ch == '.' || ch == ' ' || ch >= 0x80)) {
                fail("dataset: class name '" + c.name + "' has a character not allowed in a folder name");
            }
        }
        if (!seen.insert(c.name).second) fail("dataset: class '" + c.name + "' given twice");
        if (c.prompts.empty()) fail("dataset: class '" + c.name + "' has no prompt");
    }
}

// What identifies a dataset: everything that changes the images.
YAML::Node describe(const DatasetParams& p) {
    YAML::Node root;
    root["format"] = "pictor-dataset";
    root["version"] = 1;
    root["model"] = p.model_reference;
    YAML::Node gen;
    gen["steps"] = p.steps;
    gen["guidance_scale"] = p.guidance_scale;
    gen["width"] = p.width;
    gen["height"] = p.height;
    gen["scheduler"] = p.scheduler.empty() ? std::string("default") : p.scheduler;
    gen["base_seed"] = p.base_seed;
    gen["seed_rule"] = "base_seed + 100000 * class_index + image_index";
    root["generation"] = gen;
    root["images_per_class"] = p.per_class;
    for (size_t c = 0; c < p.classes.size(); ++c) {
        YAML::Node cls;
        cls["name"] = p.classes[c].name;
        for (const auto& prompt : p.classes[c].prompts) cls["prompts"].push_back(prompt);
        cls["negative_prompt"] = p.classes[c].negative_prompt;
        cls["first_seed"] = dataset_image_seed(p.base_seed, static_cast<int>(c), 0);
        root["classes"].push_back(cls);
    }
    return root;
}

std::string emit(const YAML::Node& node) {
    YAML::Emitter out;
    out << node;
    return std::string(out.c_str()) + "\n";
}

// Everything but the image count must agree for a resume (more images per class may be added).
void check_compatible(const fs::path& yaml_path, const YAML::Node& wanted) {
    YAML::Node existing;
    try {
        existing = YAML::LoadFile(yaml_path.string());
    } catch (const YAML::Exception& e) {
        fail("cannot read " + yaml_path.string() + ": " + e.what());
    }
    YAML::Node a = YAML::Clone(existing), b = YAML::Clone(wanted);
    a.remove("images_per_class");
    b.remove("images_per_class");
    if (emit(a) != emit(b)) {
        fail(yaml_path.parent_path().string() +
             " already holds a dataset built with other classes, prompts or settings (see " + yaml_path.string() +
             "); choose another output folder");
    }
}

// Forwards cancel and previews of the inner generation to the dataset's sink.
class InnerSink : public ProgressSink {
public:
    explicit InnerSink(ProgressSink& outer) : outer_(outer) {}
    void on_preview(const at::Tensor& rgb) override { outer_.on_preview(rgb); }
    bool cancelled() const override { return outer_.cancelled(); }

private:
    ProgressSink& outer_;
};

}  // namespace

DatasetResult build_dataset(StableDiffusion& model, const DatasetParams& params, const fs::path& dir,
                            ProgressSink& sink) {
    validate(params);
    const YAML::Node description = describe(params);
    const fs::path yaml_path = dir / "dataset.yaml";
    std::error_code ec;
    if (fs::exists(yaml_path, ec)) check_compatible(yaml_path, description);
    fs::create_directories(dir, ec);
    if (ec) fail("cannot create dataset folder '" + dir.string() + "': " + ec.message());
    write_bytes_atomically(yaml_path, emit(description));

    DatasetResult result;
    const int total = static_cast<int>(params.classes.size()) * params.per_class;
    int done = 0;
    sink.on_stage("generating dataset");
    InnerSink inner(sink);
    for (size_t c = 0; c < params.classes.size() && !result.cancelled; ++c) {
        const DatasetClass& cls = params.classes[c];
        fs::create_directories(dir / cls.name, ec);
        if (ec) fail("cannot create class folder '" + (dir / cls.name).string() + "': " + ec.message());
        for (int i = 0; i < params.per_class; ++i) {
            const fs::path path = dataset_image_path(dir, cls.name, i);
            if (fs::exists(path, ec)) {
                ++result.skipped;
                result.files.push_back(path);
                sink.on_step(++done, total);
                continue;
            }
            if (sink.cancelled()) {
                result.cancelled = true;
                break;
            }
            Txt2ImgParams gen;
            gen.prompts = {cls.prompts[static_cast<size_t>(i) % cls.prompts.size()]};
            gen.negative_prompts = {cls.negative_prompt};
            gen.guidance_scale = params.guidance_scale;
            gen.num_inference_steps = params.steps;
            gen.num_images_per_prompt = 1;
            gen.width = params.width;
            gen.height = params.height;
            gen.scheduler = params.scheduler;
            gen.seed = dataset_image_seed(params.base_seed, static_cast<int>(c), i);
            const Txt2ImgResult image = txt2img(model, gen, inner);
            if (image.cancelled) {
                result.cancelled = true;
                break;
            }
            write_png(path, float_to_u8(image.images[0]), {{"parameters", image.parameters.at(0)}});  // atomic
            ++result.generated;
            result.files.push_back(path);
            sink.on_message("wrote " + path.string());
            sink.on_step(++done, total);
        }
    }
    return result;
}

}  // namespace pictor
