// The studio's window, views, gallery, charts and settings (offscreen, no engine models needed).
#include "tests/support/catch.h"

#include "tests/support/fixtures.h"
#include "tests/ui/ui_test_support.h"
#include "ui/charts.h"
#include "ui/compare_view.h"
#include "ui/engine_worker.h"
#include "ui/gallery_view.h"
#include "ui/jobs_view.h"
#include "ui/grid_view.h"
#include "ui/main_window.h"
#include "ui/model_manager.h"
#include "ui/engine_backend.h"
#include "ui/job_router.h"
#include "ui/prompt_panel.h"
#include "ui/sampler_panel.h"
#include "ui/scoring_view.h"
#include "ui/screenshot.h"
#include "ui/training_view.h"

#include <QBarCategoryAxis>
#include <QChart>
#include <QDateTime>
#include <QFile>
#include <QImage>
#include <QImageReader>
#include <QPlainTextEdit>
#include <QTabWidget>
#include <QTableWidget>
#include <QTreeWidget>

using namespace pictor::ui;
using pictor::test::ensureApp;
using pictor::test::find;
using pictor::test::TempDir;
using pictor::test::drawnHighlight;
using pictor::test::drawnValues;
using pictor::test::galleryImage;
using pictor::test::galleryImageCount;
using pictor::test::galleryPlaceholderCount;
using pictor::test::seriesPoints;

namespace {

QString qpath(const std::filesystem::path& p) { return QString::fromStdString(p.string()); }

// A PNG with an A1111 `parameters` chunk, as the engine writes them.
void writeGeneratedPng(const QString& path, const GenerationParams& params, QColor color, qint64 mtimeMsecs) {
    QImage image(64, 48, QImage::Format_RGB32);
    image.fill(color);
    image.setText(QStringLiteral("parameters"), formatParameters(params));
    REQUIRE(image.save(path, "PNG"));
    QFile f(path);
    REQUIRE(f.open(QIODevice::ReadWrite));
    REQUIRE(f.setFileTime(QDateTime::fromMSecsSinceEpoch(mtimeMsecs), QFileDevice::FileModificationTime));
}

}  // namespace

TEST_CASE("the window builds and every view is reachable", "[ui]") {
    ensureApp();
    TempDir dir;
    MainWindow window(qpath(dir / "settings.yaml"));
    window.show();
    const auto* tabs = qobject_cast<QTabWidget*>(window.centralWidget());
    REQUIRE(tabs != nullptr);
    CHECK(tabs->count() == 5);
    const std::pair<const char*, MainWindow::View> views[] = {{"gallery", MainWindow::View::Gallery},
                                                              {"scoring", MainWindow::View::Scoring},
                                                              {"compare", MainWindow::View::Compare},
                                                              {"training", MainWindow::View::Training},
                                                              {"grid", MainWindow::View::Grid}};
    QWidget* expected[] = {window.gallery(), find<ScoringView>(window), find<CompareView>(window), find<TrainingView>(window),
                           find<GridView>(window)};
    for (int i = 0; i < 5; ++i) {
        MainWindow::View v;
        REQUIRE(MainWindow::parseView(views[i].first, &v));
        CHECK(v == views[i].second);
        window.showView(v);
        pictor::test::pump(20);
        CHECK(tabs->currentWidget() == expected[i]);
        CHECK(expected[i]->isVisible());
    }
    MainWindow::View v;
    CHECK_FALSE(MainWindow::parseView("nonsense", &v));
    // First start: the example prompt is prefilled.
    CHECK(find<PromptPanel>(window)->prompt() == "a watercolor painting of a fox in the snow");
    CHECK_FALSE(find<ScoringView>(window)->labels().isEmpty());
    CHECK(find<TrainingView>(window)->classNames().size() >= 2);
}

TEST_CASE("gallery reads images back from their PNG parameters chunks, newest first", "[ui]") {
    ensureApp();
    TempDir dir;
    GenerationParams a;
    a.prompt = "first image";
    a.model = "sd";
    a.scheduler = "PNDM";
    a.seed = 11;
    GenerationParams b = a;
    b.prompt = "second image";
    b.seed = 22;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    writeGeneratedPng(qpath(dir / "a.png"), a, Qt::red, now - 60000);
    writeGeneratedPng(qpath(dir / "b.png"), b, Qt::blue, now - 1000);
    QImage plain(8, 8, QImage::Format_RGB32);
    plain.fill(Qt::green);
    REQUIRE(plain.save(qpath(dir / "c.png")));
    QFile junk(qpath(dir / "broken.png"));
    REQUIRE(junk.open(QIODevice::WriteOnly));
    junk.write("not a png");
    junk.close();

    GalleryView gallery;
    gallery.setFolder(qpath(dir.path()));
    REQUIRE(gallery.waitForScan());
    REQUIRE(galleryImageCount(gallery) == 3);  // the broken file is skipped
    CHECK(galleryImage(gallery, 1).params.prompt == "second image");
    CHECK(galleryImage(gallery, 1).params.seed == 22);
    CHECK(galleryImage(gallery, 2).params.prompt == "first image");
    CHECK(galleryImage(gallery, 0).path.endsWith("c.png"));
    CHECK_FALSE(galleryImage(gallery, 0).hasParameters);  // c.png is the newest, without parameters

    // Placeholders while a job runs, replaced by the images as they arrive.
    gallery.beginJob(7, 2);
    CHECK(galleryPlaceholderCount(gallery) == 2);
    QImage preview(32, 32, QImage::Format_RGB32);
    preview.fill(Qt::yellow);
    gallery.showPreview(7, preview);
    writeGeneratedPng(qpath(dir / "d.png"), b, Qt::white, now);
    gallery.addImage(GalleryView::readItem(qpath(dir / "d.png")), 7);
    CHECK(galleryPlaceholderCount(gallery) == 1);
    CHECK(galleryImageCount(gallery) == 4);
    CHECK(galleryImage(gallery, 0).path.endsWith("d.png"));
    gallery.endJob(7);
    CHECK(galleryPlaceholderCount(gallery) == 0);
}

TEST_CASE("reuse parameters restores the prompt and sampler panels", "[ui]") {
    ensureApp();
    TempDir dir;
    MainWindow window(qpath(dir / "settings.yaml"));
    GenerationParams p;
    p.prompt = "an oil painting of a dog";
    p.negativePrompt = "ugly";
    p.model = "some/model";
    p.scheduler = "Euler a";
    p.steps = 12;
    p.guidance = 4.5;
    p.width = 256;
    p.height = 320;
    p.seed = 99;
    window.reuseParameters(p);
    CHECK(find<PromptPanel>(window)->prompt() == p.prompt);
    CHECK(find<PromptPanel>(window)->negativePrompt() == p.negativePrompt);
    const GenerationParams s = find<SamplerPanel>(window)->params();
    CHECK(s.model == p.model);
    CHECK(s.scheduler == p.scheduler);
    CHECK(s.steps == 12);
    CHECK(s.guidance == Approx(4.5));
    CHECK(s.width == 256);
    CHECK(s.height == 320);
    CHECK(s.seed == 99);
}

TEST_CASE("bar chart shows the values sorted with the best on top", "[ui]") {
    ensureApp();
    BarChart chart("test");
    chart.setBars({{"a", 0.2, "logit 1"}, {"b", 0.5, "logit 2"}, {"c", 0.3, "logit 3"}});
    CHECK(chart.labels() == (QStringList{"b", "c", "a"}));
    // What the chart draws: the category axis bottom to top is the reverse of the list.
    const auto axes = chart.chart()->axes(Qt::Vertical);
    REQUIRE(axes.size() == 1);
    auto* categories = qobject_cast<QBarCategoryAxis*>(axes.first());
    REQUIRE(categories);
    CHECK(categories->categories() == (QStringList{"a", "c", "b"}));
    const QVector<double> values = drawnValues(chart);
    REQUIRE(values.size() == 3);
    CHECK(values[0] == 0.5);
    CHECK(values[1] == 0.3);
    CHECK(values[2] == 0.2);
    CHECK(drawnHighlight(chart) == 0);
}

TEST_CASE("training dashboard: one point per epoch, smoothed batch loss, evaluation", "[ui]") {
    ensureApp();
    TrainingView view;
    view.resetCharts(3);
    for (int e = 1; e <= 3; ++e) {
        for (int b = 1; b <= 4; ++b) view.addBatchLoss(e, b, 4, 1.0 / (e * b));
        view.addEpoch(EpochMetrics{e, 3, 1.0 / e, 0.5 + e * 0.1, 1.2 / e, 0.4 + e * 0.1});
        CHECK(seriesPoints(view, "lossChart", "trainLoss") == e);
        CHECK(seriesPoints(view, "lossChart", "testLoss") == e);
        CHECK(seriesPoints(view, "accuracyChart", "trainAccuracy") == e);
        CHECK(seriesPoints(view, "accuracyChart", "testAccuracy") == e);
    }
    CHECK(seriesPoints(view, "lossChart", "batchLoss") == 12);
    TrainingEvaluation eval;
    eval.classes = {"fox", "dog"};
    eval.perClassAccuracy = {1.0, 0.5};
    eval.confusion = {{2, 0}, {1, 1}};
    view.showEvaluation(eval);
    view.resetCharts(2);
    CHECK(seriesPoints(view, "lossChart", "trainLoss") == 0);
    CHECK(seriesPoints(view, "lossChart", "batchLoss") == 0);
    CHECK(TrainingView::formatEta(75) == "1 min 15 s");
    CHECK(TrainingView::formatEta(-1) == "–");
}

TEST_CASE("a failing job ends in one failure signal and the worker keeps going", "[ui]") {
    ensureApp();
    EngineThread engine;
    EngineWorker* worker = engine.worker();
    QVector<std::pair<int, JobState>> finished;
    QString message;
    QObject::connect(worker, &EngineWorker::jobFinished, worker,
                     [&](int id, JobState state, const QString& m) {
                         finished.push_back({id, state});
                         message = m;
                     }, Qt::DirectConnection);
    const int first = worker->submit(ScoreRequest{{"/nonexistent/image.png"}, {"a fox"}, "/nonexistent/clip"});
    const int second = worker->submit(ClassifyRequest{"/nonexistent/image.png", "/nonexistent/model"});
    worker->cancel(second);  // still queued: cancelled without running
    REQUIRE(pictor::test::waitUntil([&] { return finished.size() == 2; }));
    CHECK((finished[0] == std::pair{first, JobState::Failed}));
    CHECK((finished[1] == std::pair{second, JobState::Cancelled}));
    CHECK(message.isEmpty());  // a cancelled job has nothing to explain
    // The worker takes the next job after a failure and a cancel.
    const int third = worker->submit(ClassifyRequest{"/nonexistent/image.png", "/nonexistent/model"});
    REQUIRE(pictor::test::waitUntil([&] { return finished.size() == 3; }));
    CHECK((finished[2] == std::pair{third, JobState::Failed}));
    CHECK_FALSE(message.isEmpty());
}

TEST_CASE("jobs list tracks states", "[ui]") {
    ensureApp();
    JobsView jobs;
    jobs.addJob(1, "one");
    jobs.addJob(2, "two");
    CHECK(jobs.state(1) == JobState::Queued);
    jobs.setStarted(1);
    jobs.setProgress(1, "denoising", 3, 10, 12.0);
    CHECK(jobs.state(1) == JobState::Running);
    jobs.setFinished(1, JobState::Done, {});
    jobs.setFinished(2, JobState::Cancelled, {});
    CHECK(jobs.state(1) == JobState::Done);
    CHECK(jobs.state(2) == JobState::Cancelled);
    CHECK(find<QTreeWidget>(jobs, "jobs")->topLevelItemCount() == 2);
}

TEST_CASE("screenshot mode renders every view to a PNG", "[ui]") {
    ensureApp();
    TempDir dir;
    for (const char* view : {"gallery", "scoring", "compare", "training"}) {
        const QString file = qpath(dir / (std::string(view) + ".png"));
        REQUIRE(renderScreenshot(file, view, qpath(dir / "settings.yaml")) == 0);
        QImage image(file);
        REQUIRE_FALSE(image.isNull());
        CHECK(image.width() >= 1000);
        CHECK(image.height() >= 700);
    }
    CHECK(renderScreenshot(qpath(dir / "x.png"), "nope", qpath(dir / "settings.yaml")) == 2);
}

TEST_CASE("settings round-trip through settings.yaml, an invalid file is reported and left alone", "[ui]") {
    ensureApp();
    TempDir dir;
    const QString path = qpath(dir / "config" / "settings.yaml");
    GenerationParams p;
    p.prompt = "an oil painting of a dog";
    p.negativePrompt = "ugly";
    p.model = "some-org/some-model";
    p.scheduler = "Euler a";
    p.steps = 12;
    p.guidance = 5.5;
    p.imagesPerPrompt = 3;
    p.width = 256;
    p.height = 320;
    p.seed = 42;
    {
        MainWindow window(path);
        window.reuseParameters(p);
        find<TrainingView>(window)->setTrainingDefaults(9, 7, 0.01, 4, 0.25, "Adam", 5);
        REQUIRE(window.saveSettings());
    }
    REQUIRE(QFile::exists(path));
    {
        MainWindow window(path);
        CHECK(find<PromptPanel>(window)->prompt() == p.prompt);
        CHECK(find<PromptPanel>(window)->negativePrompt() == p.negativePrompt);
        GenerationParams back = find<SamplerPanel>(window)->params();
        back.prompt = p.prompt;
        back.negativePrompt = p.negativePrompt;
        back.device = p.device;
        CHECK(back == p);
        const TrainRequest t = find<TrainingView>(window)->trainRequest();
        CHECK(t.epochs == 7);
        CHECK(t.batchSize == 4);
        CHECK(t.learningRate == Approx(0.01));
        CHECK(t.testFraction == Approx(0.25));
        CHECK(t.optimizer == "Adam");
        CHECK(t.seed == 5);
        CHECK(find<TrainingView>(window)->datasetRequest().imagesPerClass == 9);
    }

    QFile file(path);
    REQUIRE(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    const QByteArray broken = "generation:\n  steps: [1, 2\n";
    file.write(broken);
    file.close();
    MainWindow window(path);
    window.show();
    REQUIRE(pictor::test::waitUntil([&] { return !window.jobRouter()->lastError().isEmpty(); }, 5000));
    CHECK(window.jobRouter()->lastError().contains(path));
    CHECK(find<PromptPanel>(window)->prompt().isEmpty() == false);  // the defaults are in use
    CHECK_FALSE(window.saveSettings());
    REQUIRE(file.open(QIODevice::ReadOnly));
    CHECK(file.readAll() == broken);
}

TEST_CASE("the model manager lists the catalogue with what is on disk", "[ui]") {
    ensureApp();
    TempDir dir;
    qputenv("HF_HUB_CACHE", qpath(dir / "hf").toUtf8());
    qputenv("TORCH_HOME", qpath(dir / "torch").toUtf8());
    qputenv("XDG_CONFIG_HOME", qpath(dir / "config").toUtf8());
    EngineThread engine;
    ModelManagerDialog dialog(engine.worker());
    dialog.show();
    const auto* table = find<QTableWidget>(dialog, "models");
    REQUIRE(pictor::test::waitUntil([&] { return table->rowCount() >= 4; }, 10000));
    const QVector<ModelEntryInfo> entries = EngineBackend::modelCatalogue();
    REQUIRE(entries.size() >= 4);
    for (const ModelEntryInfo& e : entries) CHECK_FALSE(e.complete);  // empty caches
}
