#include "core/image/text_render.h"

#include <cstdlib>

#include <ft2build.h>
#include FT_FREETYPE_H

#include "core/util/error.h"
#include "core/util/utf8.h"

namespace pictor {

namespace fs = std::filesystem;

fs::path default_font_file() {
    if (const char* env = std::getenv("PICTOR_FONT"); env && *env) return env;
    return "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
}

struct TextRenderer::Face {
    FT_Library library = nullptr;
    FT_Face face = nullptr;
    ~Face() {
        if (face) FT_Done_Face(face);
        if (library) FT_Done_FreeType(library);
    }
};

TextRenderer::TextRenderer(const fs::path& font_file, int pixel_size) : face_(std::make_unique<Face>()) {
    if (FT_Init_FreeType(&face_->library) != 0) fail("FreeType could not be initialised");
    std::error_code ec;
    if (!fs::is_regular_file(font_file, ec))
        fail("font file '" + font_file.string() + "' does not exist (Debian package fonts-dejavu-core; PICTOR_FONT overrides it)");
    if (FT_New_Face(face_->library, font_file.c_str(), 0, &face_->face) != 0)
        fail("'" + font_file.string() + "' is not a font FreeType can read");
    if (FT_Set_Pixel_Sizes(face_->face, 0, FT_UInt(pixel_size)) != 0)
        fail("font '" + font_file.string() + "' has no size " + std::to_string(pixel_size) + " px");
}

TextRenderer::~TextRenderer() = default;

int TextRenderer::line_height() const { return int(face_->face->size->metrics.height >> 6); }

int TextRenderer::text_width(std::string_view utf8) const {
    int width = 0;
    for (uint32_t cp : code_points_of(utf8))
        if (FT_Load_Char(face_->face, cp, FT_LOAD_DEFAULT) == 0) width += int(face_->face->glyph->advance.x >> 6);
    return width;
}

void TextRenderer::draw(Canvas& canvas, int x, int y, std::string_view utf8, Color color) const {
    const int baseline = y + int(face_->face->size->metrics.ascender >> 6);
    int pen = x;
    for (uint32_t cp : code_points_of(utf8)) {
        if (FT_Load_Char(face_->face, cp, FT_LOAD_RENDER) != 0) continue;  // no glyph: skip it
        const FT_GlyphSlot g = face_->face->glyph;
        const FT_Bitmap& bm = g->bitmap;
        for (unsigned row = 0; row < bm.rows; ++row)
            for (unsigned col = 0; col < bm.width; ++col)
                canvas.blend(pen + g->bitmap_left + int(col), baseline - g->bitmap_top + int(row), color,
                             bm.buffer[row * unsigned(bm.pitch) + col]);
        pen += int(g->advance.x >> 6);
    }
}

std::string TextRenderer::elide(const std::string& text, int max_width) const {
    if (text_width(text) <= max_width) return text;
    const std::string ellipsis = "\u2026";
    // The longest prefix, cut at a character boundary (never inside a UTF-8 sequence), that fits
    // with the ellipsis.
    for (size_t n = text.size(); n > 0; --n) {
        if (n < text.size() && (uint8_t(text[n]) & 0xC0) == 0x80) continue;
        std::string candidate = text.substr(0, n) + ellipsis;
        if (text_width(candidate) <= max_width) return candidate;
    }
    return ellipsis;
}

std::vector<std::string> TextRenderer::wrap(const std::string& text, int max_width) const {
    std::vector<std::string> lines;
    std::string line;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t end = text.find(' ', pos);
        if (end == std::string::npos) end = text.size();
        const std::string word = text.substr(pos, end - pos);
        pos = end + 1;
        if (word.empty()) continue;
        const std::string candidate = line.empty() ? word : line + " " + word;
        if (text_width(candidate) <= max_width) {
            line = candidate;
        } else {
            if (!line.empty()) lines.push_back(line);
            line = elide(word, max_width);
        }
    }
    if (!line.empty()) lines.push_back(line);
    return lines;
}

std::vector<uint32_t> code_points_of(std::string_view utf8) {
    std::vector<uint32_t> cps;
    if (decode_utf8(utf8, cps)) return cps;
    // Not UTF-8 (a label from a Latin-1 file, say): ASCII as is, every other byte U+FFFD.
    cps.clear();
    for (char c : utf8) cps.push_back(uint8_t(c) < 0x80 ? uint32_t(uint8_t(c)) : 0xFFFDu);
    return cps;
}

}  // namespace pictor
