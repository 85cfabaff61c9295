// Work off the UI thread whose result comes back to a QObject — only while that object exists.
//
// A QPointer to the receiver checked on a pool thread races with the receiver's destruction on
// its own thread (the check can pass just before the object goes away). Here the pool function
// never sees the receiver: it returns a value, and the value is posted to a small "sink" QObject
// that is a child of the receiver and lives in its thread. The sink's destructor and the post take
// the same mutex, so a result is either posted to a sink that still exists — and Qt drops posted
// events of an object that is destroyed before they run — or not posted at all.
//
// BackgroundTask adds a generation: every start() supersedes the requests before it, and cancel()
// drops them all, so a slow answer to an old request never overwrites a newer one. The pool
// function may poll its TaskToken to stop early once it is stale.
#pragma once

#include <QMetaObject>
#include <QMutex>
#include <QObject>
#include <QThreadPool>

#include <atomic>
#include <memory>
#include <type_traits>
#include <utility>

namespace pictor::ui {

// Whether a started task is still the newest of its BackgroundTask. Copyable; safe on any thread.
class TaskToken {
public:
    TaskToken() = default;
    // True once a later start() or cancel() (or the BackgroundTask's destruction) superseded it.
    bool isStale() const { return m_current && m_current->load() != m_ticket; }

private:
    friend class BackgroundTask;
    TaskToken(std::shared_ptr<const std::atomic<quint64>> current, quint64 ticket)
        : m_current(std::move(current)), m_ticket(ticket) {}
    std::shared_ptr<const std::atomic<quint64>> m_current;
    quint64 m_ticket = 0;
};

namespace detail {

// The one place where the pool thread and the receiver's thread meet for one task.
class TaskMailbox {
public:
    explicit TaskMailbox(QObject* sink) : m_sink(sink) {}

    // Pool thread: queues `call` on the sink's thread when the sink still exists.
    template <class Call>
    void post(Call&& call) {
        QMutexLocker lock(&m_mutex);
        // While the lock is held the sink cannot finish its destructor, so it is a valid context.
        if (m_sink) QMetaObject::invokeMethod(m_sink, std::forward<Call>(call), Qt::QueuedConnection);
    }
    // Sink's thread, from its destructor: nothing is posted from now on.
    void close() {
        QMutexLocker lock(&m_mutex);
        m_sink = nullptr;
    }

private:
    QMutex m_mutex;
    QObject* m_sink;
};

// A child of the receiver: destroyed with it (before the receiver's QObject part goes), or after
// the result was delivered.
class TaskSink : public QObject {
public:
    explicit TaskSink(QObject* receiver);
    ~TaskSink() override;
    const std::shared_ptr<TaskMailbox>& mailbox() const { return m_mailbox; }

private:
    std::shared_ptr<TaskMailbox> m_mailbox;
};

}  // namespace detail

// Runs `work()` on `pool` and then `deliver(result)` on the receiver's thread if `receiver` still
// exists (a `void` work calls `deliver()`). Call it on the receiver's thread. `work` must not touch
// the receiver — capture copies of what it needs — and must not throw (an exception is swallowed
// and nothing is delivered). `deliver` may use the receiver: it runs only while it is alive.
template <class Work, class Deliver>
void runInBackground(QObject* receiver, Work work, Deliver deliver,
                     QThreadPool* pool = QThreadPool::globalInstance()) {
    auto* sink = new detail::TaskSink(receiver);
    std::shared_ptr<detail::TaskMailbox> mailbox = sink->mailbox();
    pool->start([mailbox = std::move(mailbox), sink, work = std::move(work),
                 deliver = std::move(deliver)]() mutable {
        using Result = std::invoke_result_t<Work&>;
        try {
            if constexpr (std::is_void_v<Result>) {
                work();
                // `sink` is only used by the posted call, which runs only while the sink exists.
                mailbox->post([sink, deliver = std::move(deliver)]() mutable {
                    sink->deleteLater();  // first: `deliver` may destroy the receiver, and the sink with it
                    deliver();
                });
            } else {
                Result result = work();
                mailbox->post([sink, deliver = std::move(deliver), result = std::move(result)]() mutable {
                    sink->deleteLater();
                    deliver(std::move(result));
                });
            }
        } catch (...) {
            mailbox->post([sink] { sink->deleteLater(); });
        }
    });
}

// One kind of request of one receiver (e.g. "load the tokenizer of this model"): start() runs a
// new request and supersedes the ones before it, whose results are then dropped. Owned by the
// receiver (a member); used on the receiver's thread.
class BackgroundTask {
public:
    explicit BackgroundTask(QObject* receiver, QThreadPool* pool = QThreadPool::globalInstance())
        : m_receiver(receiver), m_pool(pool) {}
    // Drops every pending result: the receiver is being destroyed from here on.
    ~BackgroundTask() { cancel(); }
    BackgroundTask(const BackgroundTask&) = delete;
    BackgroundTask& operator=(const BackgroundTask&) = delete;

    // Runs `work()` — or `work(token)`, to poll token.isStale() in a long loop — on the pool, then
    // `deliver(result)` on the receiver's thread, unless the receiver is gone or a later start()
    // or cancel() superseded this request.
    template <class Work, class Deliver>
    TaskToken start(Work work, Deliver deliver) {
        const TaskToken token(m_current, m_current->fetch_add(1) + 1);
        auto bound = [work = std::move(work), token]() mutable {
            if constexpr (std::is_invocable_v<Work&, const TaskToken&>) {
                return work(token);
            } else {
                return work();
            }
        };
        using Result = std::invoke_result_t<decltype(bound)&>;
        if constexpr (std::is_void_v<Result>) {
            runInBackground(
                m_receiver, std::move(bound),
                [token, deliver = std::move(deliver)]() mutable {
                    if (!token.isStale()) deliver();
                },
                m_pool);
        } else {
            runInBackground(
                m_receiver, std::move(bound),
                [token, deliver = std::move(deliver)](Result result) mutable {
                    if (!token.isStale()) deliver(std::move(result));
                },
                m_pool);
        }
        return token;
    }

    // Drops the results of every request started so far.
    void cancel() { m_current->fetch_add(1); }

private:
    QObject* m_receiver;
    QThreadPool* m_pool;
    // Shared with the tokens: a task may outlive this object (and its receiver).
    std::shared_ptr<std::atomic<quint64>> m_current = std::make_shared<std::atomic<quint64>>(0);
};

}  // namespace pictor::ui
