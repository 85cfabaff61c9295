// Helpers for the studio tests: one offscreen QApplication per process, waiting on conditions
// while the event loop runs, and measuring how long the UI thread takes to answer a timer.
#pragma once

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QThread>

#include <functional>

namespace pictor::test {

// The process's QApplication (offscreen platform unless QT_QPA_PLATFORM says otherwise).
void ensureApp();

// Runs the event loop until `done()` or `timeoutMs` passes; returns done().
bool waitUntil(const std::function<bool()>& done, int timeoutMs = 20000);

// Runs the event loop for `ms` milliseconds.
void pump(int ms);

}  // namespace pictor::test
