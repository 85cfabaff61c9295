// A transformers CLIP folder loaded whole: CLIPModel, its tokenizer and its image processor —
// what the zero-shot pipeline composes (the pipeline opens no files).
//
// Failure contract: pictor::Error "loading CLIP from <folder>: ..." naming the file or tensor.
// Thread-safety: independent calls are independent; the bundle is a plain value.
#pragma once

#include <filesystem>

#include "core/image/clip_image_processor.h"
#include "core/models/clip/clip.h"
#include "core/text/clip_tokenizer.h"

namespace pictor {

class ProgressSink;

struct ClipBundle {
    CLIPModel model{nullptr};
    ClipTokenizer tokenizer;
    CLIPImageProcessor processor;
};

// config.json + weights, the tokenizer (<dir> or <dir>/tokenizer) and preprocessor_config.json.
ClipBundle load_clip_bundle(const std::filesystem::path& model_dir, ProgressSink* progress = nullptr);

}  // namespace pictor
