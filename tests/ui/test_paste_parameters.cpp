// Pasting AUTOMATIC1111 parameters into the prompt, or dropping a PNG that carries them, offers to
// apply all of them (prompt, negative prompt, sampler settings), as A1111's "read generation
// parameters" does; ordinary text pastes as text.
#include "tests/support/catch.h"

#include "tests/support/fixtures.h"
#include "tests/ui/ui_test_support.h"
#include "ui/main_window.h"
#include "ui/prompt_panel.h"
#include "ui/sampler_panel.h"

#include <QApplication>
#include <QBuffer>
#include <QFile>
#include <QClipboard>
#include <QDropEvent>
#include <QImage>
#include <QLabel>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QToolButton>
#include <QUrl>

using namespace pictor::ui;
using pictor::test::ensureApp;
using pictor::test::find;
using pictor::test::TempDir;

namespace {

QString qpath(const std::filesystem::path& p) { return QString::fromStdString(p.string()); }

const QString kParameters = QStringLiteral(
    "a lighthouse at dusk, (oil painting:1.2)\n"
    "Negative prompt: blurry, text\n"
    "Steps: 23, Sampler: DPM++ 2M Karras, CFG scale: 5.5, Seed: 1234, Size: 64x96, Model: sd-tiny");

void paste(QPlainTextEdit* edit, const QString& text) {
    QApplication::clipboard()->setText(text);
    edit->setFocus();
    edit->paste();
}

// A PNG with a tEXt chunk "parameters" as A1111 writes it (line breaks kept: Qt's own writer would
// turn them into spaces), inserted before IEND.
void writePngWithParameters(const QString& path, const QString& parameters) {
    QImage image(32, 32, QImage::Format_RGB32);
    image.fill(QColor(30, 90, 160));
    QByteArray png;
    QBuffer buffer(&png);
    buffer.open(QIODevice::WriteOnly);
    REQUIRE(image.save(&buffer, "png"));
    const QByteArray body = QByteArray("tEXt") + "parameters" + '\0' + parameters.toLatin1();
    quint32 crc = 0xffffffffu;  // PNG's CRC-32 (ISO 3309) over the type and the data
    for (const char c : body) {
        crc ^= quint8(c);
        for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    crc ^= 0xffffffffu;
    const auto be32 = [](quint32 v) {
        const char bytes[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
        return QByteArray(bytes, 4);
    };
    const QByteArray chunk = be32(quint32(body.size() - 4)) + body + be32(crc);
    png.insert(png.size() - 12, chunk);  // IEND is the last 12 bytes
    QFile file(path);
    REQUIRE(file.open(QIODevice::WriteOnly));
    file.write(png);
}

bool dropFile(QWidget* target, const QString& path) {
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(path)});
    QDragEnterEvent enter(QPoint(4, 4), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    enter.setAccepted(false);
    QApplication::sendEvent(target, &enter);
    if (!enter.isAccepted()) return false;
    QDropEvent drop(QPointF(4, 4), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &drop);
    return drop.isAccepted();
}

}  // namespace

TEST_CASE("pasting A1111 parameters into the prompt offers to apply them, and applying fills every field",
          "[ui][paste]") {
    ensureApp();
    TempDir dir;
    MainWindow window(qpath(dir / "settings.yaml"));
    window.show();
    auto* panel = find<PromptPanel>(window);
    auto* offer = find<QWidget>(*panel, "parametersOffer");
    CHECK_FALSE(offer->isVisible());
    panel->setPrompt({});  // the settings' default prompt: a paste would go in front of it

    SECTION("plain text is an ordinary paste, with no offer") {
        paste(panel->promptEdit(), "a cat on a sofa");
        CHECK(panel->prompt() == "a cat on a sofa");
        CHECK_FALSE(offer->isVisible());
        CHECK(panel->offeredParameters().isEmpty());
    }
    SECTION("parameters paste as text and are offered") {
        const int stepsBefore = find<SamplerPanel>(window)->params().steps;
        paste(panel->promptEdit(), kParameters);
        CHECK(panel->prompt() == kParameters.trimmed());  // nothing changes until the offer is taken
        REQUIRE(offer->isVisible());
        CHECK(find<QLabel>(*offer, "parametersOfferText")->text().contains("23 steps"));
        auto* apply = find<QPushButton>(*offer, "applyParameters");
        CHECK(apply->text().startsWith("Apply all parameters"));
        CHECK(find<SamplerPanel>(window)->params().steps == stepsBefore);

        SECTION("Apply fills the prompt, the negative prompt and the sampler") {
            apply->click();
            CHECK_FALSE(offer->isVisible());
            CHECK(panel->prompt() == "a lighthouse at dusk, (oil painting:1.2)");
            CHECK(panel->negativePrompt() == "blurry, text");
            const GenerationParams p = find<SamplerPanel>(window)->params();
            CHECK(p.steps == 23);
            CHECK(p.scheduler == "DPM++ 2M Karras");
            CHECK(p.guidance == Approx(5.5));
            CHECK(p.seed == 1234);
            CHECK(p.width == 64);
            CHECK(p.height == 96);
        }
        SECTION("× dismisses it and keeps the fields") {
            find<QToolButton>(*offer, "dismissParameters")->click();
            CHECK_FALSE(offer->isVisible());
            CHECK(panel->prompt() == kParameters.trimmed());
            CHECK(find<SamplerPanel>(window)->params().steps == stepsBefore);
        }
    }
    SECTION("parameters pasted into the negative prompt are offered too") {
        paste(find<QPlainTextEdit>(*panel, "negativePrompt"), kParameters);
        CHECK(offer->isVisible());
    }
}

TEST_CASE("a dropped PNG with parameters becomes the init image and offers its parameters", "[ui][paste][img2img]") {
    ensureApp();
    TempDir dir;
    MainWindow window(qpath(dir / "settings.yaml"));
    window.show();
    auto* panel = find<PromptPanel>(window);
    auto* offer = find<QWidget>(*panel, "parametersOffer");

    const QString withParameters = qpath(dir / "generated.png");
    writePngWithParameters(withParameters, kParameters);
    QImage image(32, 32, QImage::Format_RGB32);
    image.fill(QColor(30, 90, 160));
    const QString without = qpath(dir / "photo.png");
    REQUIRE(image.save(without));

    SECTION("a PNG without parameters: init image only") {
        REQUIRE(dropFile(panel->promptEdit()->viewport(), without));
        CHECK(panel->initImage() == without);
        CHECK_FALSE(offer->isVisible());
    }
    SECTION("a PNG with parameters: init image, and the offer") {
        REQUIRE(dropFile(panel->promptEdit()->viewport(), withParameters));
        CHECK(panel->initImage() == withParameters);
        REQUIRE(offer->isVisible());
        auto* apply = find<QPushButton>(*offer, "applyParameters");
        CHECK(apply->text() == "Apply its parameters");
        CHECK(find<QLabel>(*offer, "parametersOfferText")->text().contains("generated.png"));
        apply->click();
        CHECK(panel->prompt() == "a lighthouse at dusk, (oil painting:1.2)");
        CHECK(find<SamplerPanel>(window)->params().steps == 23);
        CHECK(panel->initImage() == withParameters);  // still the init image: it was dropped for img2img
    }
}
