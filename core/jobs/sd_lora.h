// The LoRA set of a Stable Diffusion job (internal to core/jobs): from the request's LoRA list and
// the prompts' A1111 tags (<lora:NAME:SCALE>, NAME looked up in the LoRA folders) to the set
// merged into the cached model.
//
// Failure contract: lora_set_for throws InvalidRequest naming the tag or file (an unknown NAME
// with the folders searched, a strength that is not a finite number, a tag of another kind such as
// <hypernet:...>, a file that does not exist); apply_lora_set throws pictor::Error naming the file
// and key for a LoRA that does not fit the model (the model is then left with its base weights).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/jobs/job_sink.h"
#include "core/jobs/lora_request.h"
#include "core/models/sd/lora_state.h"

namespace pictor {
struct StableDiffusion;
}

namespace pictor::jobs::detail {

// The folders <lora:NAME> is looked up in: `folders` when not empty, else the settings'
// lora_folders (core/settings: A1111's models/Lora, ComfyUI's models/loras, Pictor's own).
std::vector<std::filesystem::path> lora_search_folders(const std::vector<std::filesystem::path>& folders);

// NAME.safetensors / .pt / .ckpt / .bin (or a diffusers LoRA folder NAME/) in the first folder
// that has it, subfolders included (A1111 lists its Lora folder recursively). Throws
// InvalidRequest "LoRA 'NAME' was not found in ... (searched: A, B)".
std::filesystem::path find_lora(const std::string& name, const std::vector<std::filesystem::path>& folders);

// The set, in order: the request's LoRAs, then the prompts' tags (every prompt's, first mention
// first); an entry repeating an earlier one (same file, same strengths) is dropped. Hashes are not
// computed here (apply_lora_set does, when it reads the files).
std::vector<LoraUse> lora_set_for(const std::vector<LoraRequest>& loras, const std::vector<std::string>& prompts,
                                  const std::vector<std::filesystem::path>& folders);

// Makes `set` the model's merged set, reading the files only when it differs from what the model
// has merged (the cached model is shared by jobs with different sets; the base model is never
// reloaded for this).
void apply_lora_set(StableDiffusion& model, const std::vector<LoraUse>& set, JobSink& sink);

// A1111's LoRA short hash: the first 12 hex digits of the SHA-256 of a .safetensors file's data
// after its header (kohya's "addnet" hash), of the whole file for other formats; "" if unreadable.
std::string lora_short_hash(const std::filesystem::path& file);

// What A1111 calls a LoRA file: its stem ("fox" for .../fox.safetensors; the folder's name for a
// diffusers LoRA folder or its pytorch_lora_weights file).
std::string lora_name_of_file(const std::string& file);

// The tag a LoRA of the request list is recorded with in the prompt, "<lora:NAME:0.7>"
// ("<lora:NAME:TE:UNET>" when the strengths differ), so that the PNG's prompt reruns it.
std::string lora_tag_text(const std::string& name, double text_encoder_scale, double unet_scale);

}  // namespace pictor::jobs::detail
