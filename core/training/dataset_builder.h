// Synthetic labelled datasets generated with Stable Diffusion, in the ImageFolder layout.
//
//   DIR/dataset.yaml                 classes, prompts, seeds, model and generation settings
//   DIR/<class>/<class>_0000.png     PNG with the A1111 `parameters` chunk
//
// Image i of class c uses prompt i mod (number of prompts of c) and the seed
// `base_seed + 100000 * c + i`, so any image — or the whole dataset — can be regenerated exactly
// (with `pictor-cli generate --seed` or diffusers). Images are written atomically, so a file that
// exists is complete: rerunning the same build skips them (resume after a crash or a cancel).
// Rerunning into a folder whose dataset.yaml has other settings is refused rather than mixing
// two datasets.
//
// Failure contract: pictor::Error for bad parameters (no classes, duplicate or unsafe class
// names, per_class < 1, a class without prompts) before anything is generated, and for I/O
// problems naming the file. Cancellation returns with `cancelled` set; finished images stay.
// Not thread-safe per StableDiffusion instance.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/pipelines/txt2img.h"

namespace pictor {

struct DatasetClass {
    std::string name;                  // folder name: letters, digits, '_', '-', '.', space
    std::vector<std::string> prompts;  // one or more
    std::string negative_prompt;
};

struct DatasetParams {
    std::vector<DatasetClass> classes;
    int per_class = 8;
    int steps = 25;
    double guidance_scale = 7.5;
    int width = 512, height = 512;
    std::string scheduler;      // "" = the model's own
    uint64_t base_seed = 0;
    std::string model_reference;  // recorded in dataset.yaml and the PNGs
};

struct DatasetResult {
    int generated = 0;
    int skipped = 0;  // already present
    bool cancelled = false;
    std::vector<std::filesystem::path> files;  // every image of the dataset that exists now
};

// The seed of image `index` of class `class_index`.
uint64_t dataset_image_seed(uint64_t base_seed, int class_index, int index);

// The path of image `index` of `class_name` under `dir`.
std::filesystem::path dataset_image_path(const std::filesystem::path& dir, const std::string& class_name, int index);

DatasetResult build_dataset(StableDiffusion& model, const DatasetParams& params, const std::filesystem::path& dir,
                            ProgressSink& sink);

}  // namespace pictor
