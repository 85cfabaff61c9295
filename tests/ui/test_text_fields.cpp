// Paste into the studio's text fields from an empty, foreign or huge clipboard, and the status
// bar's one message at a time.
#include "tests/support/catch.h"

#include "tests/support/fixtures.h"
#include "tests/ui/ui_test_support.h"
#include "ui/job_router.h"
#include "ui/main_window.h"
#include "ui/prompt_panel.h"
#include "ui/text_edit.h"

#include <QApplication>
#include <QClipboard>
#include <QFile>
#include <QImage>
#include <QKeyEvent>
#include <QLineEdit>
#include <QMimeData>
#include <QStatusBar>
#include <QStatusTipEvent>

using namespace pictor::ui;
using pictor::test::ensureApp;
using pictor::test::find;
using pictor::test::statusTexts;
using pictor::test::TempDir;
using pictor::test::waitUntil;

namespace {

QString qpath(const std::filesystem::path& p) { return QString::fromStdString(p.string()); }

// Ctrl+V as the keyboard sends it.
void pressPaste(QWidget* widget) {
    widget->setFocus();
    QKeyEvent press(QEvent::KeyPress, Qt::Key_V, Qt::ControlModifier);
    QCoreApplication::sendEvent(widget, &press);
    QKeyEvent release(QEvent::KeyRelease, Qt::Key_V, Qt::ControlModifier);
    QCoreApplication::sendEvent(widget, &release);
}

void setClipboard(QMimeData* mime) { QGuiApplication::clipboard()->setMimeData(mime); }

QMimeData* imageOnly() {
    auto* mime = new QMimeData;
    QImage image(32, 32, QImage::Format_RGB32);
    image.fill(Qt::red);
    mime->setImageData(image);
    return mime;
}

QMimeData* unknownFormat() {
    auto* mime = new QMimeData;
    mime->setData(QStringLiteral("application/x-some-other-program"), QByteArray(4096, '\x01'));
    return mime;
}

// About 5 MB of prompt-like text, in lines.
QString hugeText() {
    const QString line = QStringLiteral("a watercolor painting of a fox in the snow, highly detailed\n");
    QString text;
    text.reserve(5 * 1024 * 1024 + line.size());
    while (text.size() < 5 * 1024 * 1024) text += line;
    return text;
}

}  // namespace

TEST_CASE("the prompt box survives paste from an empty, foreign or huge clipboard", "[ui][paste]") {
    ensureApp();
    TempDir dir;
    MainWindow window(qpath(dir / "settings.yaml"));
    window.show();
    auto* prompt = find<PlainTextEdit>(window, "prompt");
    find<PromptPanel>(window)->setPrompt(QStringLiteral("a fox"));
    prompt->moveCursor(QTextCursor::End);

    QGuiApplication::clipboard()->clear();
    pressPaste(prompt);
    prompt->paste();
    CHECK(prompt->toPlainText() == "a fox");

    setClipboard(imageOnly());
    pressPaste(prompt);
    prompt->paste();
    CHECK(prompt->toPlainText() == "a fox");  // no image, no placeholder character

    setClipboard(unknownFormat());
    pressPaste(prompt);
    CHECK(prompt->toPlainText() == "a fox");

    // Rich text: only its plain text goes in.
    auto* html = new QMimeData;
    html->setHtml(QStringLiteral("<b>bold</b> <img src='x.png'>"));
    html->setText(QStringLiteral(" in the snow"));
    setClipboard(html);
    pressPaste(prompt);
    CHECK(prompt->toPlainText() == "a fox in the snow");
    const QString asHtml = prompt->document()->toHtml();
    CHECK_FALSE(asHtml.contains("<img"));
    CHECK_FALSE(asHtml.contains("font-weight:700"));

    // 5 MB: cut to the cap, with a message in the status bar.
    prompt->clear();
    QGuiApplication::clipboard()->setText(hugeText());
    pressPaste(prompt);
    const QString pasted = prompt->toPlainText();
    CHECK(pasted.size() == PlainTextEdit::kMaxInsert);
    CHECK(pasted.startsWith("a watercolor painting of a fox"));
    CHECK(window.statusBar()->currentMessage().startsWith("Only the first"));
    QGuiApplication::clipboard()->clear();
}

TEST_CASE("every line edit of the studio survives paste from an empty, foreign or huge clipboard",
          "[ui][paste]") {
    ensureApp();
    TempDir dir;
    MainWindow window(qpath(dir / "settings.yaml"));
    window.show();
    const QList<QLineEdit*> edits = window.findChildren<QLineEdit*>();
    REQUIRE(edits.size() >= 2);  // the seed, the dataset folder, the editable model box…
    const QString huge = hugeText();
    for (QLineEdit* edit : edits) {
        if (edit->isReadOnly() || !edit->isEnabled()) continue;
        INFO(edit->objectName().toStdString() << " " << edit->parent()->metaObject()->className());
        const QString before = edit->text();
        QGuiApplication::clipboard()->clear();
        pressPaste(edit);
        CHECK(edit->text() == before);
        setClipboard(imageOnly());
        pressPaste(edit);
        CHECK(edit->text() == before);
        setClipboard(unknownFormat());
        pressPaste(edit);
        CHECK(edit->text() == before);
        QGuiApplication::clipboard()->setText(huge);
        pressPaste(edit);
        CHECK(edit->text().size() <= edit->maxLength());
    }
    QGuiApplication::clipboard()->clear();
}

TEST_CASE("the status bar shows one message at a time", "[ui]") {
    ensureApp();
    TempDir dir;
    const QString path = qpath(dir / "settings.yaml");
    QFile file(path);
    REQUIRE(file.open(QIODevice::WriteOnly));
    file.write("generation:\n  steps: [1, 2\n");
    file.close();
    MainWindow window(path);
    window.show();
    REQUIRE(waitUntil([&] { return !window.jobRouter()->lastError().isEmpty(); }, 5000));
    // The failure's message, and nothing drawn beside or under it.
    CHECK(statusTexts(window) == QStringList{"Settings failed — see the message"});

    // A hovered entry's status tip takes the bar for as long as it is hovered.
    QStatusTipEvent tip(QStringLiteral("Open an image to score"));
    QCoreApplication::sendEvent(&window, &tip);
    CHECK(statusTexts(window) == QStringList{"Open an image to score"});
    QStatusTipEvent leave{QString()};
    QCoreApplication::sendEvent(&window, &leave);
    CHECK(statusTexts(window) == QStringList{"Settings failed — see the message"});

    // Once the message times out, the standing state is the one text.
    REQUIRE(waitUntil([&] { return window.statusBar()->currentMessage() == "Ready"; }, 15000));
    CHECK(statusTexts(window) == QStringList{"Ready"});
    QCoreApplication::sendEvent(&window, &tip);
    QCoreApplication::sendEvent(&window, &leave);
    CHECK(statusTexts(window) == QStringList{"Ready"});
}
