// The grid job (pictor-cli grid, the studio's grid panel): axes parsed as A1111 writes them, each
// cell the same PNG as a single generate run, reruns and cancels that reuse finished cells, CLIP
// scores per cell with a heat map and a CSV.
#include "tests/support/catch.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/image/image_io.h"
#include "core/jobs/grid_image.h"
#include "core/jobs/grid_job.h"
#include "core/jobs/job_error.h"
#include "core/jobs/score_job.h"
#include "tests/support/fixtures.h"

using namespace pictor;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

struct Quiet : JobSink {};

// Cancels once `after` cells have been reported through on_cell.
struct CancelAfter : JobSink {
    int cells = 0, after = 1;
    bool cancelled() const override { return cells >= after; }
};

std::vector<std::string> values_of(const std::string& text) { return jobs::parse_axis(text).values; }

jobs::GridRequest tiny_grid(const fs::path& sd, const fs::path& out) {
    jobs::GridRequest g;
    g.base.model = sd.string();
    g.base.prompts = {"a watercolor painting of a fox"};
    g.base.negative_prompts = {"blurry"};
    g.base.seed = 7;
    g.base.guidance = 7.5;
    g.axes = {jobs::parse_axis("steps=1,2"), jobs::parse_axis("guidance=1,7.5")};
    g.out_dir = out;
    return g;
}

std::string read_text(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

bool same_pixels(const fs::path& a, const fs::path& b) { return at::equal(read_image(a), read_image(b)); }

}  // namespace

TEST_CASE("grid axes: values, A1111's ranges and quotes", "[jobs][grid]") {
    CHECK(values_of("steps=10,20,30") == std::vector<std::string>{"10", "20", "30"});
    CHECK(values_of("Steps = 10-30 (+10)") == std::vector<std::string>{"10", "20", "30"});
    CHECK(values_of("steps=1-10 [4]") == std::vector<std::string>{"1", "4", "7", "10"});
    CHECK(values_of("steps=5-1 (-2)") == std::vector<std::string>{"5", "3", "1"});
    CHECK(values_of("cfg=3,7.5,12") == std::vector<std::string>{"3", "7.5", "12"});
    CHECK(values_of("guidance=1-2 [3]") == std::vector<std::string>{"1.0", "1.5", "2.0"});
    CHECK(values_of("guidance=1-2 (+0.5)") == std::vector<std::string>{"1.0", "1.5", "2.0"});
    CHECK(values_of("prompt_sr=fox,\"cat, black\",  dog ") == std::vector<std::string>{"fox", "cat, black", "dog"});
    CHECK(values_of("sampler=pndm,Euler a") == std::vector<std::string>{"pndm", "Euler a"});
    CHECK(jobs::parse_axis("cfg=1").name == "guidance");
    CHECK(jobs::parse_axis("model=a,b").kind == jobs::AxisKind::checkpoint);

    CHECK_THROWS_WITH(jobs::parse_axis("colour=1,2"), Contains("'colour' is unknown") && Contains("prompt_sr"));
    CHECK_THROWS_WITH(jobs::parse_axis("steps"), Contains("NAME=VALUE"));
    CHECK_THROWS_WITH(jobs::parse_axis("steps=10,abc"), Contains("steps: 'abc' is not an integer"));
    CHECK_THROWS_WITH(jobs::parse_axis("steps=2.5"), Contains("'2.5' is not an integer"));
    CHECK_THROWS_WITH(jobs::parse_axis("guidance=nan"), Contains("'nan' is not a number"));
    CHECK_THROWS_WITH(jobs::parse_axis("steps="), Contains("has no values"));
    CHECK_THROWS_WITH(jobs::parse_axis("steps=1,,2"), Contains("empty value"));
    CHECK_THROWS_WITH(jobs::parse_axis("sampler=pndm,heun9"), Contains("'heun9' is unknown"));
    CHECK_THROWS_WITH(jobs::parse_axis("seed=-1"), Contains("negative"));
    CHECK_THROWS_WITH(jobs::parse_axis("size=512x"), Contains("not a size"));
    CHECK_THROWS_WITH(jobs::parse_axis("steps=1-100000"), Contains("over 1000"));
    CHECK_THROWS_WITH(jobs::parse_axis("prompt_sr=\"fox"), Contains("not closed"));
}

TEST_CASE("grid axes: how a value changes the request", "[jobs][grid]") {
    jobs::GenerateRequest r;
    r.prompts = {"a fox in the snow, fox"};
    r.negative_prompts = {"a blurry fox"};
    jobs::apply_axis(r, jobs::parse_axis("prompt_sr=fox,cat"), 1);
    CHECK(r.prompts[0] == "a cat in the snow, cat");
    CHECK(r.negative_prompts[0] == "a blurry cat");
    CHECK_THROWS_WITH(jobs::apply_axis(r, jobs::parse_axis("prompt_sr=wolf,dog"), 1), Contains("'wolf' is in neither"));
    jobs::apply_axis(r, jobs::parse_axis("size=64x48,32"), 0);
    CHECK((r.width == 64 && r.height == 48));
    jobs::apply_axis(r, jobs::parse_axis("size=64x48,32"), 1);
    CHECK((r.width == 32 && r.height == 32));
    jobs::apply_axis(r, jobs::parse_axis("seed=5,6"), 1);
    CHECK(r.seed == uint64_t(6));
    CHECK_THROWS_WITH(jobs::apply_axis(r, jobs::parse_axis("lora=0.5"), 0), Contains("none is given"));
    r.loras = {{"a.safetensors", 1.0, 1.0}};
    jobs::apply_axis(r, jobs::parse_axis("lora=0.5"), 0);
    CHECK((r.loras[0].unet_scale == 0.5 && r.loras[0].text_encoder_scale == 0.5));
    CHECK_THROWS_WITH(jobs::apply_axis(r, jobs::parse_axis("strength=0.5"), 0), Contains("give an init image"));
    CHECK(jobs::axis_value_label(jobs::parse_axis("cfg=7.5"), 0) == "CFG Scale: 7.5");
    CHECK(jobs::axis_value_label(jobs::parse_axis("model=/m/dreamshaper.safetensors"), 0) == "Checkpoint: dreamshaper.safetensors");
}

TEST_CASE("generation key: equal parameters give an equal key, any change another", "[jobs][grid]") {
    jobs::GenerateRequest a;
    a.model = "m";
    a.prompts = {"p"};
    a.seed = 1;
    jobs::GenerateRequest b = a;
    CHECK(jobs::generation_key(a) == jobs::generation_key(b));
    CHECK(jobs::generation_key(a).size() == 16);
    b.steps = 51;
    CHECK(jobs::generation_key(a) != jobs::generation_key(b));
    b = a;
    b.prompts = {"p", ""};  // two fields cannot read as one
    a.prompts = {"p\nprompt=0:"};
    CHECK(jobs::generation_key(a) != jobs::generation_key(b));
    b = a;
    b.loras = {{"x", 0.5, 0.5}};
    CHECK(jobs::generation_key(a) != jobs::generation_key(b));
    b = a;
    b.out_dir = "elsewhere";  // where it is written does not change the pixels
    CHECK(jobs::generation_key(a) == jobs::generation_key(b));
}

TEST_CASE("grid validation names the cell, the axis and the value", "[jobs][grid]") {
    jobs::GridRequest g;
    g.base.model = "m";
    g.base.prompts = {"a fox"};
    CHECK_THROWS_WITH(jobs::validate(g), Contains("at least an X axis"));
    g.axes = {jobs::parse_axis("steps=1,2"), jobs::parse_axis("steps=3")};
    CHECK_THROWS_WITH(jobs::validate(g), Contains("steps is given twice"));
    g.axes = {jobs::parse_axis("steps=1,2000")};
    CHECK_THROWS_WITH(jobs::validate(g), Contains("grid cell (Steps: 2000)") && Contains("steps"));
    g.axes = {jobs::parse_axis("steps=1-40"), jobs::parse_axis("seed=1-40")};
    CHECK_THROWS_WITH(jobs::validate(g), Contains("1600 cells"));
    g.axes = {jobs::parse_axis("size=64,70")};
    CHECK_THROWS_WITH(jobs::validate(g), Contains("grid cell (Size: 70)") && Contains("multiple"));
    g.axes = {jobs::parse_axis("steps=1")};
    g.labels = {"a fox"};
    CHECK_THROWS_WITH(jobs::validate(g), Contains("needs a CLIP model"));
    g.clip = "c";
    g.heat_label = "a dog";
    CHECK_THROWS_WITH(jobs::validate(g), Contains("'a dog' is not one of the labels"));
    g.heat_label.clear();
    g.base.prompts = {"a", "b"};
    CHECK_THROWS_WITH(jobs::validate(g), Contains("exactly one prompt"));
}

TEST_CASE("grid job: each cell is the single generate run's PNG, and a rerun reuses every cell", "[jobs][grid]") {
    PICTOR_REQUIRE_FIXTURES(sd, "sd-tiny");
    test::TempDir tmp;
    const jobs::GridRequest g = tiny_grid(sd, tmp / "grid");
    Quiet sink;
    const jobs::GridResult result = jobs::run_grid(g, sink);
    REQUIRE_FALSE(result.cancelled);
    REQUIRE(result.cells.size() == 4);
    CHECK(result.generated == 4);
    CHECK(result.seed == 7);

    // The cell (steps 2, guidance 7.5) equals `generate` with those settings, pixels and parameters.
    jobs::GenerateRequest single = g.base;
    single.steps = 2;
    single.guidance = 7.5;
    single.images_per_prompt = 1;
    single.out_dir = tmp / "single";
    const jobs::GenerateResult one = jobs::run_generate(single, sink);
    const auto cell = std::find_if(result.cells.begin(), result.cells.end(), [](const jobs::GridCell& c) { return c.x == 1 && c.y == 1; });
    REQUIRE(cell != result.cells.end());
    CHECK(same_pixels(cell->file, one.images[0].file));
    CHECK(cell->parameters == one.images[0].parameters);
    CHECK_THAT(cell->parameters, Contains("Steps: 2") && Contains("CFG scale: 7.5") && Contains("Seed: 7"));

    // The grid: 2 columns and 2 rows of 64 px cells plus the axis titles; A1111's X/Y/Z fields.
    const at::Tensor grid = read_image(result.grid_file);
    CHECK(grid.size(1) > 2 * 64);
    CHECK(grid.size(0) > 2 * 64);
    const auto text = read_png_text(result.grid_file).at("parameters");
    CHECK_THAT(text, Contains("Script: X/Y/Z plot") && Contains("X Type: Steps") && Contains("X Values: \"1,2\"") &&
                         Contains("Y Type: CFG Scale") && Contains("Seed: 7"));
    CHECK(result.csv_file.empty());  // no labels, no scores

    const jobs::GridResult again = jobs::run_grid(g, sink);
    CHECK(again.generated == 0);
    CHECK(again.reused == 4);
    CHECK(again.grid_file != result.grid_file);  // grid-00001.png beside grid-00000.png
    CHECK(same_pixels(again.grid_file, result.grid_file));
}

TEST_CASE("grid job: a cancel keeps the finished cells, the rerun makes only the rest", "[jobs][grid]") {
    PICTOR_REQUIRE_FIXTURES(sd, "sd-tiny");
    test::TempDir tmp;
    jobs::GridRequest g = tiny_grid(sd, tmp / "grid");
    CancelAfter cancel;
    cancel.after = 1;
    g.on_cell = [&cancel](const jobs::GridCell&) { ++cancel.cells; };
    const jobs::GridResult cut = jobs::run_grid(g, cancel);
    CHECK(cut.cancelled);
    REQUIRE(cut.cells.size() == 1);
    CHECK(fs::exists(cut.cells[0].file));
    CHECK(cut.grid_file.empty());
    CHECK_FALSE(fs::exists(tmp / "grid" / "grid-00000.png"));

    g.on_cell = nullptr;
    Quiet sink;
    const jobs::GridResult rest = jobs::run_grid(g, sink);
    CHECK(rest.reused == 1);
    CHECK(rest.generated == 3);
    CHECK(fs::exists(rest.grid_file));
}

TEST_CASE("grid job: CLIP scores every cell, with a heat map and a CSV", "[jobs][grid]") {
    PICTOR_REQUIRE_FIXTURES(sd, "sd-tiny");
    PICTOR_REQUIRE_FIXTURES(clip, "clip-tiny");
    test::TempDir tmp;
    jobs::GridRequest g = tiny_grid(sd, tmp / "grid");
    g.axes = {jobs::parse_axis("prompt_sr=fox,cat"), jobs::parse_axis("steps=1,2")};
    g.labels = {"a fox", "a cat", "a house"};
    g.clip = clip.string();
    g.heat_label = "a cat";
    std::vector<jobs::GridCell> seen;
    g.on_cell = [&seen](const jobs::GridCell& c) { seen.push_back(c); };
    Quiet sink;
    const jobs::GridResult result = jobs::run_grid(g, sink);
    REQUIRE(result.cells.size() == 4);
    CHECK(seen.size() == 4);
    CHECK_THAT(read_png_text(result.cells[1].file).at("parameters"), Contains("a watercolor painting of a cat"));

    // Every cell's scores are the score job's on that file.
    for (const jobs::GridCell& cell : result.cells) {
        jobs::ScoreRequest s;
        s.clip = clip.string();
        s.images = {cell.file};
        s.labels = g.labels;
        const jobs::ScoreResult scored = jobs::run_score(s, sink);
        REQUIRE(cell.scores.size() == 3);
        double sum = 0;
        for (size_t i = 0; i < 3; ++i) {
            CHECK(cell.scores[i].probability == scored.images[0].labels[i].probability);
            sum += cell.scores[i].probability;
        }
        CHECK(sum == Approx(1.0).epsilon(1e-6));
        CHECK(cell.best == scored.images[0].best);
    }

    REQUIRE(fs::exists(result.heatmap_file));
    const at::Tensor map = read_image(result.heatmap_file);
    CHECK(map.size(1) >= 2 * 112);
    const std::string csv = read_text(result.csv_file);
    CHECK_THAT(csv, Contains("x:prompt_sr,y:steps,file,reused,p(a fox),p(a cat),p(a house),best\n"));
    CHECK(std::count(csv.begin(), csv.end(), '\n') == 5);
    CHECK_THAT(csv, Contains("cat,2,cells/"));
    CHECK_THAT(read_png_text(result.grid_file).at("parameters"), Contains("CLIP labels: \"a fox,a cat,a house\""));
}

TEST_CASE("grid picture: cells in their slots under the axis titles, heat colours", "[jobs][grid]") {
    jobs::GridLayout g;
    g.nx = 2;
    g.ny = 1;
    g.cell_width = g.cell_height = 32;
    g.x_labels = {"Steps: 1", "Steps: 2"};
    g.y_labels = {"CFG Scale: 7"};
    std::vector<uint8_t> red(32 * 32 * 3), blue(32 * 32 * 3);
    for (size_t i = 0; i < red.size(); i += 3) {
        red[i] = 255;
        blue[i + 2] = 255;
    }
    g.cells = {{32, 32, red, {}, "", ""}, {32, 32, blue, {}, "", "a fox 87%"}};
    const Canvas c = jobs::draw_grid(g);
    // The right-most 64 columns above the caption strip hold the two cells, red then blue.
    const auto px = [&c](int x, int y) { return &c.rgb()[(size_t(y) * size_t(c.width()) + size_t(x)) * 3]; };
    int cell_row = -1;
    for (int y = 0; y < c.height() && cell_row < 0; ++y)
        if (px(c.width() - 1, y)[2] == 255 && px(c.width() - 1, y)[0] == 0) cell_row = y;
    REQUIRE(cell_row > 0);  // under the column titles
    CHECK(px(c.width() - 33, cell_row)[0] == 255);  // the red cell left of the blue one
    CHECK(px(c.width() - 33, cell_row)[2] == 0);
    CHECK(c.width() > 64);  // the row title's column on the left
    g.cells.pop_back();
    CHECK_THROWS_WITH(jobs::draw_grid(g), Contains("1 cells for 2x1x1"));

    CHECK(jobs::heat_color(0).r == 68);
    CHECK(jobs::heat_color(1).g == 231);
    CHECK(jobs::heat_color(std::nan("")).r == 68);
}
