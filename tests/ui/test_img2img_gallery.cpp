// Studio img2img (init image dropped on the prompt panel or sent from the gallery, the denoising
// strength, a real img2img run on sd-tiny) and the gallery's viewer, context menu, trash, drag
// out, batch order after a rescan and the dataset class menu.
#include "tests/support/catch.h"

#include "tests/hub/fake_hub.h"
#include "tests/support/fixtures.h"
#include "tests/ui/ui_test_support.h"
#include "ui/charts.h"
#include "ui/compare_view.h"
#include "ui/engine_backend.h"
#include "ui/gallery_view.h"
#include "ui/image_viewer.h"
#include "ui/job_router.h"
#include "ui/jobs_view.h"
#include "ui/main_window.h"
#include "ui/prompt_panel.h"
#include "ui/sampler_panel.h"
#include "ui/scoring_view.h"
#include "ui/strength_control.h"
#include "ui/training_view.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QDateTime>
#include <QDir>
#include <QDoubleSpinBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QImage>
#include <QKeyEvent>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QToolButton>
#include <QUrl>
#include <QWheelEvent>

#include <filesystem>

#include "core/jobs/generate_job.h"

using namespace pictor::ui;
using pictor::test::ensureApp;
using pictor::test::find;
using pictor::test::galleryImage;
using pictor::test::galleryImageCount;
using pictor::test::ScopedEnv;
using pictor::test::statusTexts;
using pictor::test::TempDir;
using pictor::test::waitUntil;

namespace {

namespace fs = std::filesystem;

QString qpath(const fs::path& p) { return QString::fromStdString(p.string()); }

// A plain image (no parameters chunk): what a user drops as an init image.
QString writeImage(const fs::path& path, QSize size, QColor color) {
    QImage image(size, QImage::Format_RGB32);
    for (int y = 0; y < size.height(); ++y)
        for (int x = 0; x < size.width(); ++x)
            image.setPixelColor(x, y, QColor((color.red() + x * 3) % 256, (color.green() + y * 3) % 256, color.blue()));
    const QString file = qpath(path);
    REQUIRE(image.save(file));
    return file;
}

void setFileTime(const QString& file, qint64 mtimeMsecs) {
    QFile f(file);
    REQUIRE(f.open(QIODevice::ReadWrite));
    REQUIRE(f.setFileTime(QDateTime::fromMSecsSinceEpoch(mtimeMsecs), QFileDevice::FileModificationTime));
}

// A PNG as the engine names and writes it: "<counter>-<seed>.png" with a parameters chunk that
// has "Batch pos" for an image of a batch (batchPos >= 0).
QString writeGenerated(const fs::path& folder, int counter, const GenerationParams& params, qint64 mtimeMsecs,
                       int batchPos = -1) {
    const QString file = qpath(folder / QString::asprintf("%05d-%lld.png", counter, params.seed).toStdString());
    QImage image(32, 32, QImage::Format_RGB32);
    image.fill(QColor::fromHsv((counter * 37) % 360, 200, 200));
    QString text = formatParameters(params);
    if (batchPos >= 0) text += QStringLiteral(", Batch pos: %1").arg(batchPos);
    image.setText(QStringLiteral("parameters"), text);
    REQUIRE(image.save(file, "PNG"));
    setFileTime(file, mtimeMsecs);
    return file;
}

// Drags `path` (as a file manager or the gallery does: a file URL) onto `target` and drops it.
// Returns whether the target accepted the drag.
bool dropFile(QWidget* target, const QString& path) {
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(path)});
    const QPoint at(4, 4);
    QDragEnterEvent enter(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    enter.setAccepted(false);
    QApplication::sendEvent(target, &enter);
    if (!enter.isAccepted()) return false;
    QDropEvent drop(QPointF(at), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &drop);
    return drop.isAccepted();
}

void sendKey(QWidget* target, int key, Qt::KeyboardModifiers modifiers = Qt::NoModifier) {
    QKeyEvent press(QEvent::KeyPress, key, modifiers);
    QApplication::sendEvent(target, &press);
}

QAction* galleryAction(const GalleryView& gallery, const QString& name) { return find<QAction>(gallery, name); }

bool finished(const MainWindow& w, int id) {
    const JobState s = w.jobs()->state(id);
    return s == JobState::Done || s == JobState::Failed || s == JobState::Cancelled;
}

}  // namespace

TEST_CASE("an image dropped on the prompt panel becomes the init image, the strength shows only then", "[ui][img2img]") {
    ensureApp();
    TempDir dir;
    const QString init = writeImage(dir / "init.png", {80, 48}, QColor(200, 80, 40));
    PromptPanel panel(nullptr);
    auto* strength = find<StrengthControl>(panel);
    auto* thumb = find<QLabel>(panel, QStringLiteral("initThumbnail"));
    CHECK(panel.initImage().isEmpty());
    CHECK_FALSE(strength->isVisibleTo(&panel));
    CHECK_FALSE(thumb->isVisibleTo(&panel));
    CHECK(panel.strength() == Approx(0.75));  // A1111's default

    QString changed;
    QObject::connect(&panel, &PromptPanel::initImageChanged, [&](const QString& p) { changed = p; });
    SECTION("dropped on the panel") { REQUIRE(dropFile(&panel, init)); }
    SECTION("dropped on the prompt editor: the panel takes it, the prompt text stays") {
        panel.setPrompt(QStringLiteral("a fox"));
        REQUIRE(dropFile(panel.promptEdit()->viewport(), init));
        CHECK(panel.prompt() == QStringLiteral("a fox"));
    }
    CHECK(panel.initImage() == init);
    CHECK(changed == init);
    CHECK(strength->isVisibleTo(&panel));
    CHECK(strength->isEnabled());
    CHECK(thumb->isVisibleTo(&panel));
    CHECK_FALSE(thumb->pixmap().isNull());
    CHECK(find<QLabel>(panel, QStringLiteral("initInfo"))->text().contains(QStringLiteral("80 × 48")));

    // The spin box and slider show one value, clamped to 0.01..1.00.
    find<QDoubleSpinBox>(panel, QStringLiteral("strength"))->setValue(0.4);
    CHECK(panel.strength() == Approx(0.4));
    panel.setStrength(3.0);
    CHECK(panel.strength() == Approx(1.0));
    panel.setStrength(0.0);
    CHECK(panel.strength() == Approx(0.01));

    // × clears it: text-to-image again, the strength hidden.
    find<QToolButton>(panel, QStringLiteral("clearInitImage"))->click();
    CHECK(panel.initImage().isEmpty());
    CHECK(changed.isEmpty());
    CHECK_FALSE(strength->isVisibleTo(&panel));

    // A file that is not an image is refused with a message and changes nothing.
    const fs::path text = dir / "notes.txt";
    pictor::test::write_text_file(text, "hello");
    CHECK_FALSE(dropFile(&panel, qpath(text)));
    const fs::path broken = dir / "broken.png";
    pictor::test::write_text_file(broken, "not a png");
    QString message;
    QObject::connect(&panel, &PromptPanel::statusMessage, [&](const QString& m) { message = m; });
    CHECK_FALSE(panel.setInitImage(qpath(broken)));
    CHECK(message.contains(QStringLiteral("broken.png")));
    CHECK(panel.initImage().isEmpty());
}

TEST_CASE("the studio's generate request carries the init image and the strength", "[ui][img2img]") {
    GenerationParams p;
    p.prompt = QStringLiteral("a fox");
    p.model = QStringLiteral("/models/sd");
    p.initImage = QStringLiteral("/images/init.png");
    p.strength = 0.35;
    const pictor::jobs::GenerateRequest r = generateJobRequest(GenerateRequest{p, QStringLiteral("/out")});
    CHECK(r.init_image == fs::path("/images/init.png"));
    CHECK(r.strength == 0.35);
    p.initImage.clear();
    const pictor::jobs::GenerateRequest txt = generateJobRequest(GenerateRequest{p, QStringLiteral("/out")});
    CHECK(txt.init_image.empty());

    // The parameters text records the strength of an img2img run, never the init image's path.
    p.initImage = QStringLiteral("/images/init.png");
    const QString text = formatParameters(p);
    CHECK(text.contains(QStringLiteral("Denoising strength: 0.35")));
    CHECK_FALSE(text.contains(QStringLiteral("init.png")));
    GenerationParams back;
    REQUIRE(parseParameters(text, &back));
    CHECK(back.img2img);
    CHECK(back.strength == 0.35);
    CHECK(back.initImage.isEmpty());
    GenerationParams known;
    known.initImage = p.initImage;  // a job of this session knows it
    REQUIRE(parseParameters(text, &back, known));
    CHECK(back.initImage == p.initImage);
    p.initImage.clear();
    REQUIRE(parseParameters(formatParameters(p), &back, known));
    CHECK_FALSE(back.img2img);
    CHECK(back.initImage.isEmpty());
}

TEST_CASE("reuse parameters of an img2img PNG restores the strength and says the init image is not recorded",
          "[ui][img2img]") {
    ensureApp();
    TempDir dir;
    MainWindow window(qpath(dir / "settings.yaml"));
    auto* prompt = find<PromptPanel>(window);
    GenerationParams p;
    p.prompt = QStringLiteral("a watercolor fox");
    p.seed = 7;
    p.img2img = true;
    p.strength = 0.45;
    GenerationParams parsed;
    REQUIRE(parseParameters(formatParameters(p), &parsed));
    window.reuseParameters(parsed);
    CHECK(prompt->strength() == Approx(0.45));
    CHECK(prompt->initImage().isEmpty());
    CHECK(statusTexts(window).join(' ').contains(QStringLiteral("do not record the init image")));

    // An init image this session knows comes back with it; a text-to-image PNG removes it.
    const QString init = writeImage(dir / "init.png", {64, 64}, Qt::blue);
    parsed.initImage = init;
    window.reuseParameters(parsed);
    CHECK(prompt->initImage() == init);
    GenerationParams txt;
    REQUIRE(parseParameters(formatParameters(GenerationParams{}), &txt));
    window.reuseParameters(txt);
    CHECK(prompt->initImage().isEmpty());
}

TEST_CASE("the denoising strength is kept in settings.yaml", "[ui][img2img]") {
    ensureApp();
    TempDir dir;
    const QString path = qpath(dir / "settings.yaml");
    {
        MainWindow window(path);
        CHECK(find<PromptPanel>(window)->strength() == Approx(0.75));
        find<PromptPanel>(window)->setStrength(0.3);
        REQUIRE(window.saveSettings());
    }
    QFile file(path);
    REQUIRE(file.open(QIODevice::ReadOnly));
    CHECK(QString::fromUtf8(file.readAll()).contains(QStringLiteral("strength: 0.3")));
    MainWindow again(path);
    CHECK(find<PromptPanel>(again)->strength() == Approx(0.3));
}

TEST_CASE("Send to img2img sets the init image, an img2img run on sd-tiny records its strength", "[ui][img2img][sd]") {
    PICTOR_REQUIRE_FIXTURES(sd, "sd-tiny");
    ensureApp();
    TempDir dir;
    const QString out = qpath(dir / "out");
    QDir().mkpath(out);
    MainWindow window(qpath(dir / "settings.yaml"));
    window.setOutputFolder(out);
    REQUIRE(window.gallery()->waitForScan());
    auto* prompt = find<PromptPanel>(window);

    // The init image as a gallery image: "Send to img2img" (the context menu's / Ctrl+I action).
    GenerationParams source;
    source.prompt = QStringLiteral("a red square");
    source.seed = 5;
    const QString init = writeGenerated(dir / "out", 0, source, QDateTime::currentMSecsSinceEpoch() - 60000);
    window.setOutputFolder(out);
    REQUIRE(window.gallery()->waitForScan());
    REQUIRE(galleryImage(*window.gallery(), 0).path == init);
    galleryAction(*window.gallery(), QStringLiteral("gallerySendToImg2Img"))->trigger();
    REQUIRE(prompt->initImage() == init);
    CHECK(find<StrengthControl>(window)->isVisibleTo(prompt));

    GenerationParams p;
    p.prompt = QStringLiteral("a photo of an astronaut riding a horse on mars");
    p.model = qpath(sd);
    p.scheduler = QStringLiteral("PNDM");
    p.steps = 5;
    p.imagesPerPrompt = 2;
    p.width = 64;  // the sampler's smallest; the 32×32 init image is resized to it
    p.height = 64;
    p.seed = 1234;
    find<SamplerPanel>(window)->setParams(p);
    prompt->setPrompt(p.prompt);
    prompt->setNegativePrompt({});
    prompt->setStrength(0.6);
    const int id = window.jobRouter()->generate();
    REQUIRE(id > 0);
    REQUIRE(waitUntil([&] { return finished(window, id); }, 180000));
    INFO(window.jobRouter()->lastError().toStdString());
    REQUIRE(window.jobs()->state(id) == JobState::Done);
    REQUIRE(galleryImageCount(*window.gallery()) == 3);
    const QStringList live = window.gallery()->imagePaths();
    for (int i = 0; i < 2; ++i) {
        const pictor::test::ShownImage shown = galleryImage(*window.gallery(), i);
        CHECK(shown.parametersText.contains(QStringLiteral("Denoising strength: 0.6")));
        const QSize size = QImage(shown.path).size();
        INFO(size.width() << "x" << size.height());
        CHECK(size == QSize(p.width, p.height));  // the init image resized to the sampler's size
        // The detail pane shows the init image beside the result.
        CHECK(window.gallery()->current().params.initImage == init);
        CHECK(find<QLabel>(*window.gallery(), QStringLiteral("detailInitImage"))->isVisibleTo(window.gallery()));
        CHECK(find<QLabel>(*window.gallery(), QStringLiteral("initCaption"))->text().contains(QStringLiteral("0.60")));
    }
    galleryImage(*window.gallery(), 2);  // the init image itself: text-to-image parameters, no init beside it
    CHECK_FALSE(find<QLabel>(*window.gallery(), QStringLiteral("detailInitImage"))->isVisibleTo(window.gallery()));

    // After a restart: the same order (the batch in the order it was generated), the strength read back.
    GalleryView again;
    again.setFolder(out);
    REQUIRE(again.waitForScan());
    CHECK(again.imagePaths() == live);
    const pictor::test::ShownImage first = galleryImage(again, 0);
    CHECK(first.params.img2img);
    CHECK(first.params.strength == 0.6);
    CHECK(first.params.initImage.isEmpty());  // the PNG does not name it
}

TEST_CASE("after a rescan the gallery shows batches in the order the jobs added them", "[ui][gallery]") {
    ensureApp();
    TempDir dir;
    const fs::path folder = dir / "out";
    fs::create_directories(folder);
    const qint64 t0 = QDateTime::currentMSecsSinceEpoch() - 3600 * 1000;
    GalleryView live;
    live.setFolder(qpath(folder));
    REQUIRE(live.waitForScan());
    // Three jobs as the router runs them: placeholders first, then the images in counter order.
    // A batch's files are written a few milliseconds apart, the later counter later.
    struct Job {
        int first, count;
        qint64 seed;
        int steps;
    };
    const QVector<Job> jobs{{0, 3, 11, 4}, {3, 1, 12, 4}, {4, 2, 11, 4}};
    qint64 t = t0;
    int jobId = 1;
    for (const Job& job : jobs) {
        live.beginJob(jobId, job.count);
        GenerationParams p;
        p.prompt = QStringLiteral("job %1").arg(jobId);
        p.seed = job.seed;
        p.steps = job.steps;
        p.imagesPerPrompt = job.count;
        for (int i = 0; i < job.count; ++i) {
            const QString file = writeGenerated(folder, job.first + i, p, t + i * 7, job.count > 1 ? i : -1);
            live.addImage(GalleryView::readItem(file), jobId);
        }
        live.endJob(jobId);
        t += 60000;
        ++jobId;
    }
    // A dropped-in photo without a counter name, newest of all.
    const QString photo = writeImage(folder / "holiday.jpg", {40, 30}, Qt::green);
    setFileTime(photo, t);
    live.addImage(GalleryView::readItem(photo));

    const QStringList order = live.imagePaths();
    REQUIRE(order.size() == 7);
    CHECK(QFileInfo(order[0]).fileName() == QStringLiteral("holiday.jpg"));
    CHECK(QFileInfo(order[1]).fileName() == QStringLiteral("00004-11.png"));  // last job, its first image
    CHECK(QFileInfo(order[2]).fileName() == QStringLiteral("00005-11.png"));
    CHECK(QFileInfo(order[6]).fileName() == QStringLiteral("00002-11.png"));

    GalleryView restarted;
    restarted.setFolder(qpath(folder));
    REQUIRE(restarted.waitForScan());
    CHECK(restarted.imagePaths() == order);

    // Copied files all get one time: the counters still give the order.
    QVector<GalleryItem> items;
    for (const QString& path : order) {
        GalleryItem item = GalleryView::readItem(path);
        item.modifiedMsecs = t0;
        items.prepend(item);  // any input order
    }
    QStringList sorted;
    for (const GalleryItem& item : GalleryView::sortedNewestFirst(items)) sorted << item.path;
    QStringList expected = order;
    expected.removeFirst();  // the photo has no counter: last among equal times
    expected << order.first();
    CHECK(sorted == expected);
}

TEST_CASE("gallery context menu: every action is there and does what it says", "[ui][gallery]") {
    ensureApp();
    TempDir dir;
    GenerationParams p;
    p.prompt = QStringLiteral("a lighthouse");
    p.seed = 99;
    const QString file = writeGenerated(dir.path(), 0, p, QDateTime::currentMSecsSinceEpoch());
    GalleryView gallery;
    gallery.resize(1000, 700);
    gallery.setFolder(qpath(dir.path()));
    REQUIRE(gallery.waitForScan());
    REQUIRE(gallery.current().path == file);

    auto* list = find<QListWidget>(gallery, QStringLiteral("gallery"));
    CHECK(list->contextMenuPolicy() == Qt::ActionsContextMenu);
    QStringList names;
    for (const QAction* a : list->actions())
        if (!a->isSeparator()) names << a->objectName();
    CHECK(names == QStringList{"galleryView", "gallerySendToImg2Img", "galleryReuse", "galleryScore", "galleryCompare",
                               "galleryAddToDataset", "galleryCopy", "gallerySaveAs", "galleryOpenFolder",
                               "galleryTrash"});
    for (const QAction* a : list->actions()) CHECK((a->isSeparator() || a->isEnabled()));
    CHECK(galleryAction(gallery, "gallerySendToImg2Img")->shortcut() == QKeySequence(QStringLiteral("Ctrl+I")));
    CHECK(galleryAction(gallery, "galleryTrash")->shortcut() == QKeySequence(QKeySequence::Delete));

    QString img2img, score, compare;
    GenerationParams reused;
    QObject::connect(&gallery, &GalleryView::initImageRequested, [&](const QString& path) { img2img = path; });
    QObject::connect(&gallery, &GalleryView::scoreRequested, [&](const QString& path) { score = path; });
    QObject::connect(&gallery, &GalleryView::compareRequested, [&](const QString& path) { compare = path; });
    QObject::connect(&gallery, &GalleryView::reuseParametersRequested, [&](const GenerationParams& g) { reused = g; });
    galleryAction(gallery, "gallerySendToImg2Img")->trigger();
    galleryAction(gallery, "galleryScore")->trigger();
    galleryAction(gallery, "galleryCompare")->trigger();
    galleryAction(gallery, "galleryReuse")->trigger();
    CHECK(img2img == file);
    CHECK(score == file);
    CHECK(compare == file);
    CHECK(reused.prompt == p.prompt);
    CHECK(reused.seed == 99);

    // The detail pane's buttons are the same actions.
    QPushButton* button = nullptr;
    for (QPushButton* b : gallery.findChildren<QPushButton*>())
        if (b->text() == QStringLiteral("Send to img2img")) button = b;
    REQUIRE(button);
    img2img.clear();
    button->click();
    CHECK(img2img == file);

    // View opens the full-size viewer on the image; so does activating (Enter, double-click) the thumbnail.
    galleryAction(gallery, "galleryView")->trigger();
    REQUIRE(gallery.viewer());
    CHECK(gallery.viewer()->isVisible());
    CHECK(gallery.viewer()->imagePath() == file);
    gallery.viewer()->close();
    REQUIRE(waitUntil([&] { return gallery.viewer() == nullptr; }, 2000));  // deleted on close
    Q_EMIT list->itemActivated(list->currentItem());
    REQUIRE(gallery.viewer());
    CHECK(gallery.viewer()->imagePath() == file);

    // Thumbnails drag out as the file: Scoring's and Compare's drop zones and Training's classify zone take it.
    const QModelIndex index = list->model()->index(0, 0);
    std::unique_ptr<QMimeData> mime(list->model()->mimeData({index}));
    REQUIRE(mime);
    REQUIRE(mime->urls().size() == 1);
    CHECK(mime->urls()[0].toLocalFile() == file);
    ScoringView scoring;
    CompareView comparing;
    TrainingView training;
    for (QWidget* view : {static_cast<QWidget*>(&scoring), static_cast<QWidget*>(&comparing), static_cast<QWidget*>(&training)}) {
        QList<ImageDropZone*> zones = view->findChildren<ImageDropZone*>();
        REQUIRE(zones.size() >= 1);
        CHECK(dropFile(zones.first(), mime->urls()[0].toLocalFile()));
        CHECK(zones.first()->imagePath() == file);
    }
}

TEST_CASE("move to trash asks once, takes the file out of the folder and the gallery", "[ui][gallery]") {
    ensureApp();
    TempDir dir;
    // The desktop trash of this test: inside its own folder (same file system as the images).
    const ScopedEnv home("HOME", (dir / "home").string());
    const ScopedEnv data("XDG_DATA_HOME", (dir / "home" / ".local" / "share").string());
    fs::create_directories(dir / "home" / ".local" / "share");
    const fs::path folder = dir / "out";
    fs::create_directories(folder);
    GenerationParams p;
    p.prompt = QStringLiteral("a boat");
    p.seed = 1;
    p.imagesPerPrompt = 1;  // three separate images
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const QString a = writeGenerated(folder, 0, p, now - 2000);
    const QString b = writeGenerated(folder, 1, p, now - 1000);
    const QString c = writeGenerated(folder, 2, p, now);
    GalleryView gallery;
    gallery.setFolder(qpath(folder));
    REQUIRE(gallery.waitForScan());
    INFO(gallery.imagePaths().join(' ').toStdString());
    REQUIRE(gallery.imagePaths() == QStringList{c, b, a});
    auto* list = find<QListWidget>(gallery, QStringLiteral("gallery"));
    list->setCurrentRow(0);

    auto confirm = [&] { return gallery.findChild<QMessageBox*>(QStringLiteral("trashConfirm")); };
    // Cancel keeps everything.
    galleryAction(gallery, "galleryTrash")->trigger();
    REQUIRE(confirm());
    confirm()->button(QMessageBox::Cancel)->click();
    REQUIRE(waitUntil([&] { return confirm() == nullptr; }, 2000));
    CHECK(QFile::exists(c));
    CHECK(gallery.imagePaths().size() == 3);

    // Yes with "Do not ask again": moved; the next one goes without asking.
    galleryAction(gallery, "galleryTrash")->trigger();
    REQUIRE(confirm());
    confirm()->checkBox()->setChecked(true);
    confirm()->button(QMessageBox::Yes)->click();
    REQUIRE(waitUntil([&] { return confirm() == nullptr; }, 2000));
    if (gallery.findChild<QMessageBox*>(QStringLiteral("trashFailed"))) {
        // A desktop without a usable trash: said clearly, and nothing is lost.
        CHECK(QFile::exists(c));
        CHECK(gallery.imagePaths().size() == 3);
        return;
    }
    CHECK_FALSE(QFile::exists(c));
    CHECK(QDir(qpath(dir / "home" / ".local" / "share" / "Trash" / "files")).entryList(QDir::Files).size() == 1);
    CHECK(gallery.imagePaths() == QStringList{b, a});
    CHECK(gallery.current().path == b);  // the next image is selected, so Delete can repeat
    galleryAction(gallery, "galleryTrash")->trigger();
    CHECK(confirm() == nullptr);
    CHECK_FALSE(QFile::exists(b));
    CHECK(gallery.imagePaths() == QStringList{a});
}

TEST_CASE("Add to dataset class lists the Training view's classes and copies the image there", "[ui][gallery]") {
    ensureApp();
    TempDir dir;
    const QString settings = qpath(dir / "settings.yaml");
    pictor::test::writeSettings(settings, [&](StudioSettings& s) {
        s.trainingClasses = {DatasetClass{"cats", "a photo of a cat"}, DatasetClass{"dogs", "a photo of a dog"}};
        s.outputFolder = qpath(dir / "out");
    });
    fs::create_directories(dir / "out");
    GenerationParams p;
    p.prompt = QStringLiteral("a cat");
    p.seed = 3;
    const QString file = writeGenerated(dir / "out", 0, p, QDateTime::currentMSecsSinceEpoch());
    MainWindow window(settings);
    REQUIRE(window.gallery()->waitForScan());
    REQUIRE(window.gallery()->current().path == file);
    auto* menu = find<QMenu>(*window.gallery(), QStringLiteral("datasetMenu"));
    QStringList names;
    for (const QAction* a : menu->actions()) names << a->text();
    CHECK(names == QStringList{"cats", "dogs"});

    auto* training = find<TrainingView>(window);
    training->setDatasetFolder(qpath(dir / "dataset"));
    menu->actions()[1]->trigger();
    CHECK(QFile::exists(qpath(dir / "dataset" / "dogs" / "00000-3.png")));

    // Classes edited in the Training view follow.
    training->setClasses({DatasetClass{"birds", "a bird"}, DatasetClass{"fish", "a fish"}, DatasetClass{"frogs", "a frog"}});
    names.clear();
    for (const QAction* a : menu->actions()) names << a->text();
    CHECK(names == QStringList{"birds", "fish", "frogs"});
}

TEST_CASE("the viewer fits, shows 1:1, zooms with keys and Ctrl+wheel, pans and closes on Esc", "[ui][gallery]") {
    ensureApp();
    TempDir dir;
    const QString file = writeImage(dir / "wide.png", {800, 200}, Qt::red);
    auto* viewer = new ImageViewer;  // deletes itself on close
    QPointer<ImageViewer> alive(viewer);
    viewer->resize(600, 500);
    REQUIRE(viewer->setImagePath(file));
    viewer->show();
    ImageCanvas* canvas = viewer->canvas();
    REQUIRE(waitUntil([&] { return canvas->width() > 300; }, 2000));
    const double fit = std::min(canvas->width() / 800.0, canvas->height() / 200.0);
    CHECK(canvas->fitting());
    CHECK(canvas->zoom() == Approx(fit));
    CHECK(canvas->fitZoom() == Approx(fit));
    // Centred vertically when fitted.
    CHECK(canvas->origin().y() == Approx((canvas->height() - 200 * fit) / 2));

    sendKey(canvas, Qt::Key_1);
    CHECK(canvas->zoom() == Approx(1.0));
    CHECK_FALSE(canvas->fitting());
    sendKey(canvas, Qt::Key_Plus);
    CHECK(canvas->zoom() == Approx(ImageCanvas::kStep));
    sendKey(canvas, Qt::Key_Minus);
    CHECK(canvas->zoom() == Approx(1.0));

    // Ctrl+wheel zooms around the pointer: the image point under it stays there.
    const QPointF at(100, 100);
    const QPointF before = (at - canvas->origin()) / canvas->zoom();
    QWheelEvent wheel(at, canvas->mapToGlobal(at), QPoint(), QPoint(0, 120), Qt::NoButton, Qt::ControlModifier,
                      Qt::NoScrollPhase, false);
    QApplication::sendEvent(canvas, &wheel);
    CHECK(canvas->zoom() == Approx(ImageCanvas::kStep));
    const QPointF after = (at - canvas->origin()) / canvas->zoom();
    CHECK(after.x() == Approx(before.x()).margin(1e-6));

    // Dragging pans (the 1000-px-wide image is larger than the window).
    const QPointF origin = canvas->origin();
    QMouseEvent press(QEvent::MouseButtonPress, QPointF(300, 100), canvas->mapToGlobal(QPointF(300, 100)), Qt::LeftButton,
                      Qt::LeftButton, Qt::NoModifier);
    QMouseEvent move(QEvent::MouseMove, QPointF(250, 100), canvas->mapToGlobal(QPointF(250, 100)), Qt::NoButton,
                     Qt::LeftButton, Qt::NoModifier);
    QMouseEvent release(QEvent::MouseButtonRelease, QPointF(250, 100), canvas->mapToGlobal(QPointF(250, 100)),
                        Qt::LeftButton, Qt::NoButton, Qt::NoModifier);
    QApplication::sendEvent(canvas, &press);
    QApplication::sendEvent(canvas, &move);
    QApplication::sendEvent(canvas, &release);
    CHECK(canvas->origin().x() == Approx(origin.x() - 50));

    sendKey(canvas, Qt::Key_F);
    CHECK(canvas->fitting());
    CHECK(canvas->zoom() == Approx(fit));

    // A small image is enlarged to fit.
    const QString small = writeImage(dir / "small.png", {32, 32}, Qt::blue);
    REQUIRE(viewer->setImagePath(small));
    CHECK(canvas->zoom() == Approx(std::min(canvas->width(), canvas->height()) / 32.0));

    sendKey(canvas, Qt::Key_Escape);
    REQUIRE(waitUntil([&] { return alive.isNull(); }, 2000));
}
