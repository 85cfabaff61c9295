// The call behind sd-tiny-expected's run_* tensors (../shared/fixtures README §3 d, diffusers'
// StableDiffusionPipeline): both prompts with their negative prompts, 64×64, 4 PNDM steps,
// guidance 7.5, explicit latents. Shared by the tests that rerun it on another path to the same
// model (single file, LoRA at scale 0, bfloat16).
#pragma once

#include <ATen/core/Tensor.h>

#include "core/pipelines/txt2img.h"

namespace pictor::test {

inline Txt2ImgParams sd_tiny_run_params(const at::Tensor& latents, int images_per_prompt = 2) {
    Txt2ImgParams p;
    p.prompts = {"a photo of an astronaut riding a horse on mars", "a watercolor painting of a fox in the snow"};
    p.negative_prompts = {"blurry, low quality", "ugly, deformed"};
    p.width = p.height = 64;
    p.num_inference_steps = 4;
    p.guidance_scale = 7.5;
    p.num_images_per_prompt = images_per_prompt;
    p.latents = latents;
    return p;
}

}  // namespace pictor::test
