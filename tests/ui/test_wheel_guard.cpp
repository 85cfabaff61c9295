// The mouse wheel changes no spin box, combo box or slider of the studio that the user is not
// editing (a scroll once changed the test split and saved it).
#include "tests/support/catch.h"

#include "tests/support/fixtures.h"
#include "tests/ui/ui_test_support.h"
#include "ui/main_window.h"
#include "ui/wheel_guard.h"

#include <QAbstractSpinBox>
#include <QApplication>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QSpinBox>
#include <QScrollArea>
#include <QScrollBar>
#include <QVBoxLayout>
#include <QWheelEvent>

using namespace pictor::ui;
using pictor::test::ensureApp;
using pictor::test::TempDir;

namespace {

// One notch of the wheel over the middle of `widget`, as the window system delivers it.
void wheel(QWidget* widget, int delta) {
    const QPointF at(widget->width() / 2.0, widget->height() / 2.0);
    QWheelEvent event(at, widget->mapToGlobal(at), QPoint(), QPoint(0, delta), Qt::NoButton, Qt::NoModifier,
                      Qt::NoScrollPhase, false);
    QCoreApplication::sendEvent(widget, &event);
}

}  // namespace

TEST_CASE("the wheel leaves unfocused value fields alone", "[ui][wheel]") {
    ensureApp();
    WheelGuard guard;
    qApp->installEventFilter(&guard);
    QSpinBox spin;
    spin.setRange(0, 100);
    spin.setValue(50);
    spin.show();
    REQUIRE_FALSE(spin.hasFocus());
    wheel(&spin, 120);
    wheel(&spin, -240);
    CHECK(spin.value() == 50);
    QComboBox combo;
    combo.addItems({QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")});
    combo.show();
    wheel(&combo, -120);
    CHECK(combo.currentIndex() == 0);
    // Without the guard the same events do change the value: the test can fail.
    qApp->removeEventFilter(&guard);
    wheel(&spin, 120);
    CHECK(spin.value() != 50);
}

TEST_CASE("no field of the studio window changes under the wheel without focus", "[ui][wheel]") {
    ensureApp();
    TempDir dir;
    MainWindow window(QString::fromStdString((dir / "settings.yaml").string()));
    window.show();
    const QList<QAbstractSpinBox*> boxes = window.findChildren<QAbstractSpinBox*>();
    REQUIRE_FALSE(boxes.isEmpty());
    for (QAbstractSpinBox* box : boxes) {
        if (box->hasFocus()) continue;
        const QString before = box->text();
        wheel(box, 120);
        wheel(box, -360);
        CHECK(box->text() == before);
    }
    for (QComboBox* combo : window.findChildren<QComboBox*>()) {
        if (combo->hasFocus()) continue;
        const int before = combo->currentIndex();
        wheel(combo, -120);
        CHECK(combo->currentIndex() == before);
    }
}

TEST_CASE("the wheel scrolls a panel, also over its unfocused fields, and leaves their values alone", "[ui][wheel]") {
    ensureApp();
    WheelGuard guard;
    qApp->installEventFilter(&guard);
    QScrollArea area;
    auto* contents = new QWidget;
    auto* layout = new QVBoxLayout(contents);
    QSpinBox* spin = nullptr;
    for (int i = 0; i < 40; ++i) {
        auto* box = new QSpinBox;
        box->setRange(0, 100);
        box->setValue(50);
        layout->addWidget(box);
        if (i == 1) spin = box;
    }
    area.setWidget(contents);
    area.resize(200, 150);
    area.show();
    QScrollBar* bar = area.verticalScrollBar();
    REQUIRE(bar->maximum() > 0);
    REQUIRE(bar->value() == 0);
    // Over the panel itself (its viewport), as the window system delivers it.
    wheel(area.viewport(), -120);
    CHECK(bar->value() > 0);
    const int afterOne = bar->value();
    // Over an unfocused spin box: the panel scrolls on, the value stays.
    REQUIRE(spin->isVisible());
    wheel(spin, -120);
    CHECK(spin->value() == 50);
    CHECK(bar->value() > afterOne);
    qApp->removeEventFilter(&guard);
}
