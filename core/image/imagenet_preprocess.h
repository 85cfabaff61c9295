// ImageNet preprocessing exactly as torchvision's weight presets on PIL images.
//
// Ref: torchvision/transforms/_presets.py ImageClassification (v0.14.1):
//   convert("RGB") -> Resize(resize_size, BILINEAR) of the shorter side (Pillow, antialiased)
//   -> CenterCrop(crop_size) with int(round((h - crop) / 2)) offsets (round half to even)
//   -> /255 -> (x - mean) / std, float32 CHW.
// IMAGENET1K_V1: resize 256 (ResNet18/34/50/101/152 "V1" weights); IMAGENET1K_V2: resize 232
// (ResNet50/101/152 "V2" weights). Both crop 224.
//
// Failure contract: functions throw pictor::Error for tensors that are not uint8 HWC images.
// Thread-safety: pure functions, safe from any thread.
#pragma once

#include <ATen/core/Tensor.h>

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace pictor {

struct ImagenetTransform {
    std::string name = "IMAGENET1K_V1";
    int resize_size = 256;  // shorter side after resizing
    int crop_size = 224;
    std::array<float, 3> mean{0.485f, 0.456f, 0.406f};
    std::array<float, 3> std{0.229f, 0.224f, 0.225f};

    static ImagenetTransform v1();  // IMAGENET1K_V1: resize 256, crop 224
    static ImagenetTransform v2();  // IMAGENET1K_V2: resize 232, crop 224
    // "v1" / "v2" / "IMAGENET1K_V1" / "IMAGENET1K_V2" (case-insensitive); throws pictor::Error.
    static ImagenetTransform from_name(std::string_view name);
    // torchvision's default weights per architecture: V2 for resnet50/101/152, V1 otherwise.
    static ImagenetTransform default_for(std::string_view model_name);
    // The preset torchvision publishes with a weight file, recognised by its name
    // ("resnet50-0676ba61.pth" -> V1, "resnet50-11ad3fa6.pth" -> V2; ResNet, ResNeXt and wide
    // ResNet files of torchvision 0.14); nullopt for other files.
    static std::optional<ImagenetTransform> for_weights_file(std::string_view file_name);
};

// Steps 1–3 on uint8 HWC with 1..4 channels: to RGB (alpha dropped), Pillow-bilinear resize of
// the shorter side, center crop. Returns uint8 HWC [crop, crop, 3].
at::Tensor imagenet_resize_crop(const at::Tensor& image_hwc_u8, const ImagenetTransform& transform);

// Steps 4–5: uint8 HWC RGB -> float32 CHW, x/255 then (x - mean)/std, in float32 like
// torchvision's to_tensor + normalize.
at::Tensor imagenet_normalize(const at::Tensor& rgb_hwc_u8, const ImagenetTransform& transform);

// Everything: uint8 HWC (1..4 channels) -> float32 [3, crop, crop].
at::Tensor imagenet_preprocess(const at::Tensor& image_hwc_u8, const ImagenetTransform& transform);

}  // namespace pictor
