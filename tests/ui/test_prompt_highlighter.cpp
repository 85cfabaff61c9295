// The prompt editors highlight A1111 weights as the engine's parser reads them, across lines.
#include "tests/support/catch.h"

#include "tests/ui/ui_test_support.h"
#include "ui/prompt_highlighter.h"

#include <QApplication>
#include <QPlainTextEdit>
#include <QTextBlock>
#include <QTextLayout>

using namespace pictor::ui;
using pictor::test::ensureApp;

namespace {

// The foreground colour of the character at `pos` as laid out (the highlighter's formats).
QColor colourAt(QPlainTextEdit& edit, int pos) {
    QApplication::processEvents();  // the deferred re-highlight of the other lines
    const QTextBlock block = edit.document()->findBlock(pos);
    for (const QTextLayout::FormatRange& r : block.layout()->formats()) {
        const int at = pos - block.position();
        if (at >= r.start && at < r.start + r.length) return r.format.foreground().color();
    }
    return {};
}

}  // namespace

TEST_CASE("prompt highlighter: weights up, down, BREAK and escapes", "[ui][prompt]") {
    ensureApp();
    QPlainTextEdit edit;
    auto* h = new PromptHighlighter(edit.document());
    edit.setPlainText(QStringLiteral("a (red:1.3) [dim] \\(plain\\) BREAK café ((🐱))"));
    const QString t = edit.toPlainText();
    CHECK(h->weightAt(int(t.indexOf("red"))) == 1.3);
    CHECK(h->weightAt(int(t.indexOf("dim"))) == 1.0 / 1.1);
    CHECK(h->weightAt(int(t.indexOf("plain"))) == 1.0);
    CHECK(h->weightAt(int(t.indexOf("BREAK"))) == -1.0);
    CHECK(h->weightAt(int(t.indexOf("🐱"))) == 1.1 * 1.1);  // positions count UTF-16 units
    CHECK(h->weightAt(int(t.indexOf("🐱")) + 1) == 1.1 * 1.1);
    CHECK(h->weightAt(int(t.indexOf("a "))) == 1.0);
    const QColor up = colourAt(edit, int(t.indexOf("red"))), down = colourAt(edit, int(t.indexOf("dim")));
    CHECK(up.isValid());
    CHECK(down.isValid());
    CHECK(up != down);
    CHECK(colourAt(edit, int(t.indexOf("BREAK"))).isValid());
    CHECK_FALSE(colourAt(edit, int(t.indexOf("plain"))).isValid());
}

TEST_CASE("prompt highlighter: a bracket opened on one line weights the next lines", "[ui][prompt]") {
    ensureApp();
    QPlainTextEdit edit;
    auto* h = new PromptHighlighter(edit.document());
    edit.setPlainText(QStringLiteral("first line\nsecond line"));
    const int second = int(edit.toPlainText().indexOf("second"));
    CHECK_FALSE(colourAt(edit, second).isValid());
    QTextCursor c(edit.document());
    c.insertText(QStringLiteral("("));  // unclosed: weights everything after it
    CHECK(h->weightAt(second + 1) == 1.1);
    CHECK(colourAt(edit, second + 1).isValid());
    c.insertText(QStringLiteral(")"));  // "()" weights nothing
    CHECK_FALSE(colourAt(edit, second + 2).isValid());
}
