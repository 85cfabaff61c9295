#include "core/image/canvas.h"

#include <algorithm>
#include <cstring>

#include "core/util/error.h"

namespace pictor {

Canvas::Canvas(int width, int height, Color background) : width_(width), height_(height) {
    if (width <= 0 || height <= 0 || int64_t(width) * height > (int64_t(1) << 28))
        fail("canvas size " + std::to_string(width) + "x" + std::to_string(height) + " is out of range");
    rgb_.resize(size_t(width) * size_t(height) * 3);
    fill_rect(0, 0, width, height, background);
}

void Canvas::fill_rect(int x, int y, int w, int h, Color c) {
    const int x0 = std::max(x, 0), y0 = std::max(y, 0);
    const int x1 = std::min(x + w, width_), y1 = std::min(y + h, height_);
    for (int yy = y0; yy < y1; ++yy) {
        uint8_t* p = &rgb_[(size_t(yy) * size_t(width_) + size_t(x0)) * 3];
        for (int xx = x0; xx < x1; ++xx, p += 3) {
            p[0] = c.r;
            p[1] = c.g;
            p[2] = c.b;
        }
    }
}

void Canvas::paste(int x, int y, int w, int h, const uint8_t* rgb) {
    const int x0 = std::max(x, 0), x1 = std::min(x + w, width_);
    if (x0 >= x1) return;
    for (int row = std::max(0, -y); row < h && y + row < height_; ++row) {
        const uint8_t* src = rgb + (size_t(row) * size_t(w) + size_t(x0 - x)) * 3;
        uint8_t* dst = &rgb_[(size_t(y + row) * size_t(width_) + size_t(x0)) * 3];
        std::memcpy(dst, src, size_t(x1 - x0) * 3);
    }
}

void Canvas::blend(int x, int y, Color c, uint8_t alpha) {
    if (x < 0 || y < 0 || x >= width_ || y >= height_ || alpha == 0) return;
    uint8_t* p = &rgb_[(size_t(y) * size_t(width_) + size_t(x)) * 3];
    const auto mix = [alpha](uint8_t under, uint8_t over) {
        return uint8_t((under * (255 - alpha) + over * alpha + 127) / 255);
    };
    p[0] = mix(p[0], c.r);
    p[1] = mix(p[1], c.g);
    p[2] = mix(p[2], c.b);
}

}  // namespace pictor
