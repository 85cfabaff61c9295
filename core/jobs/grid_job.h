// The grid job: A1111's X/Y/Z plot, every cell a normal generation, optionally scored by CLIP.
//
//     GridRequest g;
//     g.base = generate_request;                      // model, prompt, seed, ...
//     g.axes = {parse_axis("steps=10,20,30"), parse_axis("guidance=3,7.5,12")};
//     g.labels = {"a watercolor fox", "a photo of a fox"};  g.clip = "openai/clip-vit-base-patch32";
//     g.out_dir = "grid";
//     GridResult r = run_grid(g, sink);
//
// Files in out_dir: cells/<generation_key>.png (each cell's own PNG with its A1111 parameters, the
// same pixels as that single generate run), grid-NNNNN.png (the labelled grid; its `parameters`
// are the first cell's plus A1111's "Script: X/Y/Z plot, X Type, X Values, ..."), with labels also
// grid-NNNNN-heatmap.png (one label's probability over the axes) and grid-NNNNN.csv (every cell's
// axis values, file and probabilities).
//
// A cell whose file exists is reused, not generated again: equal parameters give an equal key
// (core/jobs/grid_axes.h), so rerunning a grid, or a cancelled one, only makes the missing cells.
// Cancelling keeps the finished cells and writes no grid.
//
// Failure contract: validate() throws InvalidRequest for no axis or more than 3, an axis kind given
// twice, more than 1000 cells, more than one prompt, a cell request that validate(GenerateRequest)
// refuses (the cell named), labels without a CLIP model or an empty label, a heat-map label that is
// not a label. run_grid() throws what run_generate / run_score throw, naming the cell.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/jobs/generate_job.h"
#include "core/jobs/grid_axes.h"
#include "core/jobs/vision_types.h"

namespace pictor::jobs {

struct GridCell {
    int x = 0, y = 0, z = 0;
    std::filesystem::path file;
    std::string parameters;                // the cell PNG's A1111 text
    bool reused = false;                   // the file was there from an earlier run
    std::vector<LabelProbability> scores;  // with labels: in label order
    int best = -1;                         // index of the most probable label
};

struct GridRequest {
    GenerateRequest base;             // one prompt; its images_per_prompt and out_dir are not used
    std::vector<GridAxis> axes;       // 1..3: X, Y, Z
    std::vector<std::string> labels;  // CLIP labels to score every cell with; empty = no scoring
    std::string clip;                 // CLIP reference (needed with labels)
    std::string prompt_template;      // CLIP prompt template, "{}" = the label; "" = the label itself
    std::string heat_label;           // the heat map's label; "" = the first label
    std::filesystem::path out_dir = ".";
    std::function<void(const GridCell&)> on_cell;  // each cell when it is ready (the studio)
};

struct GridResult {
    bool cancelled = false;
    int nx = 1, ny = 1, nz = 1;
    std::vector<GridCell> cells;  // finished cells, in the order they ran
    int generated = 0, reused = 0;
    uint64_t seed = 0;            // the base seed (drawn once when the request had none)
    std::filesystem::path grid_file, heatmap_file, csv_file;  // empty when cancelled / no labels
    double seconds = 0;
};

void validate(const GridRequest& request);
// Each cell's generate request, index (z * ny + y) * nx + x, with `seed` where the base has none.
std::vector<GenerateRequest> grid_cell_requests(const GridRequest& request, uint64_t seed);
GridResult run_grid(const GridRequest& request, JobSink& sink, ModelCache& cache = ModelCache::process());

}  // namespace pictor::jobs
