// How the jobs turn prompts into conditioning, validated in one place for generate and encode
// (internal to core/jobs).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/text/prompt_chunks.h"

namespace pictor::jobs::detail {

// A1111's Clip skip slider: 1..12 (the model may have fewer layers: the pipeline checks that).
constexpr int kMaxClipSkip = 12;

// Throws InvalidRequest naming the field: a syntax other than "a1111"/"plain", a clip skip outside
// 1..12, or (A1111 syntax) a prompt the parser refuses ("negative prompt 2: the weight '1.2.3' is
// not a number ...").
PromptSyntax validate_prompt_settings(const std::string& syntax, int clip_skip, const std::vector<std::string>& prompts,
                                      const std::vector<std::string>& negative_prompts);

// After loading: throws InvalidRequest when clip_skip exceeds the text encoder's layers.
void require_clip_skip_fits(int clip_skip, int64_t text_encoder_layers);

}  // namespace pictor::jobs::detail
