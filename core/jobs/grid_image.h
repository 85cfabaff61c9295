// The picture of a parameter grid: cells in columns (X) and rows (Y), one block per Z value side
// by side, axis titles on the top and left, a caption under each cell, legend lines below.
// A1111's X/Y/Z plot layout (images.draw_grid_annotations), drawn with FreeType text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/image/canvas.h"

namespace pictor::jobs {

struct GridPicture {
    int width = 0, height = 0;
    std::vector<uint8_t> rgb;     // width*height*3; empty = a cell that was not made (drawn grey)
    std::optional<Color> fill;    // instead of a picture: a colour square (the heat map)
    std::string overlay;          // text centred on the cell (the heat map's percentage)
    std::string caption;          // one line under the cell ("watercolor fox 87%"); "" = none
};

struct GridLayout {
    int nx = 1, ny = 1, nz = 1;
    std::vector<std::string> x_labels, y_labels, z_labels;  // nx / ny / nz, or empty for no titles
    std::vector<GridPicture> cells;   // index (z * ny + y) * nx + x
    int cell_width = 0, cell_height = 0;  // the slot of every cell (pictures are centred in it)
    std::vector<std::string> legend;  // lines under the grid
};

Canvas draw_grid(const GridLayout& layout);

// A perceptually even colour scale for probabilities 0..1 (matplotlib's viridis, 5 stops).
Color heat_color(double p);

}  // namespace pictor::jobs
