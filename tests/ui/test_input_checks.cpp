// What the sampler fields do to what the user types: sizes in multiples of 8, out-of-range
// steps, each correction said in words under the fields (never a silent snap back).
#include "tests/support/catch.h"

#include "tests/ui/ui_test_support.h"
#include "ui/checked_spin_box.h"
#include "ui/sampler_panel.h"

#include <QLabel>
#include <QLineEdit>

using namespace pictor::ui;
using pictor::test::ensureApp;

namespace {

// Types `text` into the field as a user would, then ends the edit (Enter / leaving the field).
void typeInto(CheckedSpinBox* b, const QString& text) {
    b->findChild<QLineEdit*>()->setText(text);
    b->interpretText();
}

}  // namespace

TEST_CASE("sampler fields correct sizes and steps and say so", "[ui][input]") {
    ensureApp();
    SamplerPanel panel;
    panel.show();
    const QList<CheckedSpinBox*> boxes = panel.findChildren<CheckedSpinBox*>();
    REQUIRE(boxes.size() == 4);  // steps, images, width, height
    auto* message = panel.findChild<QLabel*>(QStringLiteral("samplerMessage"));
    REQUIRE(message);
    CHECK_FALSE(message->isVisible());

    CheckedSpinBox* width = nullptr;
    CheckedSpinBox* steps = nullptr;
    for (CheckedSpinBox* b : boxes) {
        if (b->suffix() == QStringLiteral(" px") && !width) width = b;
        if (b->maximum() == 500) steps = b;
    }
    REQUIRE(width);
    REQUIRE(steps);

    // 70 is not a size the engine takes: the nearest multiple of 8, and the reason.
    typeInto(width, QStringLiteral("70 px"));
    CHECK(width->value() == 72);
    CHECK(message->isVisible());
    CHECK(message->text().contains(QStringLiteral("multiple of 8")));
    CHECK(message->text().contains(QStringLiteral("72 px")));

    // A multiple of 8 is taken as typed, and the next edit clears the message.
    width->findChild<QLineEdit*>()->textEdited(QStringLiteral("512 px"));
    CHECK_FALSE(message->isVisible());
    typeInto(width, QStringLiteral("512 px"));
    CHECK(width->value() == 512);
    CHECK_FALSE(message->isVisible());

    // Steps 0 is below the range: 1, said in words.
    typeInto(steps, QStringLiteral("0"));
    CHECK(steps->value() == 1);
    CHECK(message->isVisible());
    CHECK(message->text().contains(QStringLiteral("Steps must be 1 to 500")));
}
