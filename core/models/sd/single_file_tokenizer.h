// The tokenizer of a single-file Stable Diffusion checkpoint (the file holds none).
//
// In order: the --config folder's tokenizer/; the Hugging Face cache (what the reference loader
// fetches: openai/clip-vit-large-patch14 for SD 1.x, stabilityai/stable-diffusion-2 tokenizer/ for
// SD 2.x); else the CLIP BPE merges shipped with Pictor (resources/clip_bpe_merges.txt, OpenAI's
// public bpe_simple_vocab_16e6 merges), whose vocabulary is built as OpenAI's SimpleTokenizer
// builds it. SD 2.x pads with "!" (its tokenizer's pad_token), SD 1.x with <|endoftext|>.
// Failure contract: pictor::Error from the tokenizer loader. Thread-safety: reads the cache only.
#pragma once

#include <filesystem>
#include <string>

#include "core/text/clip_tokenizer.h"

namespace pictor {

// The vocabulary (vocab.json text) OpenAI's CLIP derives from merges.txt text.
// Ref: openai/CLIP clip/simple_tokenizer.py SimpleTokenizer.__init__.
std::string clip_vocab_json_from_merges(const std::string& merges_txt);

// The shipped tokenizer; `source` (out) says which was taken.
ClipTokenizer shipped_clip_tokenizer(bool sd2);

ClipTokenizer single_file_tokenizer(const std::filesystem::path& config_tokenizer_dir, bool sd2, std::string* source);

}  // namespace pictor
