#include "core/image/imagenet_preprocess.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cctype>

#include "core/image/image_io.h"
#include "core/image/resize.h"
#include "core/util/error.h"

namespace pictor {

namespace {
std::string upper(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
    return out;
}

void check_image(const at::Tensor& image) {
    if (!image.defined() || image.dim() != 3 || image.scalar_type() != at::kByte || image.size(2) < 1 ||
        image.size(2) > 4 || image.size(0) < 1 || image.size(1) < 1) {
        fail("ImageNet preprocessing expects a uint8 HWC image with 1..4 channels");
    }
}
}  // namespace

ImagenetTransform ImagenetTransform::v1() { return ImagenetTransform{}; }

ImagenetTransform ImagenetTransform::v2() {
    ImagenetTransform t;
    t.name = "IMAGENET1K_V2";
    t.resize_size = 232;
    return t;
}

ImagenetTransform ImagenetTransform::from_name(std::string_view name) {
    const std::string key = upper(name);
    if (key == "V1" || key == "IMAGENET1K_V1") return v1();
    if (key == "V2" || key == "IMAGENET1K_V2") return v2();
    fail("unknown ImageNet preprocessing preset '" + std::string(name) + "' (expected v1 or v2)");
}

ImagenetTransform ImagenetTransform::default_for(std::string_view model_name) {
    // torchvision 0.14: ResNet50/101/152_Weights.DEFAULT = IMAGENET1K_V2; ResNet18/34 only have V1.
    const std::string key = upper(model_name);
    if (key.rfind("RESNET50", 0) == 0 || key.rfind("RESNET101", 0) == 0 || key.rfind("RESNET152", 0) == 0)
        return v2();
    return v1();
}

std::optional<ImagenetTransform> ImagenetTransform::for_weights_file(std::string_view file_name) {
    // Ref: torchvision/models/resnet.py *_Weights (url and transforms of each entry).
    static const std::pair<const char*, bool> files[] = {
        {"resnet18-f37072fd", false},         {"resnet34-b627a593", false},
        {"resnet50-0676ba61", false},         {"resnet50-11ad3fa6", true},
        {"resnet101-63fe2227", false},        {"resnet101-cd907fc2", true},
        {"resnet152-394f9c45", false},        {"resnet152-f82ba261", true},
        {"resnext50_32x4d-7cdf4587", false},  {"resnext50_32x4d-1a0047aa", true},
        {"resnext101_32x8d-8ba56ff5", false}, {"resnext101_32x8d-110c445d", true},
        {"resnext101_64x4d-173b62eb", true},  {"wide_resnet50_2-95faca4d", false},
        {"wide_resnet50_2-9ba9bcbe", true},   {"wide_resnet101_2-32ee1156", false},
        {"wide_resnet101_2-d733dc28", true},
    };
    for (const auto& [stem, is_v2] : files) {
        if (file_name.rfind(stem, 0) == 0) return is_v2 ? v2() : v1();
    }
    return std::nullopt;
}

// Ref: torchvision/transforms/_presets.py ImageClassification.forward (resize + center_crop on
// a PIL image that was convert("RGB")-ed first).
at::Tensor imagenet_resize_crop(const at::Tensor& image_hwc_u8, const ImagenetTransform& transform) {
    check_image(image_hwc_u8);
    if (transform.resize_size < transform.crop_size || transform.crop_size < 1) {
        fail("ImageNet preprocessing: resize size " + std::to_string(transform.resize_size) +
             " must be at least the crop size " + std::to_string(transform.crop_size));
    }
    const at::Tensor rgb = to_rgb(image_hwc_u8);
    const int height = static_cast<int>(rgb.size(0));
    const int width = static_cast<int>(rgb.size(1));
    const auto [new_w, new_h] = shorter_side_size(width, height, transform.resize_size);
    const at::Tensor resized = (new_w == width && new_h == height)
                                   ? rgb
                                   : pillow_resize(rgb, new_w, new_h, ResampleFilter::bilinear);
    return center_crop(resized, transform.crop_size, transform.crop_size, /*round_half_even=*/true);
}

// Ref: torchvision/transforms/functional.py convert_image_dtype (uint8 -> float: x / 255) and
// normalize (sub_(mean).div_(std)), both in float32.
at::Tensor imagenet_normalize(const at::Tensor& rgb_hwc_u8, const ImagenetTransform& transform) {
    check_image(rgb_hwc_u8);
    if (rgb_hwc_u8.size(2) != 3) fail("imagenet_normalize expects an RGB image (3 channels)");
    at::Tensor x = rgb_hwc_u8.permute({2, 0, 1}).to(at::kFloat).div_(255.0);  // [3, H, W]
    const at::Tensor mean = at::tensor(at::ArrayRef<float>(transform.mean.data(), 3)).view({3, 1, 1});
    const at::Tensor std = at::tensor(at::ArrayRef<float>(transform.std.data(), 3)).view({3, 1, 1});
    return x.sub_(mean).div_(std).contiguous();
}

at::Tensor imagenet_preprocess(const at::Tensor& image_hwc_u8, const ImagenetTransform& transform) {
    return imagenet_normalize(imagenet_resize_crop(image_hwc_u8, transform), transform);
}

}  // namespace pictor
