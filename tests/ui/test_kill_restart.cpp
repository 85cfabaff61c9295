// kill -9 of the studio while it generates, 20 times at random moments: after each kill the
// settings file reads back whole, no visible PNG is partial, and the next start offers the jobs
// that did not finish (the queue on disk). The studio runs in a child process: this test binary
// started again with the hidden test case below, so the kill hits a real studio, not a fork.
#include "tests/support/catch.h"

#include "tests/support/fixtures.h"
#include "tests/ui/ui_test_support.h"
#include "ui/job_queue_store.h"
#include "ui/job_router.h"
#include "ui/main_window.h"
#include "ui/studio_settings.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QProcessEnvironment>

#include <cstdio>
#include <random>

using namespace pictor::ui;
using pictor::test::ensureApp;
using pictor::test::TempDir;
using pictor::test::waitUntil;

namespace {

constexpr int kJobs = 3;
const char* const kSettingsVariable = "PICTOR_KILL_TEST_SETTINGS";
const char* const kModelVariable = "PICTOR_KILL_TEST_MODEL";

GenerationParams longGeneration(const QString& model, int seed) {
    GenerationParams p;
    p.prompt = QStringLiteral("a watercolor painting of a fox, job %1").arg(seed);
    p.model = model;
    p.scheduler = QStringLiteral("Euler a");
    p.steps = 40;
    p.imagesPerPrompt = 1;  // one PNG per job: the PNGs on disk count the finished jobs
    p.width = p.height = 64;
    p.seed = seed;
    return p;
}

// Visible PNGs under `folder` (dot-files are temporaries); fails the test on a partial one.
int completePngs(const QString& folder) {
    int count = 0;
    QDir dir(folder);
    for (const QFileInfo& info : dir.entryInfoList({QStringLiteral("*.png")}, QDir::Files)) {
        QFile file(info.filePath());
        REQUIRE(file.open(QIODevice::ReadOnly));
        const QByteArray bytes = file.readAll();
        INFO(info.filePath().toStdString() << ": " << bytes.size() << " bytes");
        CHECK(bytes.startsWith("\x89PNG"));
        CHECK(bytes.mid(bytes.size() - 8, 4) == "IEND");
        ++count;
    }
    return count;
}

}  // namespace

// The child: a studio that queues kJobs generations and runs them. Hidden ("[.]"): only the
// kill test below starts it, with the settings file and the model in the environment.
TEST_CASE("kill test child: a studio generating", "[.][kill-child]") {
    const QString settings = qEnvironmentVariable(kSettingsVariable);
    const QString model = qEnvironmentVariable(kModelVariable);
    if (settings.isEmpty() || model.isEmpty()) return;
    ensureApp();
    MainWindow window(settings);
    window.show();
    for (int i = 0; i < kJobs; ++i) {
        window.reuseParameters(longGeneration(model, i + 1));
        REQUIRE(window.jobRouter()->generate() > 0);
    }
    std::printf("queued\n");
    std::fflush(stdout);
    REQUIRE(waitUntil([&] { return window.jobRouter()->unfinishedJobs().isEmpty(); }, 120000));
}

TEST_CASE("the studio killed 20 times while generating keeps its settings and offers the unfinished jobs",
          "[ui][queue][crash][sd]") {
    PICTOR_REQUIRE_FIXTURES(sd, "sd-tiny");
    ensureApp();
    TempDir dir;
    std::mt19937 random(2024);
    int kills = 0, rounds = 0, offeredTotal = 0;
    while (kills < 20) {
        REQUIRE(++rounds < 60);
        const QString round = QString::fromStdString((dir / ("round-" + std::to_string(rounds))).string());
        const QString settingsPath = round + QStringLiteral("/config/settings.yaml");
        const QString output = round + QStringLiteral("/out");
        pictor::test::writeSettings(settingsPath, [&](StudioSettings& s) { s.outputFolder = output; });

        QProcess child;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QString::fromLatin1(kSettingsVariable), settingsPath);
        env.insert(QString::fromLatin1(kModelVariable), QString::fromStdString(sd.string()));
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        child.setProcessEnvironment(env);
        child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        child.start(QCoreApplication::applicationFilePath(), {QStringLiteral("kill test child: a studio generating")});
        REQUIRE(child.waitForStarted(10000));
        REQUIRE(child.waitForReadyRead(60000));  // "queued": the jobs are in the file
        REQUIRE(child.readAll().contains("queued"));
        const int delayMs = std::uniform_int_distribution<int>(0, 2500)(random);
        const bool finished = child.waitForFinished(delayMs);
        if (finished) {
            // All done before the kill: nothing is offered and every image is there.
            CHECK(child.exitCode() == 0);
            CHECK(completePngs(output) == kJobs);
            CHECK(loadJobQueue(jobQueuePath(settingsPath)).isEmpty());
            continue;
        }
        child.kill();  // SIGKILL
        REQUIRE(child.waitForFinished(10000));
        ++kills;
        INFO("kill " << kills << " after " << delayMs << " ms");

        // The settings file reads back whole, with what the child last saved.
        QStringList warnings;
        const StudioSettings back = loadStudioSettings(settingsPath, &warnings);
        CHECK(warnings.isEmpty());
        CHECK(back.outputFolder == output);
        // No partial PNG; the jobs not finished on disk are offered at the next start (one more at
        // most: an image written just before the kill, the queue not yet rewritten).
        const int done = completePngs(output);
        QString error;
        CHECK(loadJobQueue(jobQueuePath(settingsPath), &error).size() >= kJobs - done);
        CHECK(error.isEmpty());
        MainWindow restarted(settingsPath);
        const int offered = int(restarted.interruptedJobs().size());
        CHECK(offered >= kJobs - done);
        CHECK(offered <= kJobs - done + 1);
        offeredTotal += offered;
    }
    // The kills hit the jobs at different stages: more than the first one was ever done.
    CHECK(offeredTotal < 20 * kJobs);
}
