// AUTOMATIC1111's extra-network tags in prompts: `<lora:NAME:SCALE>`, `<lora:NAME:TE:UNET>`,
// `<lora:NAME:te=0.5:unet=0.8>`, `<hypernet:NAME:1>`, ...
//
// Ref: AUTOMATIC1111 modules/extra_networks.py (re_extra_net = `<(\w+):([^>]+)>`, parse_prompt,
// ExtraNetworkParams) and extensions-builtin/Lora/extra_networks_lora.py (the multipliers).
// Every tag is cut out of the prompt (nothing else changes: the text around it, commas and spaces
// included, stays as it is); the tags are returned in prompt order.
//
// Failure contract: parse_extra_networks never throws (any bytes are fine). lora_tag throws
// pictor::Error naming the tag for a missing name or a multiplier that is not a number.
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace pictor {

struct ExtraNetworkTag {
    std::string kind;                           // "lora", "lyco", "hypernet", ...
    std::string text;                           // the whole tag as written, "<lora:fox:0.7>"
    std::vector<std::string> positional;        // the ':'-separated items without '='
    std::map<std::string, std::string> named;   // items "key=value" (exactly one '=')
};

struct PromptExtraNetworks {
    std::string prompt;                 // the prompt without its tags
    std::vector<ExtraNetworkTag> tags;  // in prompt order
};

PromptExtraNetworks parse_extra_networks(std::string_view prompt);

// The prompt without its tags: what is tokenized.
std::string strip_extra_networks(std::string_view prompt);

// A LoRA tag's reading (kind "lora" or its old alias "lyco"): te = positional[1] or 1, te=
// overrides; unet = positional[2] or te, unet= overrides.
struct LoraTag {
    std::string name;
    double text_encoder_scale = 1.0;
    double unet_scale = 1.0;
};
LoraTag lora_tag(const ExtraNetworkTag& tag);
bool is_lora_tag(const ExtraNetworkTag& tag);

}  // namespace pictor
