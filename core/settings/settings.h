// Pictor's settings: settings.yaml in the XDG config folder, over built-in defaults.
//
// The defaults live in resources/default_settings.yaml (embedded in the binary) and are the one
// source of truth: a default-constructed Settings is empty, use defaults(). A user file is laid
// over them — mappings merge key by key, lists replace the default list as a whole.
//
// Failure contract: a YAML syntax error, a wrong type or an invalid value throws pictor::Error
// whose message is "<file>:<line>:<column>: <key>: <what was expected>" (1-based line/column).
// Unknown keys are not errors: they come back as warnings in the same format. save_settings
// validates first and writes atomically (temporary file + rename). All functions are reentrant;
// a Settings value is plain data.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace pictor {

struct ModelSettings {
    std::string stable_diffusion;  // HF repo id, diffusers folder or single checkpoint
    std::string clip;              // HF repo id or transformers folder
    std::string resnet50;          // torchvision file name (torch hub cache) or path
    std::string resnet18;
    bool operator==(const ModelSettings&) const = default;
};

// A LoRA of generation.loras: a file (or diffusers LoRA folder, or a catalogue name such as
// lcm-lora-sdv1-5) merged at `strength` into both the UNet and the text encoder.
struct LoraSetting {
    std::string file;
    double strength = 1.0;  // finite, -100..100
    bool operator==(const LoraSetting&) const = default;
};

struct GenerationSettings {
    std::string prompt;
    std::string negative_prompt;
    double guidance_scale = 0.0;  // >= 0
    int steps = 0;                // 1..1000
    int images_per_prompt = 0;    // 1..64
    int width = 0;                // multiple of 8 in 8..4096
    int height = 0;
    std::string scheduler;        // pndm, ddim, euler, euler_a, dpmpp_2m, dpmpp_2m_karras, lms (or display names)
    int64_t seed = 0;             // -1: random
    // Few-step generation and LoRAs (the studio's sampler panel; the CLI takes them as options).
    std::string timestep_spacing;  // "" = the scheduler's | leading | linspace | trailing
    std::string decoder;           // "" = the model's VAE | a TAESD: AutoencoderTiny folder, repo id, "taesd"
    std::string dtype;             // "" = f32 on cpu, f16 on cuda | f32 | bf16 | f16
    std::string prompt_syntax;     // a1111 | plain
    int clip_skip = 0;             // 1..12
    double strength = 0.0;         // img2img's denoising strength, in (0, 1]
    std::vector<LoraSetting> loras;
    bool operator==(const GenerationSettings&) const = default;
};

// A CLIP label set: styles × objects through `label_template` ("{style} of {object}"), styles
// outer, followed by the explicit `labels`.
struct LabelPreset {
    std::string name;
    std::string label_template = "{style} of {object}";
    std::vector<std::string> styles;
    std::vector<std::string> objects;
    std::vector<std::string> labels;
    // The expanded label list, e.g. "a watercolor painting of a fox", "a watercolor painting of a dog", ...
    std::vector<std::string> expanded_labels() const;
    bool operator==(const LabelPreset&) const = default;
};

struct TrainingClass {
    std::string name;    // folder / class name
    std::string prompt;  // Stable Diffusion prompt that generates its images
    bool operator==(const TrainingClass&) const = default;
};

struct TrainingPreset {
    std::string name;
    std::vector<TrainingClass> classes;  // >= 2, unique non-empty names
    int images_per_class = 0;            // >= 2
    int epochs = 0;                      // >= 1
    double learning_rate = 0.0;          // > 0
    int batch_size = 0;                  // >= 1
    double split = 0.0;                  // training fraction, in (0, 1)
    std::string optimizer;               // sgd | adam
    int64_t seed = 0;                    // >= 0
    std::string dataset_folder;          // "" = <app data>/datasets/<class names joined by -vs->
    bool operator==(const TrainingPreset&) const = default;
};

struct Settings {
    ModelSettings models;
    std::string device;          // cpu | cuda | cuda:N
    int threads = 0;             // >= 0, 0 = one per usable CPU
    std::string output_folder;   // "" = default_output_folder()
    // Where <lora:NAME:...> finds NAME.safetensors (searched in order, with subfolders); "~/" expanded.
    std::vector<std::string> lora_folders;
    // Where the studio's model pickers look for models besides the caches (AUTOMATIC1111's and
    // ComfyUI's install or models folders are recognised); "~/" expanded.
    std::vector<std::string> model_folders;
    GenerationSettings generation;
    std::vector<LabelPreset> label_presets;  // >= 1, unique names
    // The studio's Scoring label list as last edited; empty = the first preset's labels.
    std::vector<std::string> scoring_labels;
    TrainingPreset training;
    bool operator==(const Settings&) const = default;
};

struct SettingsLoadResult {
    Settings settings;
    std::vector<std::string> warnings;  // "<file>:<line>:<col>: unknown key 'a.b' (ignored)"
    bool file_found = false;            // false: the file does not exist, `settings` are the defaults
};

// The built-in defaults (resources/default_settings.yaml).
Settings defaults();

// Defaults overlaid by the YAML text `yaml`; `source` names it in messages (a file name).
SettingsLoadResult parse_settings(std::string_view yaml, const std::string& source);

// Defaults overlaid by the file at `path`; a missing file gives the defaults (file_found false),
// an unreadable one throws.
SettingsLoadResult load_settings(const std::filesystem::path& path);

// The complete settings as YAML (every key), readable by parse_settings.
std::string settings_to_yaml(const Settings& settings);

// Validates, then writes settings_to_yaml(settings) to `path` atomically (creating the folder).
void save_settings(const std::filesystem::path& path, const Settings& settings);

// Throws pictor::Error naming the first invalid field ("generation.steps: must be >= 1, got 0").
void validate_settings(const Settings& settings);

// $XDG_CONFIG_HOME/pictor/settings.yaml (an absolute XDG_CONFIG_HOME only, as the spec says),
// else ~/.config/pictor/settings.yaml.
std::filesystem::path settings_path();

// $XDG_PICTURES_DIR (environment, else ~/.config/user-dirs.dirs) + "/Pictor", else ~/Pictures/Pictor.
std::filesystem::path default_output_folder();

// settings.output_folder with "~/" expanded, or default_output_folder() when it is empty.
std::filesystem::path output_folder(const Settings& settings);

// settings.lora_folders with "~/" expanded (a "~/" folder is dropped when HOME is not set).
std::vector<std::filesystem::path> lora_folders(const Settings& settings);

// settings.model_folders, "~/" expanded in the same way.
std::vector<std::filesystem::path> model_folders(const Settings& settings);

}  // namespace pictor
