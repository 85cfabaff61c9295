// Transfer learning on a torchvision ResNet: frozen backbone, new classification head.
//
// Ref: the standard torchvision fine-tuning recipe
//   for p in model.parameters(): p.requires_grad = False
//   model.fc = nn.Linear(model.fc.in_features, num_classes)
// with the new head initialised as nn.Linear's reset_parameters does (weight and bias uniform in
// ±1/sqrt(in_features)), drawn from a CPU generator seeded with `seed`: the head equals
// `torch.manual_seed(seed); nn.Linear(512, num_classes)` in Python.
#pragma once

#include <cstdint>

#include "core/models/resnet/resnet.h"

namespace pictor {

// Freezes every parameter of `model` (requires_grad off) and replaces `fc` with a fresh
// Linear(feature_dim, num_classes) that requires grad. Throws pictor::Error for num_classes < 2.
void make_transfer_model(ResNetImpl& model, int num_classes, uint64_t seed);

// nn.Linear.reset_parameters() with a seeded generator (weight first, then bias).
void init_linear_like_pytorch(torch::nn::LinearImpl& linear, uint64_t seed);

}  // namespace pictor
