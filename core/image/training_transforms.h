// Per-image transforms for training and evaluation of ImageNet-style classifiers.
//
// Evaluation uses the IMAGENET1K_V1 preset (core/image/imagenet_preprocess.h). Training
// augmentation follows torchvision's RandomResizedCrop(224) + RandomHorizontalFlip(), on the
// Pillow-exact resampler, with randomness from a caller-seeded engine so that a sample's
// augmentation depends only on (seed, epoch, index), not on thread timing.
#pragma once

#include <ATen/core/Tensor.h>

#include <array>
#include <cstdint>
#include <random>

#include "core/image/imagenet_preprocess.h"

namespace pictor {

struct CropBox {
    int top = 0, left = 0, height = 0, width = 0;
};

// Ref: torchvision/transforms/transforms.py RandomResizedCrop.get_params (scale (0.08, 1),
// ratio (3/4, 4/3), 10 attempts, then the centre fallback).
CropBox random_resized_crop_box(int height, int width, std::mt19937_64& rng,
                                std::array<double, 2> scale = {0.08, 1.0},
                                std::array<double, 2> ratio = {3.0 / 4.0, 4.0 / 3.0});

// uint8 HWC (1..4 channels) -> float32 [3, size, size]: RGB, random resized crop (bilinear),
// horizontal flip with probability 1/2, ImageNet normalisation.
at::Tensor augment_for_training(const at::Tensor& image_hwc_u8, int size, std::mt19937_64& rng,
                                const ImagenetTransform& normalisation = ImagenetTransform::v1());

// A engine seeded from (seed, epoch, sample index): independent streams per sample.
std::mt19937_64 sample_rng(uint64_t seed, int64_t epoch, int64_t index);

}  // namespace pictor
