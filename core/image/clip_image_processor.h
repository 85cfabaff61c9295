// CLIP image preprocessing, equal to transformers' CLIPImageProcessor (4.33.3) on PIL images.
//
// Ref: transformers v4.33.3 src/transformers/models/clip/image_processing_clip.py (preprocess) and
// image_transforms.py (resize, center_crop, rescale, normalize).
// Steps: convert to RGB (alpha dropped, gray replicated, as PIL convert("RGB")), resize the
// shortest side to `shortest_edge` with Pillow-exact resampling (long side int(s*long/short)),
// center crop with floor offsets (zero padding when the image is smaller, as HF does), rescale
// (u8 * factor in float64, then float32) and normalise ((x - mean) / std in float32) → NCHW float32.
//
// Both preprocessor_config.json forms are accepted: the legacy CLIPFeatureExtractor one
// (`size: 224`, `crop_size: 224`) and the newer one (`size: {"shortest_edge": 224}`,
// `crop_size: {"height": 224, "width": 224}`); missing keys take the class defaults.
// Failure contract: bad config values and unsupported images throw pictor::Error naming the
// field (and file). Thread-safety: immutable after construction; preprocess() may run concurrently.
#pragma once

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <vector>

#include "core/image/resize.h"

namespace pictor {

class JsonConfig;

struct CLIPImageProcessorConfig {
    bool do_convert_rgb = true;
    bool do_resize = true;
    int shortest_edge = 224;
    ResampleFilter resample = ResampleFilter::bicubic;  // PIL resample=3
    bool do_center_crop = true;
    int crop_height = 224;
    int crop_width = 224;
    bool do_rescale = true;
    double rescale_factor = 1.0 / 255.0;
    bool do_normalize = true;
    std::vector<double> image_mean{0.48145466, 0.4578275, 0.40821073};  // OPENAI_CLIP_MEAN
    std::vector<double> image_std{0.26862954, 0.26130258, 0.27577711};   // OPENAI_CLIP_STD

    static CLIPImageProcessorConfig from_json(const JsonConfig& json);
    static CLIPImageProcessorConfig load(const std::filesystem::path& preprocessor_config_json);
};

class CLIPImageProcessor {
public:
    CLIPImageProcessor() = default;  // the openai/clip-vit-base-patch32 settings
    explicit CLIPImageProcessor(CLIPImageProcessorConfig config);
    // From `<dir>/preprocessor_config.json`; the defaults when the folder has none.
    static CLIPImageProcessor load(const std::filesystem::path& model_dir);

    const CLIPImageProcessorConfig& config() const { return config_; }
    // One uint8 HWC image (1-4 channels) → float32 [3, H, W].
    at::Tensor preprocess(const at::Tensor& hwc_u8) const;
    // Several images → float32 [N, 3, H, W] (all must end at the same size, which cropping ensures).
    at::Tensor preprocess(const std::vector<at::Tensor>& images) const;
    // The steps before rescaling, for tests: RGB, resized, cropped uint8 HWC.
    at::Tensor resize_and_crop(const at::Tensor& hwc_u8) const;

private:
    CLIPImageProcessorConfig config_;
};

}  // namespace pictor
