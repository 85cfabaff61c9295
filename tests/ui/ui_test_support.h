// Helpers for the studio tests: one offscreen QApplication per process, waiting on conditions
// while the event loop runs, and reading what the studio's widgets show — the tests observe the
// studio as a user does (widgets found by type or objectName, charts read from what they draw),
// never through members that exist only for them.
#pragma once

#include "ui/engine_types.h"
#include "ui/studio_settings.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QThread>
#include <QVector>

#include <functional>
#include <stdexcept>
#include <string>

class QMainWindow;
class QWidget;

namespace pictor::ui {
class BarChart;
class GalleryView;
class MainWindow;
}  // namespace pictor::ui

namespace pictor::test {

// The process's QApplication (offscreen platform unless QT_QPA_PLATFORM says otherwise).
void ensureApp();

// Runs the event loop until `done()` or `timeoutMs` passes; returns done().
bool waitUntil(const std::function<bool()>& done, int timeoutMs = 20000);

// Runs the event loop for `ms` milliseconds.
void pump(int ms);

// The child of `root` of type T (named `name` when given); throws when there is none.
template <class T>
T* find(const QObject& root, const QString& name = {}) {
    T* child = root.findChild<T*>(name);
    if (!child) {
        throw std::runtime_error("no child " + std::string(T::staticMetaObject.className()) + " named '" +
                                 name.toStdString() + "'");
    }
    return child;
}

// Writes settings.yaml at `path`: the defaults (or what is there) changed by `change`.
void writeSettings(const QString& path, const std::function<void(pictor::ui::StudioSettings&)>& change);

// A bar chart as drawn: labels and values top (best) to bottom, and the highlighted row (-1: none).
QVector<double> drawnValues(const pictor::ui::BarChart& chart);
int drawnHighlight(const pictor::ui::BarChart& chart);

// Points of the line series `series` in the chart view `chartView` among `root`'s children.
int seriesPoints(const QObject& root, const QString& chartView, const QString& series);

// The gallery as shown: its images newest first, placeholders of running jobs apart.
int galleryImageCount(const pictor::ui::GalleryView& gallery);
int galleryPlaceholderCount(const pictor::ui::GalleryView& gallery);
struct ShownImage {
    QString path;
    QString parametersText;      // the detail pane's text
    bool hasParameters = false;  // the text parses as a parameters chunk
    pictor::ui::GenerationParams params;
};
// Selects the index-th image (newest first) and reads what the detail pane shows for it.
ShownImage galleryImage(pictor::ui::GalleryView& gallery, int index);

// The prompt box's token count label ("9 / 75 tokens").
QString promptTokenText(const pictor::ui::MainWindow& window);

// Every text the status bar shows now: its message and the text of its visible labels.
QStringList statusTexts(QMainWindow& window);

}  // namespace pictor::test
