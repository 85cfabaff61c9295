// What the studio keeps across a restart: the job queue (queued and interrupted jobs are offered
// again), the question when the window closes during a job, and the Scoring labels, the dataset
// folder and the training name.
#include "tests/support/catch.h"

#include "tests/support/fixtures.h"
#include "tests/ui/ui_test_support.h"
#include "ui/job_queue_store.h"
#include "ui/job_router.h"
#include "ui/jobs_view.h"
#include "ui/elided_label.h"
#include "ui/main_window.h"
#include "ui/prompt_panel.h"
#include "ui/scoring_view.h"
#include "ui/training_view.h"

#include <QApplication>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QTimer>
#include <QToolBar>
#include <QTreeWidget>

using namespace pictor::ui;
using pictor::test::ensureApp;
using pictor::test::find;
using pictor::test::TempDir;
using pictor::test::waitUntil;
using pictor::test::writeSettings;

namespace {

QString qpath(const std::filesystem::path& p) { return QString::fromStdString(p.string()); }

GenerationParams fox(qint64 seed) {
    GenerationParams p;
    p.prompt = QStringLiteral("a watercolor painting of a fox");
    p.negativePrompt = QStringLiteral("blurry");
    p.model = QStringLiteral("no-such-org/no-such-model");
    p.scheduler = QStringLiteral("Euler a");
    p.steps = 7;
    p.guidance = 6.5;
    p.imagesPerPrompt = 1;
    p.width = 64;
    p.height = 96;
    p.seed = seed;
    p.loras = {LoraEntry{QStringLiteral("/loras/ink.safetensors"), 0.7}};
    return p;
}

// Answers the next modal message box named `box` by clicking its button `button` (from the box's
// own event loop, polled every 20 ms). It stops polling when it goes out of scope, so a box that never
// opened cannot leave a timer behind that answers a later test's box or writes a dead string.
class BoxAnswerer {
public:
    BoxAnswerer(const QString& box, const QString& button) {
        QObject::connect(&m_poll, &QTimer::timeout, [this, box, button] {
            // Not activeModalWidget(): a failed job's message may open over it meanwhile.
            for (QWidget* w : QApplication::topLevelWidgets()) {
                auto* shown = qobject_cast<QMessageBox*>(w);
                if (!shown || !shown->isVisible() || shown->objectName() != box) continue;
                m_seen = shown->text();
                m_poll.stop();
                shown->findChild<QPushButton*>(button)->click();
                return;
            }
        });
        m_poll.start(20);
    }
    // The box's text; empty while it has not been asked.
    const QString& seen() const { return m_seen; }

private:
    QTimer m_poll;
    QString m_seen;
};

int jobRows(const MainWindow& window) { return find<QTreeWidget>(*window.jobs(), "jobs")->topLevelItemCount(); }

}  // namespace

TEST_CASE("job queue file: every kind of job reads back as it was written", "[ui][queue]") {
    TempDir dir;
    const QString path = qpath(dir / "job_queue.json");
    DatasetRequest dataset;
    dataset.classes = {{"fox", "a fox"}, {"dog", "a dog"}};
    dataset.imagesPerClass = 4;
    dataset.folder = "/data/fox-vs-dog";
    dataset.params = fox(9007199254740993LL);  // beyond 2^53: a JSON number would change it
    TrainRequest train;
    train.datasetFolder = "/data/fox-vs-dog";
    train.resnetModel = "resnet18.pth";
    train.epochs = 3;
    train.learningRate = 3e-4;
    train.optimizer = "Adam";
    train.seed = 11;
    train.exportPath = "/data/fox-vs-dog-classifier";
    const QVector<StoredJob> jobs{
        {"generate", GenerateRequest{fox(42), "/out"}},
        {"scoreAll", ScoreRequest{{"/a.png", "/b.png"}, {"a fox", "a dog"}, "openai/clip"}},
        {"compare", CompareRequest{"/a.png", {"a fox"}, "openai/clip", "resnet50.pth"}},
        {"dataset", dataset},
        {"train", train},
        {"classify", ClassifyRequest{"/a.png", "/c"}}};
    REQUIRE(saveJobQueue(path, jobs));
    QString error;
    const QVector<StoredJob> back = loadJobQueue(path, &error);
    CHECK(error.isEmpty());
    REQUIRE(back.size() == jobs.size());
    for (int i = 0; i < jobs.size(); ++i) {
        CHECK(back[i].kind == jobs[i].kind);
        CHECK(storedJobJson(back[i]) == storedJobJson(jobs[i]));
    }
    const auto& g = std::get<GenerateRequest>(back[0].request);
    CHECK(g.params == fox(42));
    CHECK(g.outputFolder == "/out");
    CHECK(std::get<DatasetRequest>(back[3].request).params.seed == 9007199254740993LL);
    CHECK(std::get<TrainRequest>(back[4].request).learningRate == 3e-4);

    SECTION("an empty queue removes the file") {
        REQUIRE(saveJobQueue(path, {}));
        CHECK_FALSE(QFile::exists(path));
    }
    SECTION("a broken file or an unknown job is reported, the readable jobs are kept") {
        QFile f(path);
        REQUIRE(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(R"({"version": 1, "jobs": [{"kind": "upscale", "request": {}}, )"
                R"({"kind": "classify", "request": {"imagePath": "/x.png", "classifierPath": "/c"}}]})");
        f.close();
        const QVector<StoredJob> some = loadJobQueue(path, &error);
        REQUIRE(some.size() == 1);
        CHECK(std::get<ClassifyRequest>(some[0].request).imagePath == "/x.png");
        CHECK(error.contains("jobs[0]: unknown job kind “upscale”"));
        REQUIRE(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write("{not json");
        f.close();
        error.clear();
        CHECK(loadJobQueue(path, &error).isEmpty());
        CHECK(error.contains(path));
    }
}

TEST_CASE("queued jobs are offered again after a restart and run again or are discarded", "[ui][queue]") {
    ensureApp();
    TempDir dir;
    const QString settings = qpath(dir / "config" / "settings.yaml");
    {
        MainWindow window(settings);
        window.reuseParameters(fox(42));
        REQUIRE(window.jobRouter()->generate() > 0);
        window.reuseParameters(fox(43));
        REQUIRE(window.jobRouter()->generate() > 0);
        // Destroyed at once, without an event loop turn: as a kill would leave it, the jobs are
        // still queued or running as far as the window knows.
        REQUIRE(QFile::exists(window.jobQueueFile()));
    }
    MainWindow window(settings);
    window.show();
    REQUIRE(window.interruptedJobs().size() == 2);
    CHECK(window.interruptedJobs()[0].kind == "generate");
    CHECK(std::get<GenerateRequest>(window.interruptedJobs()[0].request).params.seed == 42);
    CHECK(std::get<GenerateRequest>(window.interruptedJobs()[1].request).params == fox(43));
    auto* bar = find<QToolBar>(window, "interruptedJobs");
    CHECK(bar->isVisible());
    CHECK(find<ElidedLabel>(*bar, "interruptedText")->fullText().contains("2 jobs of the last session did not finish"));

    SECTION("Run again queues them in their order") {
        const int before = jobRows(window);
        find<QPushButton>(*bar, "runInterrupted")->click();
        CHECK(jobRows(window) == before + 2);
        CHECK_FALSE(bar->isVisible());
        CHECK(window.interruptedJobs().isEmpty());
        // Until they finish they are this session's queue (the file is rewritten as they do).
        CHECK(QFile::exists(window.jobQueueFile()));
        REQUIRE(waitUntil([&] { return window.jobRouter()->unfinishedJobs().isEmpty(); }, 20000));
        CHECK_FALSE(QFile::exists(window.jobQueueFile()));
    }
    SECTION("Discard forgets them") {
        find<QPushButton>(*bar, "discardInterrupted")->click();
        CHECK_FALSE(bar->isVisible());
        CHECK_FALSE(QFile::exists(window.jobQueueFile()));
        MainWindow again(settings);
        CHECK(again.interruptedJobs().isEmpty());
    }
    SECTION("offered jobs survive a session in which other jobs run") {
        window.reuseParameters(fox(44));
        REQUIRE(window.jobRouter()->generate() > 0);
        REQUIRE(waitUntil([&] { return window.jobRouter()->unfinishedJobs().isEmpty(); }, 20000));
        CHECK(loadJobQueue(window.jobQueueFile()).size() == 2);
    }
}

TEST_CASE("closing the window during a job asks, and keeps or discards the job as answered", "[ui][queue]") {
    ensureApp();
    TempDir dir;
    const QString settings = qpath(dir / "settings.yaml");
    MainWindow window(settings);
    window.show();
    window.reuseParameters(fox(7));
    REQUIRE(window.jobRouter()->generate() > 0);

    SECTION("Cancel keeps the window open") {
        BoxAnswerer answer("closeWithJobs", "quitCancel");
        CHECK_FALSE(window.close());
        CHECK(window.isVisible());
        CHECK(answer.seen().contains("1 job did not finish yet"));
        CHECK(answer.seen().contains("a watercolor painting of a fox"));
    }
    SECTION("Discard closes and leaves no queue") {
        BoxAnswerer answer("closeWithJobs", "quitDiscard");
        CHECK(window.close());
        CHECK_FALSE(answer.seen().isEmpty());
        CHECK_FALSE(QFile::exists(window.jobQueueFile()));
        MainWindow next(settings);
        CHECK(next.interruptedJobs().isEmpty());
    }
    SECTION("without unfinished jobs it closes without asking") {
        REQUIRE(waitUntil([&] { return window.jobRouter()->unfinishedJobs().isEmpty(); }, 20000));
        BoxAnswerer wrongly("closeWithJobs", "quitCancel");  // a question would fail, not hang
        CHECK(window.close());
        CHECK(wrongly.seen().isEmpty());
    }
}

TEST_CASE("quitting during a running generation keeps it for the next start", "[ui][queue][sd]") {
    PICTOR_REQUIRE_FIXTURES(sd, "sd-tiny");
    ensureApp();
    TempDir dir;
    const QString settings = qpath(dir / "settings.yaml");
    GenerationParams p = fox(5);
    p.model = qpath(sd);
    p.scheduler = "PNDM";
    p.loras.clear();
    p.steps = 500;  // the most the Sampler takes: long enough to still run when the answer comes
    p.width = p.height = 64;
    {
        MainWindow window(settings);
        window.show();
        window.reuseParameters(p);
        const int id = window.jobRouter()->generate();
        REQUIRE(id > 0);
        REQUIRE(waitUntil([&] { return window.jobs()->state(id) == JobState::Running; }, 60000));
        BoxAnswerer answer("closeWithJobs", "quitKeep");
        CHECK(window.close());
        CHECK(answer.seen().contains("did not finish"));
    }  // the shutdown cancels the job: it stays in the file all the same
    MainWindow next(settings);
    REQUIRE(next.interruptedJobs().size() == 1);
    CHECK(std::get<GenerateRequest>(next.interruptedJobs()[0].request).params.steps == 500);
    CHECK(std::get<GenerateRequest>(next.interruptedJobs()[0].request).params.model == qpath(sd));
}

TEST_CASE("the Scoring labels, the dataset folder and the training name are kept across restarts", "[ui][queue]") {
    ensureApp();
    TempDir dir;
    const QString settings = qpath(dir / "settings.yaml");
    const QString folder = qpath(dir / "my datasets" / "cats");
    QStringList defaults;
    {
        MainWindow window(settings);
        auto* scoring = find<ScoringView>(window);
        defaults = scoring->labels();
        scoring->setLabels({"a photo of a cat", "a sketch of a cat"});
        find<QLineEdit>(window, "datasetFolder")->setText(folder);
        find<QLineEdit>(window, "trainingName")->setText("cats, sketched");
        window.show();
        BoxAnswerer wrongly("closeWithJobs", "quitCancel");  // a question would fail, not hang
        CHECK(window.close());  // no jobs: no question
        CHECK(wrongly.seen().isEmpty());
    }
    {
        MainWindow window(settings);
        CHECK(find<ScoringView>(window)->labels() == QStringList{"a photo of a cat", "a sketch of a cat"});
        CHECK(find<TrainingView>(window)->datasetFolder() == folder);
        CHECK(find<TrainingView>(window)->trainingName() == "cats, sketched");
        // Back to the preset's labels and the default folder: those follow the presets again.
        find<ScoringView>(window)->setLabels(defaults);
        StudioSettings derived = loadStudioSettings(settings);
        derived.datasetFolder.clear();
        find<TrainingView>(window)->setDatasetFolder(datasetFolderFor(derived));
        REQUIRE(window.saveSettings());
    }
    const StudioSettings saved = loadStudioSettings(settings);
    CHECK(saved.scoringLabels.isEmpty());
    CHECK(saved.datasetFolder.isEmpty());
    CHECK(saved.trainingName == "cats, sketched");
}
