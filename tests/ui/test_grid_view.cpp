// The studio's parameter grid: axes checked as the user types them, a real grid run on the tiny
// fixture models through the worker (cells arrive one by one, coloured by CLIP's probability),
// the run reused the second time, and the job kept in the queue file like every other job.
#include "tests/support/catch.h"

#include "tests/support/fixtures.h"
#include "tests/ui/ui_test_support.h"
#include "ui/grid_view.h"
#include "ui/job_queue_store.h"
#include "ui/job_router.h"
#include "ui/jobs_view.h"
#include "ui/main_window.h"
#include "ui/prompt_panel.h"
#include "ui/sampler_panel.h"

#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QLineEdit>
#include <QPushButton>
#include <QTableWidget>

#include <filesystem>

using namespace pictor::ui;
using pictor::test::ensureApp;
using pictor::test::find;
using pictor::test::TempDir;
using pictor::test::waitUntil;

namespace {

QString qpath(const std::filesystem::path& p) { return QString::fromStdString(p.string()); }

bool finished(const MainWindow& w, int id) { return w.jobs()->state(id) > JobState::Running; }

}  // namespace

TEST_CASE("grid view: axes are checked as they are typed", "[ui][grid]") {
    ensureApp();
    GridView view;
    CHECK_FALSE(view.validationError().isEmpty());  // no X values yet
    view.setAxes({{QStringLiteral("steps"), QStringLiteral("10-30 (+10)")}, {QStringLiteral("guidance"), QStringLiteral("3,7.5")}});
    CHECK(view.validationError().isEmpty());
    CHECK(view.cellCount() == 6);
    view.setAxes({{QStringLiteral("steps"), QStringLiteral("10,abc")}});
    CHECK(view.validationError().contains(QStringLiteral("'abc' is not an integer")));
    view.setAxes({{QStringLiteral("sampler"), QStringLiteral("PNDM,Heun 9")}});
    CHECK(view.validationError().contains(QStringLiteral("is unknown")));
    // A Z axis without a Y axis.
    view.setAxes({{QStringLiteral("steps"), QStringLiteral("1,2")}, {QString(), QString()}, {QStringLiteral("seed"), QStringLiteral("1,2")}});
    CHECK(view.validationError().contains(QStringLiteral("in order")));
    view.setAxes({{QStringLiteral("steps"), QStringLiteral("1,2")}});
    view.setLabels({});
    CHECK(view.validationError().isEmpty());
    view.setLabels({QStringLiteral("a fox"), QStringLiteral("a cat")});
    CHECK(view.scoring());
    CHECK(view.heatLabel() == QStringLiteral("a fox"));
    view.setLabels({});
    CHECK_FALSE(view.scoring());
}

TEST_CASE("grid view: a real grid on sd-tiny, scored by CLIP, reused the second time", "[ui][grid][sd]") {
    PICTOR_REQUIRE_FIXTURES(sd, "sd-tiny");
    PICTOR_REQUIRE_FIXTURES(clip, "clip-tiny");
    ensureApp();
    TempDir dir;
    const QString settings = qpath(dir / "settings.yaml");
    pictor::test::writeSettings(settings, [&](StudioSettings& s) {
        s.clipModel = qpath(clip);
        s.outputFolder = qpath(dir / "out");
    });
    MainWindow window(settings);
    auto* grid = find<GridView>(window);
    GenerationParams p;
    p.model = qpath(sd);
    p.scheduler = QStringLiteral("PNDM");
    p.steps = 2;
    p.width = p.height = 64;
    p.seed = 11;
    find<SamplerPanel>(window)->setParams(p);
    find<PromptPanel>(window)->setPrompt(QStringLiteral("a watercolor painting of a fox"));
    grid->setAxes({{QStringLiteral("steps"), QStringLiteral("1,2")}, {QStringLiteral("guidance"), QStringLiteral("1,7.5")}});
    grid->setLabels({QStringLiteral("a fox"), QStringLiteral("a cat")});

    const int id = window.jobRouter()->runGrid();
    REQUIRE(id > 0);
    // The job is in the queue file like every other, so a crash offers it again.
    const QVector<StoredJob> queued = window.jobRouter()->unfinishedJobs();
    REQUIRE(queued.size() == 1);
    CHECK(queued[0].kind == QStringLiteral("grid"));
    REQUIRE(waitUntil([&] { return finished(window, id); }, 180000));
    INFO(window.jobRouter()->lastError().toStdString());
    REQUIRE(window.jobs()->state(id) == JobState::Done);

    auto* table = find<QTableWidget>(*grid);
    REQUIRE(table->rowCount() == 2);
    REQUIRE(table->columnCount() == 2);
    for (int r = 0; r < 2; ++r)
        for (int c = 0; c < 2; ++c) {
            QTableWidgetItem* item = table->item(r, c);
            REQUIRE(item);
            CHECK(QFileInfo::exists(item->data(Qt::UserRole).toString()));
            CHECK(item->text().contains(QStringLiteral("%")));  // the heat label's probability
        }
    const QString gridFile = qpath(dir / "out" / "grids" / "grid-00000.png");
    CHECK(QFileInfo::exists(gridFile));
    CHECK(QFileInfo::exists(qpath(dir / "out" / "grids" / "grid-00000.csv")));

    const int again = window.jobRouter()->runGrid();
    REQUIRE(waitUntil([&] { return finished(window, again); }, 60000));
    CHECK(window.jobs()->state(again) == JobState::Done);
    CHECK(QFileInfo::exists(qpath(dir / "out" / "grids" / "grid-00001.png")));
    CHECK(QDir(qpath(dir / "out" / "grids" / "cells")).entryList({QStringLiteral("*.png")}).size() == 4);  // all reused
}

TEST_CASE("grid view: the prompt is needed, and the error is shown in the view", "[ui][grid]") {
    ensureApp();
    TempDir dir;
    MainWindow window(qpath(dir / "settings.yaml"));
    find<PromptPanel>(window)->setPrompt({});
    auto* grid = find<GridView>(window);
    grid->setAxes({{QStringLiteral("steps"), QStringLiteral("1,2")}});
    CHECK(window.jobRouter()->runGrid() == 0);
    CHECK(window.jobRouter()->unfinishedJobs().isEmpty());
}

TEST_CASE("job queue file: a grid job reads back as it was written", "[ui][grid][queue]") {
    ensureApp();
    TempDir dir;
    GridRequest r;
    r.params.prompt = QStringLiteral("a fox");
    r.params.seed = 3;
    r.outputFolder = QStringLiteral("/tmp/x/grids");
    r.axes = {{QStringLiteral("steps"), QStringLiteral("1,2")}, {QStringLiteral("prompt_sr"), QStringLiteral("fox,\"cat, black\"")}};
    r.labels = {QStringLiteral("a fox")};
    r.clipModel = QStringLiteral("clip");
    r.heatLabel = QStringLiteral("a fox");
    const QString file = qpath(dir / "queue.json");
    QString error;
    REQUIRE(saveJobQueue(file, {StoredJob{QStringLiteral("grid"), r}}, &error));
    const QVector<StoredJob> read = loadJobQueue(file, &error);
    REQUIRE(read.size() == 1);
    const auto* back = std::get_if<GridRequest>(&read[0].request);
    REQUIRE(back);
    CHECK(back->axes.size() == 2);
    CHECK(back->axes[1].values == r.axes[1].values);
    CHECK(back->labels == r.labels);
    CHECK(back->params.seed == 3);
    CHECK(back->heatLabel == r.heatLabel);
}
