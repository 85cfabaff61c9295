#include "core/jobs/grid_job.h"

#include <ATen/ATen.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <random>
#include <set>
#include <system_error>

#include "core/image/a1111_parameters.h"
#include "core/image/image_io.h"
#include "core/jobs/grid_image.h"
#include "core/jobs/job_error.h"
#include "core/jobs/job_support.h"
#include "core/jobs/score_job.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

namespace pictor::jobs {

namespace fs = std::filesystem;
using namespace detail;

namespace {

constexpr size_t kMaxCells = 1000;

struct Dims {
    int nx = 1, ny = 1, nz = 1;
    size_t count() const { return size_t(nx) * size_t(ny) * size_t(nz); }
};

Dims dims_of(const GridRequest& g) {
    Dims d;
    if (g.axes.size() > 0) d.nx = int(g.axes[0].values.size());
    if (g.axes.size() > 1) d.ny = int(g.axes[1].values.size());
    if (g.axes.size() > 2) d.nz = int(g.axes[2].values.size());
    return d;
}

// The axis value indices of cell `index` ((z * ny + y) * nx + x).
std::array<int, 3> coords(const Dims& d, size_t index) {
    const int x = int(index % size_t(d.nx));
    const int y = int(index / size_t(d.nx) % size_t(d.ny));
    const int z = int(index / (size_t(d.nx) * size_t(d.ny)));
    return {x, y, z};
}

std::string cell_name(const GridRequest& g, const std::array<int, 3>& c) {
    std::string name;
    for (size_t a = 0; a < g.axes.size(); ++a)
        name += (name.empty() ? "" : ", ") + axis_value_label(g.axes[a], size_t(c[a]));
    return name;
}

// The order cells run in: a checkpoint axis outermost (each model loads once), then Z, Y, X.
std::vector<size_t> run_order(const GridRequest& g, const Dims& d) {
    std::vector<size_t> order(d.count());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    for (size_t a = 0; a < g.axes.size(); ++a)
        if (g.axes[a].kind == AxisKind::checkpoint)
            std::stable_sort(order.begin(), order.end(), [&](size_t l, size_t r) { return coords(d, l)[a] < coords(d, r)[a]; });
    return order;
}

// The cell's existing PNG from an earlier run, if it is one (has its parameters text).
std::optional<std::string> existing_cell(const fs::path& file) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) return std::nullopt;
    try {
        const auto text = read_png_text(file);
        const auto it = text.find("parameters");
        if (it != text.end()) return it->second;
    } catch (const Error&) {
        // Not a readable PNG: generated again (and replaced atomically).
    }
    return std::nullopt;
}

// Forwards one cell's progress as the grid's: steps count over all cells still to make, and the ETA
// covers them (measured seconds per step times the steps left).
class CellSink : public JobSink {
public:
    CellSink(JobSink& grid, std::string stage, int steps_before, int steps_total)
        : grid_(grid), stage_(std::move(stage)), before_(steps_before), total_(steps_total) {}
    void on_stage(std::string_view stage) override { grid_.on_stage(stage_ + ": " + std::string(stage)); }
    void on_step(int step, int) override { grid_.on_step(before_ + step, total_); }
    void on_timing(const StepTiming& t) override {
        StepTiming out = t;
        out.step = before_ + t.step;
        out.total = total_;
        out.eta_s = t.eta_s + t.seconds_per_step * (total_ - before_ - t.total);
        grid_.on_timing(out);
    }
    void on_preview(const Rgb8Image& rgb) override { grid_.on_preview(rgb); }
    void on_message(std::string_view message) override { grid_.on_message(message); }
    bool cancelled() const override { return grid_.cancelled(); }

private:
    JobSink& grid_;
    std::string stage_;
    int before_, total_;
};

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

fs::path next_grid_stem(const fs::path& dir) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "grid-%05d", next_free_counter(dir, R"(grid-(\d{5})\.png)"));
    return dir / buf;
}

void write_canvas(const fs::path& file, const Canvas& canvas, const std::string& parameters) {
    const at::Tensor hwc = at::from_blob(const_cast<uint8_t*>(canvas.rgb().data()), {canvas.height(), canvas.width(), 3}, at::kByte);
    write_png(file, hwc, {{"parameters", parameters}});  // atomic
}

// The grid's `parameters`: the first cell's, plus A1111's X/Y/Z plot fields.
std::string grid_parameters(const GridRequest& g, const std::string& first_cell) {
    GenerationParameters p = parse_parameters(first_cell).value_or(GenerationParameters{});
    p.extra.emplace_back("Script", "X/Y/Z plot");
    static const char* names[] = {"X", "Y", "Z"};
    for (size_t a = 0; a < g.axes.size(); ++a) {
        std::string values;
        for (const std::string& v : g.axes[a].values) values += (values.empty() ? "" : ",") + csv_field(v);
        p.extra.emplace_back(std::string(names[a]) + " Type", axis_title(g.axes[a]));
        p.extra.emplace_back(std::string(names[a]) + " Values", values);
    }
    if (!g.labels.empty()) {
        std::string labels;
        for (const std::string& l : g.labels) labels += (labels.empty() ? "" : ",") + csv_field(l);
        p.extra.emplace_back("CLIP labels", labels);
    }
    return format_parameters(p);
}

std::string percent(double p) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.0f%%", p * 100);
    return buf;
}

GridLayout base_layout(const GridRequest& g, const Dims& d) {
    GridLayout layout;
    layout.nx = d.nx;
    layout.ny = d.ny;
    layout.nz = d.nz;
    const auto labels = [&](size_t a, int n) {
        std::vector<std::string> out;
        if (a < g.axes.size())
            for (int i = 0; i < n; ++i) out.push_back(axis_value_label(g.axes[a], size_t(i)));
        return out;
    };
    layout.x_labels = labels(0, d.nx);
    layout.y_labels = labels(1, d.ny);
    layout.z_labels = labels(2, d.nz);
    layout.cells.resize(d.count());
    return layout;
}

}  // namespace

void validate(const GridRequest& g) {
    if (g.axes.empty()) throw InvalidRequest("grid: give at least an X axis (e.g. steps=10,20,30)");
    if (g.axes.size() > 3) throw InvalidRequest("grid: at most 3 axes (X, Y, Z), got " + std::to_string(g.axes.size()));
    std::set<AxisKind> kinds;
    for (const GridAxis& a : g.axes) {
        if (a.values.empty()) throw InvalidRequest("grid axis " + a.name + " has no values");
        if (!kinds.insert(a.kind).second) throw InvalidRequest("grid: the axis " + a.name + " is given twice");
    }
    const Dims d = dims_of(g);
    if (d.count() > kMaxCells)
        throw InvalidRequest("grid: " + std::to_string(d.count()) + " cells; at most " + std::to_string(kMaxCells));
    if (g.base.prompts.size() != 1) throw InvalidRequest("grid: give exactly one prompt (the axes vary it)");
    if (!g.base.file_name.empty()) throw InvalidRequest("grid: the cells are named by the grid");
    if (!g.labels.empty() && g.clip.empty()) throw InvalidRequest("grid: scoring with labels needs a CLIP model");
    for (const std::string& l : g.labels)
        if (l.empty()) throw InvalidRequest("grid: a CLIP label is empty");
    if (!g.heat_label.empty() && std::find(g.labels.begin(), g.labels.end(), g.heat_label) == g.labels.end())
        throw InvalidRequest("grid: the heat-map label '" + g.heat_label + "' is not one of the labels");
    if (!g.prompt_template.empty() && g.prompt_template.find("{}") == std::string::npos)
        throw InvalidRequest("grid: the CLIP prompt template must contain {}");
    if (g.out_dir.empty()) throw InvalidRequest("grid: output folder is not set");
    std::error_code ec;
    if (fs::exists(g.out_dir, ec) && !fs::is_directory(g.out_dir, ec))
        throw InvalidRequest("output folder '" + g.out_dir.string() + "' is a file");
    for (const GenerateRequest& cell : grid_cell_requests(g, 0)) validate(cell);
}

std::vector<GenerateRequest> grid_cell_requests(const GridRequest& g, uint64_t seed) {
    const Dims d = dims_of(g);
    std::vector<GenerateRequest> cells;
    cells.reserve(d.count());
    for (size_t i = 0; i < d.count(); ++i) {
        const std::array<int, 3> c = coords(d, i);
        GenerateRequest r = g.base;
        r.images_per_prompt = 1;
        r.keep_pixels = false;
        r.save_tensors.clear();
        r.out_dir = g.out_dir / "cells";
        if (!r.seed) r.seed = seed;
        try {
            for (size_t a = 0; a < g.axes.size(); ++a) apply_axis(r, g.axes[a], size_t(c[a]));
            validate(r);
        } catch (const InvalidRequest& e) {
            throw InvalidRequest("grid cell (" + cell_name(g, c) + "): " + e.what());
        }
        r.file_name = generation_key(r) + ".png";
        cells.push_back(std::move(r));
    }
    return cells;
}

GridResult run_grid(const GridRequest& g, JobSink& sink, ModelCache& cache) {
    const auto start = std::chrono::steady_clock::now();
    validate(g);
    GridResult result;
    const Dims d = dims_of(g);
    result.nx = d.nx;
    result.ny = d.ny;
    result.nz = d.nz;
    if (g.base.seed) {
        result.seed = *g.base.seed;
    } else {
        // One seed for the whole grid (as A1111), so that cells differ only along the axes.
        std::random_device rd;
        result.seed = rd();
    }
    const std::vector<GenerateRequest> requests = grid_cell_requests(g, result.seed);
    const std::vector<size_t> order = run_order(g, d);

    // Which cells an earlier run made; the rest count for progress and the ETA.
    std::vector<std::optional<std::string>> existing(requests.size());
    int steps_total = 0;
    for (size_t i = 0; i < requests.size(); ++i) {
        existing[i] = existing_cell(requests[i].out_dir / requests[i].file_name);
        if (!existing[i]) steps_total += requests[i].steps;
    }
    std::error_code ec;
    fs::create_directories(g.out_dir / "cells", ec);
    if (!fs::is_directory(g.out_dir / "cells")) fail("cannot create the output folder '" + (g.out_dir / "cells").string() + "'");

    std::vector<std::optional<GridCell>> cells(requests.size());
    int steps_done = 0, n = 0;
    for (const size_t i : order) {
        if (sink.cancelled()) break;
        const std::array<int, 3> c = coords(d, i);
        const std::string name = cell_name(g, c);
        ++n;
        GridCell cell;
        cell.x = c[0];
        cell.y = c[1];
        cell.z = c[2];
        cell.file = requests[i].out_dir / requests[i].file_name;
        const std::string stage = "cell " + std::to_string(n) + "/" + std::to_string(requests.size()) + " (" + name + ")";
        if (existing[i]) {
            cell.parameters = *existing[i];
            cell.reused = true;
            ++result.reused;
        } else {
            CellSink cell_sink(sink, stage, steps_done, steps_total);
            GenerateResult out;
            try {
                out = run_generate(requests[i], cell_sink, cache);
            } catch (const ModelNotFound&) {
                throw;  // keeps its catalogue entry for the front ends' download offer
            } catch (const InvalidRequest& e) {
                throw InvalidRequest("grid cell (" + name + "): " + e.what());
            } catch (const Error& e) {
                fail("grid cell (" + name + "): " + e.what());
            }
            if (out.cancelled) break;
            steps_done += requests[i].steps;
            cell.parameters = out.images.at(0).parameters;
            ++result.generated;
        }
        if (!g.labels.empty()) {
            sink.on_stage(stage + ": scoring");
            ScoreRequest s;
            s.clip = g.clip;
            s.images = {cell.file};
            s.labels = g.labels;
            s.prompt_template = g.prompt_template;
            const ScoreResult scored = run_score(s, sink, cache);
            if (scored.cancelled) break;
            cell.scores = scored.images.at(0).labels;
            cell.best = scored.images.at(0).best;
        }
        if (g.on_cell) g.on_cell(cell);
        result.cells.push_back(cell);
        cells[i] = std::move(cell);
    }
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (result.cells.size() < requests.size()) {
        result.cancelled = true;
        sink.on_message("grid cancelled: " + std::to_string(result.cells.size()) + " of " + std::to_string(requests.size()) +
                        " cells are kept in " + (g.out_dir / "cells").string() + "; running the grid again reuses them");
        return result;
    }

    // The grid picture: every cell's PNG in its slot, the best label under it with labels.
    sink.on_stage("drawing the grid");
    GridLayout layout = base_layout(g, d);
    for (size_t i = 0; i < requests.size(); ++i) {
        const Rgb8Image rgb = to_rgb8(to_rgb(read_image(cells[i]->file)));
        GridPicture& pic = layout.cells[i];
        pic.width = rgb.width;
        pic.height = rgb.height;
        pic.rgb = rgb.pixels;
        layout.cell_width = std::max(layout.cell_width, rgb.width);
        layout.cell_height = std::max(layout.cell_height, rgb.height);
        if (cells[i]->best >= 0) {
            const LabelProbability& best = cells[i]->scores[size_t(cells[i]->best)];
            pic.caption = best.label + " " + percent(best.probability);
        }
    }
    if (!g.labels.empty()) layout.legend.push_back("Under each cell: CLIP's most probable label (" + g.clip + ")");
    const fs::path stem = next_grid_stem(g.out_dir);
    const std::string parameters = grid_parameters(g, cells[0]->parameters);
    result.grid_file = stem.string() + ".png";
    write_canvas(result.grid_file, draw_grid(layout), parameters);

    if (!g.labels.empty()) {
        // The heat map: one label's probability per cell, on the same axes.
        const std::string heat = g.heat_label.empty() ? g.labels.front() : g.heat_label;
        const size_t li = size_t(std::find(g.labels.begin(), g.labels.end(), heat) - g.labels.begin());
        GridLayout map = base_layout(g, d);
        map.cell_width = map.cell_height = 112;
        for (size_t i = 0; i < requests.size(); ++i) {
            const double p = cells[i]->scores.at(li).probability;
            map.cells[i].fill = heat_color(p);
            map.cells[i].overlay = percent(p);
        }
        map.legend.push_back("CLIP probability of \"" + heat + "\" among " + std::to_string(g.labels.size()) +
                             " labels (" + g.clip + "); colour: 0% dark violet to 100% yellow");
        result.heatmap_file = stem.string() + "-heatmap.png";
        write_canvas(result.heatmap_file, draw_grid(map), parameters);

        std::string csv;
        static const char* names[] = {"x", "y", "z"};
        for (size_t a = 0; a < g.axes.size(); ++a) csv += std::string(names[a]) + ":" + g.axes[a].name + ",";
        csv += "file,reused";
        for (const std::string& l : g.labels) csv += "," + csv_field("p(" + l + ")");
        csv += ",best\n";
        for (size_t i = 0; i < requests.size(); ++i) {
            const GridCell& cell = *cells[i];
            const int idx[] = {cell.x, cell.y, cell.z};
            for (size_t a = 0; a < g.axes.size(); ++a) csv += csv_field(g.axes[a].values[size_t(idx[a])]) + ",";
            csv += csv_field(fs::relative(cell.file, g.out_dir, ec).string()) + "," + (cell.reused ? "1" : "0");
            for (const LabelProbability& p : cell.scores) {
                char buf[32];
                std::snprintf(buf, sizeof buf, ",%.6f", p.probability);
                csv += buf;
            }
            csv += "," + csv_field(cell.scores.at(size_t(cell.best)).label) + "\n";
        }
        result.csv_file = stem.string() + ".csv";
        write_bytes_atomically(result.csv_file, csv);
    }
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

}  // namespace pictor::jobs
