// Soak: 300 mixed jobs in one studio process (generate, score, compare, train, classify, grids,
// cancels at random moments, bad inputs) through the real EngineWorker, with a gallery receiving
// the images on the GUI thread. Every job must end as it should (done / failed / cancelled), the
// memory after the run stays within 10 % of the memory after the first 30 jobs, no file
// descriptor leaks, and the GUI event loop never stalls for 100 ms.
//
// Hidden from the default run ([.soak]): `make soak` runs it. It does not pass yet: after two fixes
// it found (the model cache kept every earlier version of a re-exported classifier; glibc kept the
// pages a training job freed) the memory still grows ~12 % over the 300 jobs, mostly over the
// training jobs.
#include "tests/support/catch.h"

#include "tests/support/fixtures.h"
#include "tests/ui/ui_test_support.h"
#include "ui/engine_worker.h"
#include "ui/gallery_view.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>

using namespace pictor::ui;
using pictor::test::ensureApp;
using pictor::test::TempDir;
using pictor::test::waitUntil;

namespace {

QString qpath(const std::filesystem::path& p) { return QString::fromStdString(p.string()); }

// Resident memory of this process in KiB (/proc/self/status VmRSS).
long residentKiB() {
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly)) return -1;
    for (const QByteArray& line : status.readAll().split('\n'))
        if (line.startsWith("VmRSS:")) return line.mid(6).trimmed().split(' ').value(0).toLong();
    return -1;
}

int openDescriptors() { return int(QDir(QStringLiteral("/proc/self/fd")).entryList(QDir::NoDotAndDotDot | QDir::System).size()); }

}  // namespace

TEST_CASE("soak: 300 mixed jobs end as they should, without growing memory, descriptors or GUI stalls", "[.soak][ui][sd]") {
    PICTOR_REQUIRE_FIXTURES(sd, "sd-tiny");
    PICTOR_REQUIRE_FIXTURES(clip, "clip-tiny");
    PICTOR_REQUIRE_FIXTURES(resnet, "resnet");
    ensureApp();
    TempDir dir;
    EngineThread engine;
    EngineWorker* worker = engine.worker();
    GalleryView gallery;  // the GUI-thread consumer of every generated image
    gallery.setFolder(qpath(dir / "out"));
    std::map<int, JobState> states;
    QObject receiver;
    QObject::connect(worker, &EngineWorker::imageGenerated, &gallery, [&](int id, const GalleryItem& item) { gallery.addImage(item, id); });
    QObject::connect(worker, &EngineWorker::jobFinished, &receiver, [&](int id, JobState s, const QString&) { states[id] = s; });

    // The GUI thread's worst delay: a 10 ms timer that measures how late it fires.
    QElapsedTimer clock;
    clock.start();
    qint64 last = 0, worstGapMs = 0;
    QTimer heartbeat;
    heartbeat.setInterval(10);
    QObject::connect(&heartbeat, &QTimer::timeout, &receiver, [&] {
        const qint64 now = clock.elapsed();
        if (last) worstGapMs = std::max(worstGapMs, now - last - 10);
        last = now;
    });

    GenerationParams base;
    base.prompt = QStringLiteral("a watercolor painting of a fox");
    base.model = qpath(sd);
    base.scheduler = QStringLiteral("PNDM");
    base.steps = 2;
    base.imagesPerPrompt = 1;
    base.width = base.height = 64;
    const QString out = qpath(dir / "out");

    // A small dataset to train on, made once.
    DatasetRequest data;
    data.classes = {{QStringLiteral("fox"), QStringLiteral("a fox")}, {QStringLiteral("dog"), QStringLiteral("a dog")}};
    data.imagesPerClass = 4;
    data.folder = qpath(dir / "data");
    data.params = base;
    data.params.steps = 1;
    data.params.seed = 0;
    const int dataId = worker->submit(data);
    REQUIRE(waitUntil([&] { return states.count(dataId) > 0; }, 120000));
    REQUIRE(states[dataId] == JobState::Done);
    const QString someImage = qpath(dir / "data" / "fox" / "fox_0000.png");
    const QString resnet18 = qpath(resnet / "resnet18.pth");

    heartbeat.start();
    QRandomGenerator random(42);
    long rssAfter30 = 0;
    int fdsAfter30 = 0;
    int done = 0, failed = 0, cancelled = 0;
    std::map<int, long> growthByKind;  // RSS change over each kind's jobs, for the log
    for (int i = 0; i < 300; ++i) {
        const long rssBefore = residentKiB();
        JobState expected = JobState::Done;
        bool cancelAtRandom = false;
        int id = 0;
        GenerationParams p = base;
        p.seed = i;
        switch (i % 10) {
            case 0:
            case 1:
            case 2:
                id = worker->submit(GenerateRequest{p, out});
                break;
            case 3:
                id = worker->submit(ScoreRequest{{someImage}, {QStringLiteral("a fox"), QStringLiteral("a dog")}, qpath(clip)});
                break;
            case 4:
                id = worker->submit(CompareRequest{someImage, {QStringLiteral("a fox"), QStringLiteral("a dog")}, qpath(clip), resnet18});
                break;
            case 5:  // bad inputs, one of several kinds
                expected = JobState::Failed;
                if (i % 20 == 5) {
                    p.width = 70;  // not a multiple of 8
                    id = worker->submit(GenerateRequest{p, out});
                } else if (i % 30 == 15) {
                    id = worker->submit(ScoreRequest{{qpath(dir / "missing.png")}, {QStringLiteral("a fox")}, qpath(clip)});
                } else {
                    id = worker->submit(ClassifyRequest{someImage, qpath(dir / "no-classifier")});
                }
                break;
            case 6:
            case 7:  // cancelled at a random moment of a longer generation
                p.steps = 8;
                cancelAtRandom = true;
                id = worker->submit(GenerateRequest{p, out});
                break;
            case 8:
                if (i % 30 == 8) {
                    TrainRequest t;
                    t.datasetFolder = data.folder;
                    t.resnetModel = resnet18;
                    t.epochs = 1;
                    t.batchSize = 4;
                    t.testFraction = 0.5;
                    t.exportPath = qpath(dir / "model");
                    id = worker->submit(t);
                } else {
                    GridRequest g;
                    g.params = p;
                    g.params.steps = 1;
                    g.outputFolder = qpath(dir / "grids");
                    g.axes = {{QStringLiteral("seed"), QString::number(i % 4) + QStringLiteral(",9")}};
                    id = worker->submit(g);
                }
                break;
            default:
                id = worker->submit(ClassifyRequest{someImage, qpath(dir / "model")});
                if (!QFileInfo::exists(qpath(dir / "model" / "classifier.json"))) expected = JobState::Failed;
                break;
        }
        if (cancelAtRandom) {
            const int delay = int(random.bounded(400));
            pictor::test::pump(delay);
            const bool endedBefore = states.count(id) > 0;
            worker->cancel(id);
            REQUIRE(waitUntil([&] { return states.count(id) > 0; }, 120000));
            // Cancelled, unless it had ended before the cancel was asked for.
            CHECK((endedBefore ? states[id] == JobState::Done : states[id] == JobState::Cancelled));
        } else {
            REQUIRE(waitUntil([&] { return states.count(id) > 0; }, 120000));
            INFO("job " << i << " kind " << i % 10);
            CHECK(states[id] == expected);
        }
        done += states[id] == JobState::Done;
        failed += states[id] == JobState::Failed;
        cancelled += states[id] == JobState::Cancelled;
        growthByKind[i % 30 == 8 ? 10 : i % 10] += residentKiB() - rssBefore;  // 10: training
        if (i == 29) {
            pictor::test::pump(200);
            rssAfter30 = residentKiB();
            fdsAfter30 = openDescriptors();
        }
    }
    pictor::test::pump(200);
    heartbeat.stop();
    const long rssEnd = residentKiB();
    const int fdsEnd = openDescriptors();
    std::printf("soak: %d done, %d failed, %d cancelled; RSS after 30 jobs %ld KiB, after 300 %ld KiB (%+.1f %%); "
                "descriptors %d -> %d; worst GUI stall %lld ms\n",
                done, failed, cancelled, rssAfter30, rssEnd, 100.0 * (rssEnd - rssAfter30) / rssAfter30, fdsAfter30, fdsEnd,
                static_cast<long long>(worstGapMs));
    for (const auto& [kind, kib] : growthByKind) std::printf("soak: kind %d: RSS %+ld KiB\n", kind, kib);
    CHECK(done + failed + cancelled == 300);
    CHECK(cancelled > 0);
    CHECK(rssEnd <= rssAfter30 * 11 / 10);
    CHECK(fdsEnd <= fdsAfter30);
    CHECK(worstGapMs < 100);
}

