#include "core/image/clip_image_processor.h"

#include <ATen/ATen.h>

#include <nlohmann/json.hpp>

#include "core/image/image_io.h"
#include "core/io/json_config.h"
#include "core/util/error.h"

namespace pictor {

namespace fs = std::filesystem;

namespace {

int positive_int(const JsonConfig& json, const std::string& key, const nlohmann::json& v) {
    if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > 65536)
        fail("'" + json.source() + "': \"" + key + "\" must be a positive integer, got " + v.dump());
    return static_cast<int>(v.get<int64_t>());
}

ResampleFilter pil_filter(const JsonConfig& json, int64_t resample) {
    // PIL.Image.Resampling: NEAREST 0, LANCZOS 1, BILINEAR 2, BICUBIC 3 (BOX 4 and HAMMING 5 unsupported).
    switch (resample) {
        case 0: return ResampleFilter::nearest;
        case 1: return ResampleFilter::lanczos;
        case 2: return ResampleFilter::bilinear;
        case 3: return ResampleFilter::bicubic;
        default:
            fail("'" + json.source() + "': \"resample\" " + std::to_string(resample) +
                 " is not supported (0 nearest, 1 lanczos, 2 bilinear, 3 bicubic)");
    }
}

}  // namespace

// Ref: CLIPImageProcessor.__init__ with get_size_dict(size, default_to_square=False) and
// get_size_dict(crop_size, default_to_square=True).
CLIPImageProcessorConfig CLIPImageProcessorConfig::from_json(const JsonConfig& json) {
    CLIPImageProcessorConfig c;
    c.do_convert_rgb = json.get_bool("do_convert_rgb", c.do_convert_rgb);
    c.do_resize = json.get_bool("do_resize", c.do_resize);
    if (json.has("size")) {
        const auto& v = json.json().at("size");
        if (v.is_number()) {
            c.shortest_edge = positive_int(json, "size", v);
        } else if (v.is_object() && v.contains("shortest_edge")) {
            c.shortest_edge = positive_int(json, "size.shortest_edge", v.at("shortest_edge"));
        } else {
            fail("'" + json.source() + "': \"size\" must be an integer or {\"shortest_edge\": N}, got " + v.dump());
        }
    }
    c.resample = pil_filter(json, json.get_int("resample", 3));
    c.do_center_crop = json.get_bool("do_center_crop", c.do_center_crop);
    if (json.has("crop_size")) {
        const auto& v = json.json().at("crop_size");
        if (v.is_number()) {
            c.crop_height = c.crop_width = positive_int(json, "crop_size", v);
        } else if (v.is_object() && v.contains("height") && v.contains("width")) {
            c.crop_height = positive_int(json, "crop_size.height", v.at("height"));
            c.crop_width = positive_int(json, "crop_size.width", v.at("width"));
        } else {
            fail("'" + json.source() + "': \"crop_size\" must be an integer or {\"height\", \"width\"}, got " + v.dump());
        }
    }
    c.do_rescale = json.get_bool("do_rescale", c.do_rescale);
    c.rescale_factor = json.get_double("rescale_factor", c.rescale_factor);
    c.do_normalize = json.get_bool("do_normalize", c.do_normalize);
    c.image_mean = json.get_double_list("image_mean", c.image_mean);
    c.image_std = json.get_double_list("image_std", c.image_std);
    if (c.image_mean.size() != 3 || c.image_std.size() != 3)
        fail("'" + json.source() + "': \"image_mean\" and \"image_std\" must have 3 values (RGB)");
    for (double s : c.image_std) {
        if (s == 0.0) fail("'" + json.source() + "': \"image_std\" must not contain 0");
    }
    return c;
}

CLIPImageProcessorConfig CLIPImageProcessorConfig::load(const fs::path& path) {
    return from_json(JsonConfig::load(path));
}

CLIPImageProcessor::CLIPImageProcessor(CLIPImageProcessorConfig config) : config_(std::move(config)) {}

CLIPImageProcessor CLIPImageProcessor::load(const fs::path& model_dir) {
    const fs::path file = model_dir / "preprocessor_config.json";
    if (!fs::exists(file)) return CLIPImageProcessor();
    return CLIPImageProcessor(CLIPImageProcessorConfig::load(file));
}

at::Tensor CLIPImageProcessor::resize_and_crop(const at::Tensor& hwc_u8) const {
    if (hwc_u8.dim() != 3 || hwc_u8.scalar_type() != at::kByte || hwc_u8.size(2) < 1 || hwc_u8.size(2) > 4)
        fail("CLIP image processor: expected a uint8 HWC image with 1-4 channels, got " + c10::str(hwc_u8.sizes()) +
             " " + c10::toString(hwc_u8.scalar_type()));
    at::Tensor image = config_.do_convert_rgb ? to_rgb(hwc_u8) : hwc_u8;
    if (image.size(2) != 3)
        fail("CLIP image processor: the image has " + std::to_string(image.size(2)) +
             " channels and do_convert_rgb is false");
    // Ref: CLIPImageProcessor.resize → get_resize_output_image_size(default_to_square=False) → PIL resize.
    if (config_.do_resize) {
        const auto [w, h] = shorter_side_size(static_cast<int>(image.size(1)), static_cast<int>(image.size(0)),
                                              config_.shortest_edge);
        image = pillow_resize(image, w, h, config_.resample);
    }
    // Ref: image_transforms.center_crop (floor offsets; zero padding when the crop is larger).
    if (config_.do_center_crop) {
        const int64_t h = image.size(0), w = image.size(1), ch = config_.crop_height, cw = config_.crop_width;
        if (h < ch || w < cw) {
            const int64_t nh = std::max(ch, h), nw = std::max(cw, w);
            at::Tensor padded = at::zeros({nh, nw, 3}, image.options());
            padded.narrow(0, (nh - h) / 2, h).narrow(1, (nw - w) / 2, w).copy_(image);
            image = padded;
        }
        const int64_t top = (image.size(0) - ch) / 2, left = (image.size(1) - cw) / 2;
        image = image.narrow(0, top, ch).narrow(1, left, cw);
    }
    return image.contiguous();
}

at::Tensor CLIPImageProcessor::preprocess(const at::Tensor& hwc_u8) const {
    const at::Tensor image = resize_and_crop(hwc_u8);
    // Ref: image_transforms.rescale: uint8 * scale in float64, stored as float32.
    at::Tensor x = config_.do_rescale ? image.to(at::kDouble).mul_(config_.rescale_factor).to(at::kFloat)
                                      : image.to(at::kFloat);
    // Ref: image_transforms.normalize: (x - mean) / std with float32 mean/std.
    if (config_.do_normalize) {
        const at::Tensor mean = at::tensor(config_.image_mean, at::kDouble).to(at::kFloat);
        const at::Tensor std = at::tensor(config_.image_std, at::kDouble).to(at::kFloat);
        x = x.sub_(mean).div_(std);
    }
    return x.permute({2, 0, 1}).contiguous();  // [3, H, W]
}

at::Tensor CLIPImageProcessor::preprocess(const std::vector<at::Tensor>& images) const {
    if (images.empty()) fail("CLIP image processor: no images given");
    std::vector<at::Tensor> items;
    items.reserve(images.size());
    for (const auto& image : images) items.push_back(preprocess(image));
    for (const auto& item : items) {
        if (item.sizes() != items.front().sizes())
            fail("CLIP image processor: images end at different sizes (" + c10::str(items.front().sizes()) + " vs " +
                 c10::str(item.sizes()) + "); enable center cropping");
    }
    return at::stack(items);  // [N, 3, H, W]
}

}  // namespace pictor
