#include "core/jobs/encode_job.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <chrono>

#include "core/io/safetensors.h"
#include "core/jobs/job_error.h"
#include "core/jobs/job_support.h"
#include "core/jobs/prompt_settings.h"
#include "core/jobs/sd_model.h"
#include "core/pipelines/prompt_encoding.h"

namespace pictor::jobs {

namespace fs = std::filesystem;
using namespace detail;

void validate(const EncodeRequest& r) {
    if (r.model.empty()) throw InvalidRequest("model: give a Stable Diffusion model");
    validate_prompt_settings(r.prompt_syntax, r.clip_skip, {r.prompt}, {r.negative_prompt});
    validate_settings({1, 1.0, 0, 0, true, "", r.device, r.dtype});
    if (!r.save_tensors.empty()) {
        const fs::path folder = r.save_tensors.has_parent_path() ? r.save_tensors.parent_path() : fs::path(".");
        std::error_code ec;
        if (!fs::is_directory(folder, ec))
            throw InvalidRequest("output folder '" + folder.string() + "' of '" + r.save_tensors.string() + "' does not exist");
    }
}

EncodeResult run_encode(const EncodeRequest& r, JobSink& sink, ModelCache& cache) {
    validate(r);
    const auto start = std::chrono::steady_clock::now();
    SdRun run;
    run.reference = r.model;
    run.device = r.device;
    run.dtype = r.dtype;
    const std::shared_ptr<StableDiffusion> model = stable_diffusion_for(run, cache, sink);
    if (!model->tokenizer) fail("model '" + r.model + "' has no tokenizer");

    EncodeResult result;
    result.model_reference = model->reference;
    result.text_encoder_layers = model->text_encoder->text_model->config.num_hidden_layers;
    require_clip_skip_fits(r.clip_skip, result.text_encoder_layers);

    sink.on_stage("encoding prompts");
    c10::InferenceMode inference;
    PromptEncodingOptions options;
    options.syntax = parse_prompt_syntax(r.prompt_syntax);
    options.clip_skip = r.clip_skip;
    const std::vector<EncodedPrompt> e = encode_prompts(*model->text_encoder, *model->tokenizer,
                                                        {r.prompt, r.negative_prompt, ""}, options, model->placement.device);
    // Ref: A1111 CFGDenoiser.pad_cond_uncond — the shorter one gets empty-prompt chunks.
    const std::vector<at::Tensor> padded = pad_to_same_length({e[0].cond, e[1].cond}, e[2].cond);
    const at::Tensor prompt_embeds = padded[0].to(at::kCPU, at::kFloat).contiguous();
    const at::Tensor negative_embeds = padded[1].to(at::kCPU, at::kFloat).contiguous();
    result.prompt = {e[0].tokens, prompt_embeds.sizes().vec()};
    result.negative = {e[1].tokens, negative_embeds.sizes().vec()};

    if (!r.save_tensors.empty()) {
        sink.on_stage("saving");
        write_safetensors(r.save_tensors, {{"prompt_embeds", prompt_embeds}, {"negative_prompt_embeds", negative_embeds}},
                          {{"prompt_syntax", r.prompt_syntax}, {"clip_skip", std::to_string(r.clip_skip)}});
    }
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

}  // namespace pictor::jobs
