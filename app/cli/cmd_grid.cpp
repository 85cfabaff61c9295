// pictor-cli grid: A1111's X/Y/Z plot over generation parameters, each cell scored by CLIP.
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/cli/args.h"
#include "app/cli/command.h"
#include "app/cli/generate_options.h"
#include "app/cli/terminal_sink.h"
#include "core/jobs/grid_job.h"

namespace pictor::cli {
namespace {

constexpr const char* kUsage =
    "usage: pictor-cli grid --model REF --prompt TEXT --x AXIS=V1,V2,... [--y AXIS=...] [--z AXIS=...]\n"
    "                       [--score LABEL ...] [--clip REF] [--heat LABEL] [--out DIR] [generate options]\n\n"
    "A parameter grid (AUTOMATIC1111's X/Y/Z plot): every cell is one generation with one axis value\n"
    "each (its own PNG with parameters, the same pixels as that single `generate`), and the grid is one\n"
    "PNG with labelled axes. With --score, CLIP scores every cell against the labels: the grid shows\n"
    "the most probable label per cell, a heat map shows one label's probability over the axes, and a\n"
    "CSV holds every probability. One seed for all cells (--seed, else drawn once).\n\n"
    "  --x/--y/--z AXIS=VALUES  axes: seed, steps, guidance (cfg), sampler, size (WxH), width, height,\n"
    "                          prompt_sr (Prompt S/R: the first value is searched for in the prompt and\n"
    "                          replaced by each value), lora (strength of the --lora LoRAs), checkpoint\n"
    "                          (model references), strength (img2img, with --init), clip_skip, spacing.\n"
    "                          Values are comma-separated (\"a, b\" in double quotes keeps a comma);\n"
    "                          numbers take ranges: 10-30 (+10), 1-10 [4]\n"
    "  --score LABEL ...       score each cell with CLIP against these labels\n"
    "  --clip REF              CLIP model for --score (folder or repo id; default openai/clip-vit-base-patch32)\n"
    "  --template T            CLIP prompt template with {} (default: the label itself)\n"
    "  --heat LABEL            the heat map's label (default: the first)\n"
    "  --init IMAGE --strength S  img2img cells\n"
    "  --out DIR               output folder (default .): cells/KEY.png, grid-NNNNN.png,\n"
    "                          grid-NNNNN-heatmap.png and grid-NNNNN.csv with --score\n"
    "  --json                  print a JSON summary\n\n"
    "Every `pictor-cli generate` option applies to all cells (model, prompt, negative, steps, guidance,\n"
    "seed, size, scheduler, decoder, dtype, LoRA, prompt syntax, clip skip). Ctrl-C stops after the\n"
    "current step and keeps the finished cells; running the same grid again reuses them.\n";

int run_grid_command(Args& args) {
    if (args.wants_help()) {
        std::cout << kUsage;
        return 0;
    }
    if (args.value("images")) throw UsageError("--images: a grid makes one image per cell");
    if (args.value("save-tensors")) throw UsageError("--save-tensors is not available for grids");
    if (args.value("from-png")) throw UsageError("--from-png is not available for grids (give the options)");
    jobs::GridRequest g;
    read_generate_options(args, g.base, true);
    g.out_dir = g.base.out_dir;
    static const char* axis_options[] = {"x", "y", "z"};
    for (size_t i = 0; i < 3; ++i) {
        const std::vector<std::string> values = args.values(axis_options[i]);
        if (values.size() > 1) throw UsageError(std::string("--") + axis_options[i] + " is given more than once");
        if (values.empty()) continue;
        if (g.axes.size() != i) throw UsageError(std::string("--") + axis_options[i] + " needs --" + axis_options[i - 1] + " first");
        g.axes.push_back(jobs::parse_axis(values[0]));
    }
    g.labels = args.values("score");
    g.clip = args.value_or("clip", g.labels.empty() ? "" : "openai/clip-vit-base-patch32");
    g.prompt_template = args.value_or("template", "");
    g.heat_label = args.value_or("heat", "");
    const bool json = args.flag("json");
    args.finish();
    if (g.base.model.empty()) throw UsageError("--model is required");
    if (g.base.prompts.empty()) throw UsageError("--prompt is required");
    if (g.axes.empty()) throw UsageError("--x AXIS=VALUES is required (e.g. --x steps=10,20,30)");

    TerminalSink sink("grid", " steps");
    sink.show_messages(true);
    const jobs::GridResult result = jobs::run_grid(g, sink);
    sink.clear();
    if (result.cancelled) {
        std::cerr << "cancelled: " << result.cells.size() << " of " << result.nx * result.ny * result.nz
                  << " cells kept in " << (g.out_dir / "cells").string() << "; the same command reuses them\n";
        return 130;
    }
    if (json) {
        nlohmann::json cells = nlohmann::json::array();
        for (const jobs::GridCell& c : result.cells) {
            nlohmann::json cell{{"x", c.x}, {"y", c.y}, {"z", c.z}, {"file", c.file.string()}, {"reused", c.reused}};
            if (c.best >= 0) {
                nlohmann::json scores = nlohmann::json::object();
                for (const auto& s : c.scores) scores[s.label] = s.probability;
                cell["scores"] = scores;
                cell["best"] = c.scores[size_t(c.best)].label;
            }
            cells.push_back(cell);
        }
        nlohmann::json out{{"grid", result.grid_file.string()}, {"cells", cells},   {"generated", result.generated},
                           {"reused", result.reused},           {"seed", result.seed}, {"seconds", result.seconds},
                           {"size", {result.nx, result.ny, result.nz}}};
        if (!result.heatmap_file.empty()) out["heatmap"] = result.heatmap_file.string();
        if (!result.csv_file.empty()) out["csv"] = result.csv_file.string();
        std::cout << out.dump(2) << "\n";
        return 0;
    }
    std::cout << result.grid_file.string() << "\n";
    if (!result.heatmap_file.empty()) std::cout << result.heatmap_file.string() << "\n";
    if (!result.csv_file.empty()) std::cout << result.csv_file.string() << "\n";
    std::cout << result.generated << " cells generated, " << result.reused << " reused, seed " << result.seed << "\n";
    return 0;
}

const Registration registration{"grid", "X/Y/Z parameter grid of generations, scored by CLIP", run_grid_command};

}  // namespace
}  // namespace pictor::cli
