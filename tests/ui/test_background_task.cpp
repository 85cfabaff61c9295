// BackgroundTask / runInBackground: pool work whose result reaches its receiver on the receiver's
// thread only while the receiver exists, and only when no newer request superseded it.
#include "tests/support/catch.h"

#include "tests/support/fixtures.h"
#include "tests/ui/ui_test_support.h"
#include "ui/background_task.h"
#include "ui/engine_worker.h"
#include "ui/gallery_view.h"
#include "ui/model_manager.h"
#include "ui/token_counter.h"

#include <QDir>
#include <QImage>
#include <QSet>
#include <QThreadPool>

#include <atomic>

using namespace pictor::ui;
using pictor::test::ensureApp;
using pictor::test::pump;
using pictor::test::waitUntil;

namespace {

// Receivers that exist now: a callback on any other one would be a use after free.
QSet<const QObject*>& liveReceivers() {
    static QSet<const QObject*> live;
    return live;
}

// A receiver as the studio's classes are: it owns its BackgroundTask.
class Receiver : public QObject {
public:
    explicit Receiver(QThreadPool* pool) : m_task(this, pool) { liveReceivers().insert(this); }
    ~Receiver() override { liveReceivers().remove(this); }

    template <class Work>
    void start(Work work) {
        m_task.start(std::move(work), [this](int value) {
            // Runs on the receiver's thread, while it exists.
            if (!liveReceivers().contains(this)) ++deliveredToDead();
            if (QThread::currentThread() != thread()) ++deliveredOnWrongThread;
            delivered << value;
        });
    }
    void cancel() { m_task.cancel(); }

    static std::atomic<int>& deliveredToDead() {
        static std::atomic<int> count{0};
        return count;
    }
    QVector<int> delivered;
    int deliveredOnWrongThread = 0;

private:
    BackgroundTask m_task;
};

}  // namespace

TEST_CASE("a background result reaches its receiver on the receiver's thread", "[ui][background]") {
    ensureApp();
    QThreadPool pool;
    Receiver receiver(&pool);
    std::atomic<QThread*> workThread{nullptr};
    receiver.start([&] {
        workThread = QThread::currentThread();
        return 7;
    });
    REQUIRE(waitUntil([&] { return !receiver.delivered.isEmpty(); }, 5000));
    CHECK(receiver.delivered == QVector<int>{7});
    CHECK(receiver.deliveredOnWrongThread == 0);
    CHECK(workThread.load() != QThread::currentThread());
}

TEST_CASE("a receiver destroyed while its task runs gets no callback", "[ui][background]") {
    ensureApp();
    QThreadPool pool;
    Receiver::deliveredToDead() = 0;
    std::atomic<bool> started{false}, release{false}, finished{false};
    auto* receiver = new Receiver(&pool);
    receiver->start([&] {
        started = true;
        while (!release) QThread::msleep(1);
        finished = true;
        return 1;
    });
    REQUIRE(waitUntil([&] { return started.load(); }, 5000));
    delete receiver;  // while the work runs
    release = true;
    pool.waitForDone();
    pump(50);
    CHECK(finished);
    CHECK(Receiver::deliveredToDead() == 0);

    // Receivers destroyed just as their (instant) work hands its result over: the result is
    // either posted before the receiver goes (and dropped with it) or not at all.
    for (int i = 0; i < 300; ++i) {
        auto* r = new Receiver(&pool);
        r->start([i] { return i; });
        if (i % 3 == 1) QThread::usleep(unsigned(i % 40));
        if (i % 3 == 2) pool.waitForDone();  // the result is posted and waiting in the queue
        delete r;
    }
    pool.waitForDone();
    pump(50);
    CHECK(Receiver::deliveredToDead() == 0);
}

TEST_CASE("a superseded or cancelled background result is dropped", "[ui][background]") {
    ensureApp();
    QThreadPool pool;
    pool.setMaxThreadCount(4);
    Receiver receiver(&pool);
    std::atomic<bool> release{false}, sawStale{false};
    receiver.start([&](const TaskToken& token) {
        while (!release) QThread::msleep(1);
        sawStale = token.isStale();  // a long task may stop early once it is stale
        return 1;
    });
    receiver.start([] { return 2; });  // supersedes the first
    REQUIRE(waitUntil([&] { return !receiver.delivered.isEmpty(); }, 5000));
    release = true;
    pool.waitForDone();
    pump(50);
    CHECK(receiver.delivered == QVector<int>{2});
    CHECK(sawStale);

    receiver.start([] { return 3; });
    receiver.cancel();
    pool.waitForDone();
    pump(50);
    CHECK(receiver.delivered == QVector<int>{2});
}

TEST_CASE("studio parts destroyed while their background work runs do not crash", "[ui][background]") {
    ensureApp();
    pictor::test::TempDir dir;
    const QString folder = QString::fromStdString((dir / "images").string());
    QDir().mkpath(folder);
    QImage image(256, 256, QImage::Format_RGB32);
    image.fill(Qt::darkCyan);
    for (int i = 0; i < 40; ++i) REQUIRE(image.save(QStringLiteral("%1/%2.png").arg(folder).arg(i)));
    EngineThread engine;
    for (int i = 0; i < 20; ++i) {
        auto* gallery = new GalleryView;
        gallery->setFolder(folder);
        auto* counter = new TokenCounter;
        counter->load(QStringLiteral("/nonexistent/model"));
        auto* manager = new ModelManagerDialog(engine.worker());
        if (i % 2) pump(i);
        delete gallery;
        delete counter;
        delete manager;
    }
    QThreadPool::globalInstance()->waitForDone();
    pump(50);
    SUCCEED("no crash");
}
