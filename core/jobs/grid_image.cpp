#include "core/jobs/grid_image.h"

#include <algorithm>
#include <cmath>

#include "core/image/text_render.h"
#include "core/util/error.h"

namespace pictor::jobs {

namespace {

constexpr Color kBackground{255, 255, 255};
constexpr Color kText{0, 0, 0};
constexpr Color kMissing{224, 224, 224};

bool dark(Color c) { return 0.299 * c.r + 0.587 * c.g + 0.114 * c.b < 128; }

int max_lines(const TextRenderer& font, const std::vector<std::string>& labels, int width) {
    size_t n = 0;
    for (const std::string& l : labels) n = std::max(n, font.wrap(l, width).size());
    return int(n);
}

void draw_centered_lines(Canvas& canvas, const TextRenderer& font, const std::vector<std::string>& lines, int x, int y,
                         int width, int height, Color color) {
    const int total = int(lines.size()) * font.line_height();
    int ty = y + (height - total) / 2;
    for (const std::string& line : lines) {
        font.draw(canvas, x + (width - font.text_width(line)) / 2, ty, line, color);
        ty += font.line_height();
    }
}

}  // namespace

Color heat_color(double p) {
    // Ref: matplotlib's viridis colormap, sampled at 0, .25, .5, .75, 1.
    static constexpr Color stops[] = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
    const double t = std::clamp(std::isfinite(p) ? p : 0.0, 0.0, 1.0) * 4;
    const int i = std::min(int(t), 3);
    const double f = t - i;
    const auto lerp = [f](uint8_t a, uint8_t b) { return uint8_t(std::lround(a + (b - a) * f)); };
    return {lerp(stops[i].r, stops[i + 1].r), lerp(stops[i].g, stops[i + 1].g), lerp(stops[i].b, stops[i + 1].b)};
}

Canvas draw_grid(const GridLayout& g) {
    if (g.nx < 1 || g.ny < 1 || g.nz < 1 || g.cells.size() != size_t(g.nx) * size_t(g.ny) * size_t(g.nz))
        fail("grid layout: " + std::to_string(g.cells.size()) + " cells for " + std::to_string(g.nx) + "x" +
             std::to_string(g.ny) + "x" + std::to_string(g.nz));
    const int cw = g.cell_width, ch = g.cell_height;
    // Ref: A1111 images.draw_grid_annotations: the font size follows the cell size.
    const int font_px = std::clamp((cw + ch) / 25, 12, 40);
    const TextRenderer font(default_font_file(), font_px);
    const TextRenderer small(default_font_file(), std::max(11, font_px * 3 / 4));
    const int pad = font.line_height() / 2;
    const int lh = font.line_height();

    const bool has_captions = std::any_of(g.cells.begin(), g.cells.end(), [](const GridPicture& c) { return !c.caption.empty(); });
    const int caption_h = has_captions ? small.line_height() + pad / 2 : 0;
    const int left_w = g.y_labels.empty() ? 0 : std::min(std::max(cw, 120), [&] {
        int w = 0;
        for (const std::string& l : g.y_labels) w = std::max(w, font.text_width(l));
        return w;
    }()) + 2 * pad;
    const int top_h = g.x_labels.empty() ? 0 : max_lines(font, g.x_labels, cw) * lh + 2 * pad;
    const int title_h = g.z_labels.empty() ? 0 : lh + 2 * pad;
    const int block_w = left_w + g.nx * cw;
    const int block_h = title_h + top_h + g.ny * (ch + caption_h);
    const int gap = g.nz > 1 ? 2 * pad : 0;
    const int width = g.nz * block_w + (g.nz - 1) * gap;
    std::vector<std::vector<std::string>> legend;
    int legend_h = 0;
    for (const std::string& line : g.legend) {
        legend.push_back(small.wrap(line, std::max(width - 2 * pad, 40)));
        legend_h += int(legend.back().size()) * small.line_height();
    }
    if (legend_h) legend_h += 2 * pad;
    Canvas canvas(width, block_h + legend_h, kBackground);

    for (int z = 0; z < g.nz; ++z) {
        const int bx = z * (block_w + gap);
        if (title_h) draw_centered_lines(canvas, font, {font.elide(g.z_labels[size_t(z)], block_w)}, bx, 0, block_w, title_h, kText);
        for (int x = 0; x < g.nx && top_h; ++x)
            draw_centered_lines(canvas, font, font.wrap(g.x_labels[size_t(x)], cw), bx + left_w + x * cw, title_h, cw, top_h, kText);
        for (int y = 0; y < g.ny; ++y) {
            const int cy = title_h + top_h + y * (ch + caption_h);
            if (left_w)
                draw_centered_lines(canvas, font, font.wrap(g.y_labels[size_t(y)], left_w - 2 * pad), bx + pad, cy, left_w - 2 * pad, ch,
                                    kText);
            for (int x = 0; x < g.nx; ++x) {
                const GridPicture& cell = g.cells[(size_t(z) * size_t(g.ny) + size_t(y)) * size_t(g.nx) + size_t(x)];
                const int cx = bx + left_w + x * cw;
                Color under = kBackground;
                if (cell.fill) {
                    under = *cell.fill;
                    canvas.fill_rect(cx + 1, cy + 1, cw - 2, ch - 2, under);
                } else if (cell.rgb.empty()) {
                    under = kMissing;
                    canvas.fill_rect(cx + 1, cy + 1, cw - 2, ch - 2, under);
                } else {
                    canvas.paste(cx + (cw - cell.width) / 2, cy + (ch - cell.height) / 2, cell.width, cell.height, cell.rgb.data());
                }
                if (!cell.overlay.empty())
                    draw_centered_lines(canvas, font, {font.elide(cell.overlay, cw)}, cx, cy, cw, ch,
                                        dark(under) ? Color{255, 255, 255} : kText);
                if (!cell.caption.empty())
                    draw_centered_lines(canvas, small, {small.elide(cell.caption, cw - 4)}, cx, cy + ch, cw, caption_h, kText);
            }
        }
    }
    int ly = block_h + pad;
    for (const auto& lines : legend)
        for (const std::string& line : lines) {
            small.draw(canvas, pad, ly, line, kText);
            ly += small.line_height();
        }
    return canvas;
}

}  // namespace pictor::jobs
