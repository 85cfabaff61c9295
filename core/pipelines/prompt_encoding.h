// Prompt conditioning as AUTOMATIC1111 computes it for SD 1.x/2.x: weighted 75-token chunks
// (core/text/prompt_chunks.h) through the CLIP text encoder, CLIP skip, "Original" emphasis, chunks
// concatenated, and the padding that gives cond and uncond the same length.
//
//     pictor::PromptEncodingOptions o;            // A1111 syntax, Clip skip 1
//     auto e = pictor::encode_prompts(*sd.text_encoder, *sd.tokenizer, {"a (red:1.3) fox"}, o, device);
//     e[0].cond;                                   // [1, 77·chunks, D] float32
//
// Per chunk (Ref: modules/sd_hijack_clip.py process_tokens, encode_with_transformers;
// modules/sd_emphasis.py EmphasisOriginal.after_transformers):
//   z = CLIP skip 1: last_hidden_state; n >= 2: final_layer_norm(hidden_states[-n]);
//   original_mean = z.mean(); z *= multipliers[..., None]; z *= original_mean / z.mean()  (float32).
// A chunk whose multipliers are all 1 keeps z as is: the same numbers (the ratio is exactly 1),
// except that it avoids A1111's 0/0 on an encoder whose outputs have mean 0. So a prompt without
// brackets or BREAK gives diffusers' embedding.
// Chunks of one prompt go through the encoder in one batch; each chunk's emphasis uses its own
// means, as A1111 encoding one prompt per call.
//
// Failure contract: pictor::Error for a clip_skip outside 1..num_hidden_layers (naming both), and
// whatever tokenize_prompt throws (invalid UTF-8, an unreadable weight).
// Thread-safety: as the text model's forward (concurrent calls on one model are safe).
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <string>
#include <vector>

#include "core/text/prompt_chunks.h"

namespace pictor {

class ClipTokenizer;
struct CLIPTextModelImpl;

struct PromptEncodingOptions {
    PromptSyntax syntax = PromptSyntax::a1111;
    int clip_skip = 1;  // A1111's "Clip skip" (CLIP_stop_at_last_layers): 1 = the last layer
};

// A chunk's means around the emphasis step (new = original for a chunk without weights).
struct ChunkMeans {
    float original_mean = 0, new_mean = 0;
};

struct EncodedPrompt {
    TokenizedPrompt tokens;
    at::Tensor z_chunks;  // [chunks, 77, D] float32, the encoder's output before emphasis
    at::Tensor cond;      // [1, 77·chunks, D] float32, the conditioning
    std::vector<ChunkMeans> means;
};

// Tokenizes and encodes each text (one encoder call for all chunks of all texts). Results are on
// `device` (where the model lives), float32.
std::vector<EncodedPrompt> encode_prompts(CLIPTextModelImpl& model, const ClipTokenizer& tokenizer,
                                          const std::vector<std::string>& texts, const PromptEncodingOptions& options,
                                          c10::Device device);

// Ref: modules/sd_samplers_cfg_denoiser.py pad_cond: `cond` [B, 77·k, D] with copies of the
// empty-prompt conditioning `empty` [1, 77, D] appended up to `chunks` chunks. Throws
// pictor::Error when `cond` is already longer.
at::Tensor pad_cond(const at::Tensor& cond, const at::Tensor& empty, int64_t chunks);

// Every conditioning padded with pad_cond to the largest chunk count among them (A1111's
// pad_cond_uncond, and its empty_chunk padding of a batch's shorter prompts).
std::vector<at::Tensor> pad_to_same_length(const std::vector<at::Tensor>& conds, const at::Tensor& empty);

}  // namespace pictor
