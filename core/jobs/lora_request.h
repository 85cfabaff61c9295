// A LoRA that a job request names outside its prompts (pictor-cli --lora FILE[:SCALE], the
// studio's LoRA list). Plain data.
#pragma once

#include <string>

namespace pictor::jobs {

struct LoraRequest {
    std::string file;                 // a LoRA file (.safetensors, .pt, .ckpt, .bin) or diffusers LoRA folder
    double unet_scale = 1.0;          // the strength (A1111's multiplier; diffusers' LoRA scale)
    double text_encoder_scale = 1.0;  // usually the same as unet_scale
};

}  // namespace pictor::jobs
