#include "core/models/clip/clip_loader.h"

#include "core/util/error.h"
#include "core/util/progress.h"

namespace pictor {

ClipBundle load_clip_bundle(const std::filesystem::path& model_dir, ProgressSink* progress) {
    try {
        if (progress) progress->on_stage("loading CLIP");
        ClipTokenizer tokenizer = load_clip_tokenizer(model_dir);
        CLIPImageProcessor processor = CLIPImageProcessor::load(model_dir);
        CLIPModel model = load_clip_model(model_dir);
        return ClipBundle{std::move(model), std::move(tokenizer), std::move(processor)};
    } catch (const Error& e) {
        throw e.with_context("loading CLIP from " + model_dir.string());
    }
}

}  // namespace pictor
