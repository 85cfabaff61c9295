// Text on a Canvas with FreeType and a TrueType font (DejaVu Sans from Debian's fonts-dejavu-core,
// the font A1111's grids use): axis labels and legends of parameter grids.
//
// Failure contract: the constructor throws pictor::Error naming the font file when it is missing or
// not a font. Text is UTF-8 (see code_points_of for text that is not).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <cstdint>
#include <vector>

#include "core/image/canvas.h"

namespace pictor {

// The system's DejaVu Sans (fonts-dejavu-core); PICTOR_FONT overrides it.
std::filesystem::path default_font_file();

class TextRenderer {
public:
    TextRenderer(const std::filesystem::path& font_file, int pixel_size);
    ~TextRenderer();
    TextRenderer(const TextRenderer&) = delete;
    TextRenderer& operator=(const TextRenderer&) = delete;

    int line_height() const;
    int text_width(std::string_view utf8) const;
    // Draws one line with its top at y (the ascender below it), left edge at x.
    void draw(Canvas& canvas, int x, int y, std::string_view utf8, Color color) const;
    // `text` cut with "…" so that it fits in `max_width` pixels (unchanged when it fits).
    std::string elide(const std::string& text, int max_width) const;
    // Greedy word wrap into lines no wider than `max_width` (a word wider than that is elided).
    std::vector<std::string> wrap(const std::string& text, int max_width) const;

private:
    struct Face;
    std::unique_ptr<Face> face_;
};

// UTF-8 → code points for glyph lookup; text that is not valid UTF-8 keeps its ASCII bytes and
// shows U+FFFD for the others.
std::vector<uint32_t> code_points_of(std::string_view utf8);

}  // namespace pictor
