// The canvas and FreeType text of composed pictures (grid axis titles, legends): drawing is
// clipped, text lands where it is asked, widths add up, eliding fits, bad fonts are named.
#include "tests/support/catch.h"

#include "core/image/canvas.h"
#include "core/image/text_render.h"
#include "core/util/error.h"
#include "tests/support/fixtures.h"

#include <fstream>

using namespace pictor;
using Catch::Matchers::Contains;

namespace {

// The bounding box of pixels darker than the white background.
struct Box {
    int x0 = 1 << 30, y0 = 1 << 30, x1 = -1, y1 = -1;
};
Box ink(const Canvas& c) {
    Box b;
    for (int y = 0; y < c.height(); ++y)
        for (int x = 0; x < c.width(); ++x)
            if (c.rgb()[(size_t(y) * size_t(c.width()) + size_t(x)) * 3] < 128) {
                b.x0 = std::min(b.x0, x);
                b.y0 = std::min(b.y0, y);
                b.x1 = std::max(b.x1, x);
                b.y1 = std::max(b.y1, y);
            }
    return b;
}

}  // namespace

TEST_CASE("canvas: fill, paste and blend are clipped to the canvas", "[image][render]") {
    Canvas c(4, 3, {255, 255, 255});
    c.fill_rect(-2, -2, 4, 4, {10, 20, 30});  // the top-left 2x2 only
    CHECK(c.rgb()[0] == 10);
    CHECK(c.rgb()[(1 * 4 + 1) * 3 + 2] == 30);
    CHECK(c.rgb()[(2 * 4 + 2) * 3] == 255);
    const uint8_t two[] = {1, 2, 3, 4, 5, 6};  // 2x1 picture pasted half outside on the right
    c.paste(3, 2, 2, 1, two);
    CHECK(c.rgb()[(2 * 4 + 3) * 3 + 1] == 2);
    c.blend(10, 10, {0, 0, 0}, 255);  // outside: nothing, no crash
    c.blend(3, 0, {0, 0, 0}, 128);
    CHECK(c.rgb()[(0 * 4 + 3) * 3] == 127);
    CHECK_THROWS_WITH(Canvas(0, 5, {}), Contains("0x5 is out of range"));
}

TEST_CASE("text: drawn inside its box, widths add up, elide and wrap fit", "[image][render]") {
    const TextRenderer font(default_font_file(), 16);
    CHECK(font.line_height() >= 16);
    const int w = font.text_width("Steps: 20");
    CHECK(w > 40);
    CHECK(font.text_width("Steps: 20 Steps: 20") > 2 * w);
    Canvas c(200, 40, {255, 255, 255});
    font.draw(c, 10, 5, "Steps: 20", {0, 0, 0});
    const Box b = ink(c);
    CHECK(b.x0 >= 10);
    CHECK(b.x1 <= 10 + w);
    CHECK(b.y0 >= 5);
    CHECK(b.y1 < 5 + font.line_height());

    const std::string long_label = "a watercolor painting of a fox in the snow";
    const std::string cut = font.elide(long_label, 80);
    CHECK(font.text_width(cut) <= 80);
    CHECK(cut.size() < long_label.size());
    CHECK(cut.substr(cut.size() - 3) == "\u2026");
    CHECK(font.elide("fox", 80) == "fox");
    for (const std::string& line : font.wrap(long_label, 100)) CHECK(font.text_width(line) <= 100);
    CHECK(font.wrap(long_label, 100).size() >= 3);
    // Not UTF-8: drawn with replacement characters, never a crash; UTF-8 is cut at characters.
    CHECK(font.text_width("\xff\xfe fox") > font.text_width(" fox"));
    const std::string cut_utf8 = font.elide("ééééééééééééééééééé", 40);
    CHECK(code_points_of(cut_utf8).back() == 0x2026u);
}

TEST_CASE("text: a missing or broken font file is named", "[image][render]") {
    test::TempDir tmp;
    CHECK_THROWS_WITH(TextRenderer(tmp / "none.ttf", 12), Contains("none.ttf' does not exist") && Contains("fonts-dejavu-core"));
    {
        std::ofstream(tmp / "bad.ttf") << "not a font";
    }
    CHECK_THROWS_WITH(TextRenderer(tmp / "bad.ttf", 12), Contains("bad.ttf' is not a font"));
}
