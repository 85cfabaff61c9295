// An 8-bit RGB drawing surface for composed images (parameter grids, heat maps): filled
// rectangles, pasted pictures and text (core/image/text_render.h). Free of LibTorch so that layout
// code stays cheap to compile; `core/jobs/grid_image.cpp` turns it into a PNG.
#pragma once

#include <cstdint>
#include <vector>

namespace pictor {

struct Color {
    uint8_t r = 0, g = 0, b = 0;
};

class Canvas {
public:
    Canvas(int width, int height, Color background);

    int width() const { return width_; }
    int height() const { return height_; }
    const std::vector<uint8_t>& rgb() const { return rgb_; }  // row-major, 3 bytes per pixel

    // Clipped to the canvas: drawing partly or wholly outside it is not an error.
    void fill_rect(int x, int y, int w, int h, Color c);
    // Pastes a w×h RGB picture (3 bytes per pixel, rows packed) with its top-left corner at (x, y).
    void paste(int x, int y, int w, int h, const uint8_t* rgb);
    // Blends `c` over the pixel with coverage `alpha` (0..255), as text glyphs are drawn.
    void blend(int x, int y, Color c, uint8_t alpha);

private:
    int width_, height_;
    std::vector<uint8_t> rgb_;
};

}  // namespace pictor
