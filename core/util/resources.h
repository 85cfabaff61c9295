// Data files built into the engine (see pictor_embed_resource in cmake/PictorTargets.cmake).
// Each function is defined by the library that embeds the file; add a declaration here when you
// embed one. The views are valid for the life of the program.
#pragma once

#include <string_view>

namespace pictor::resources {

std::string_view default_settings_yaml();  // resources/default_settings.yaml
std::string_view imagenet_classes_txt();   // resources/imagenet_classes.txt
std::string_view imagenet_groups_json();   // resources/imagenet_groups.json
std::string_view clip_bpe_merges_txt();    // resources/clip_bpe_merges.txt (OpenAI CLIP's public BPE merges)

}  // namespace pictor::resources
