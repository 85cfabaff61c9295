#include "ui/screenshot.h"

#include "ui/gallery_view.h"
#include "ui/job_router.h"
#include "ui/jobs_view.h"
#include "ui/main_window.h"
#include "ui/training_view.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QImage>
#include <QPixmap>
#include <QThread>

#include <cstdio>

namespace pictor::ui {

int renderScreenshot(const QString& file, const QString& viewName, const QString& settingsPath, const QString& image) {
    MainWindow::View view = MainWindow::View::Gallery;
    if (!viewName.isEmpty() && !MainWindow::parseView(viewName, &view)) {
        std::fprintf(stderr, "error: unknown view '%s' (gallery, scoring, compare, training or grid)\n",
                     qPrintable(viewName));
        return 2;
    }
    MainWindow window(settingsPath);
    window.resize(1440, 900);
    window.showView(view);
    window.show();
    window.gallery()->waitForScan();
    if (!image.isEmpty()) {
        int job = 0;
        if (view == MainWindow::View::Scoring) job = window.jobRouter()->scoreImage(image);
        if (view == MainWindow::View::Compare) job = window.jobRouter()->compareImage(image);
        if (view == MainWindow::View::Training) {
            // A real training run on the dataset folder: the curves, the evaluation and the
            // confusion matrix it leaves are what the screenshot shows.
            window.training()->setDatasetFolder(image);
            job = window.jobRouter()->train();
        }
        window.showView(view);
        QElapsedTimer jobClock;
        jobClock.start();
        while (job && window.jobs()->state(job) <= JobState::Running && jobClock.elapsed() < 900000) {
            QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
            QThread::msleep(10);
        }
        if (job && window.jobs()->state(job) != JobState::Done) {
            std::fprintf(stderr, "warning: the %s job did not finish: %s\n", qPrintable(viewName),
                         qPrintable(window.jobRouter()->lastError()));
        }
    }
    // Let layouts, charts and the tokenizer settle.
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < 400) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(10);
    }
    const QImage shot = window.grab().toImage();
    QDir().mkpath(QFileInfo(file).absolutePath());
    if (shot.isNull() || !shot.save(file, "PNG")) {
        std::fprintf(stderr, "error: cannot write the screenshot to %s\n", qPrintable(file));
        return 1;
    }
    return 0;
}

}  // namespace pictor::ui
