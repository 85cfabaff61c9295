// The encode job: a prompt and its negative as the sampler gets them — A1111's parse, the
// weighted 75-token chunks and the conditioning tensors — for checking a prompt against
// AUTOMATIC1111 or feeding the embeddings elsewhere.
//
//     pictor::jobs::EncodeRequest r;
//     r.model = "stable-diffusion-v1-5/stable-diffusion-v1-5";
//     r.prompt = "a (red:1.3) fox BREAK snow";
//     r.save_tensors = "embeds.safetensors";    // prompt_embeds, negative_prompt_embeds
//     pictor::jobs::EncodeResult e = pictor::jobs::run_encode(r, sink);
//
// The tensors are what generate's UNet gets for one image: `prompt_embeds` and
// `negative_prompt_embeds`, each [1, 77·chunks, D] float32, padded with the empty prompt's
// conditioning to the same number of chunks (A1111's pad_cond_uncond). The negative prompt is ""
// when none is given, as in generate.
//
// Failure contract: validate() throws InvalidRequest naming the field (no model, a prompt syntax
// other than a1111/plain, a clip skip outside 1..12, a prompt weight that is not a number, an output
// folder that does not exist) before any model is loaded; run_encode() validates first, throws
// ModelNotFound for a reference that does not resolve, InvalidRequest for a clip skip beyond the
// model's text encoder layers and pictor::Error for a broken model or an unwritable output file.
// Thread-safety: as the generate job (the cache hands runs the same model instance: serialise them).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/jobs/job_sink.h"
#include "core/jobs/model_cache.h"
#include "core/text/prompt_chunks.h"

namespace pictor::jobs {

struct EncodeRequest {
    std::string model;                   // Stable Diffusion model reference (its text encoder and tokenizer are used)
    std::string prompt;
    std::string negative_prompt;         // "" = the empty prompt, as generate
    std::string prompt_syntax = "a1111"; // "a1111" | "plain"
    int clip_skip = 1;                   // A1111's "Clip skip", 1..12
    std::filesystem::path save_tensors;  // "" = no file
    std::string device = "cpu";          // "cpu" | "cuda"
    std::string dtype;                   // "f32" | "f16"; "" = f32 on cpu, f16 on cuda
};

struct EncodedText {
    TokenizedPrompt tokens;           // parse result, chunks with their multipliers, token count
    std::vector<int64_t> embeds_shape;  // [1, 77·chunks, D] after padding to the other text
};

struct EncodeResult {
    EncodedText prompt, negative;
    std::string model_reference;
    int64_t text_encoder_layers = 0;
    double seconds = 0;
};

void validate(const EncodeRequest& request);
EncodeResult run_encode(const EncodeRequest& request, JobSink& sink, ModelCache& cache = ModelCache::process());

}  // namespace pictor::jobs
