#include "tests/ui/ui_test_support.h"

#include "ui/charts.h"
#include "ui/engine_types.h"
#include "ui/gallery_view.h"
#include "ui/main_window.h"

#include <QAbstractBarSeries>
#include <QApplication>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QFile>
#include <QLabel>
#include <QLineSeries>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QStatusBar>

namespace pictor::test {

namespace {

QBarSet* drawnSet(const pictor::ui::BarChart& chart) {
    for (QAbstractSeries* s : chart.chart()->series()) {
        if (auto* bars = qobject_cast<QAbstractBarSeries*>(s); bars && !bars->barSets().isEmpty())
            return bars->barSets().first();
    }
    return nullptr;
}

// Gallery items that are images: placeholders of running jobs cannot be selected.
bool isImageItem(const QListWidgetItem* item) { return item->flags() & Qt::ItemIsSelectable; }

}  // namespace

void ensureApp() {
    if (QCoreApplication::instance()) return;
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    static int argc = 1;
    static char name[] = "test_ui";
    static char* argv[] = {name, nullptr};
    static QApplication* app = new QApplication(argc, argv);
    (void)app;
    pictor::ui::registerEngineTypes();
}

bool waitUntil(const std::function<bool()>& done, int timeoutMs) {
    QElapsedTimer clock;
    clock.start();
    while (!done() && clock.elapsed() < timeoutMs) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
        QThread::msleep(2);
    }
    return done();
}

void pump(int ms) {
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < ms) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
        QThread::msleep(2);
    }
}

void writeSettings(const QString& path, const std::function<void(pictor::ui::StudioSettings&)>& change) {
    pictor::ui::StudioSettings settings = pictor::ui::loadStudioSettings(path);
    change(settings);
    pictor::ui::saveStudioSettings(settings, path);
}

QVector<double> drawnValues(const pictor::ui::BarChart& chart) {
    // The set holds the bars bottom to top (Qt draws the first category at the bottom).
    QVector<double> out;
    if (const QBarSet* set = drawnSet(chart)) {
        for (int i = int(set->count()) - 1; i >= 0; --i) out << set->at(i);
    }
    return out;
}

int drawnHighlight(const pictor::ui::BarChart& chart) {
    const QBarSet* set = drawnSet(chart);
    if (!set || set->selectedBars().size() != 1) return -1;
    return int(set->count()) - 1 - set->selectedBars().first();
}

int seriesPoints(const QObject& root, const QString& chartView, const QString& series) {
    for (QAbstractSeries* s : find<QChartView>(root, chartView)->chart()->series()) {
        if (s->objectName() == series) return int(qobject_cast<QXYSeries*>(s)->count());
    }
    throw std::runtime_error("no series " + series.toStdString() + " in " + chartView.toStdString());
}

int galleryImageCount(const pictor::ui::GalleryView& gallery) {
    const auto* list = find<QListWidget>(gallery, QStringLiteral("gallery"));
    int n = 0;
    for (int i = 0; i < list->count(); ++i) n += isImageItem(list->item(i)) ? 1 : 0;
    return n;
}

int galleryPlaceholderCount(const pictor::ui::GalleryView& gallery) {
    return find<QListWidget>(gallery, QStringLiteral("gallery"))->count() - galleryImageCount(gallery);
}

ShownImage galleryImage(pictor::ui::GalleryView& gallery, int index) {
    auto* list = find<QListWidget>(gallery, QStringLiteral("gallery"));
    int seen = 0;
    for (int i = 0; i < list->count(); ++i) {
        if (!isImageItem(list->item(i))) continue;
        if (seen++ != index) continue;
        list->setCurrentRow(i);
        ShownImage shown;
        shown.path = gallery.current().path;
        shown.parametersText = find<QPlainTextEdit>(gallery, QStringLiteral("parameters"))->toPlainText();
        shown.hasParameters = pictor::ui::parseParameters(shown.parametersText, &shown.params);
        return shown;
    }
    throw std::runtime_error("the gallery has no image " + std::to_string(index));
}

QString promptTokenText(const pictor::ui::MainWindow& window) {
    for (const QLabel* label : window.findChildren<QLabel*>(QStringLiteral("tokenCount"))) {
        if (label->accessibleName() == QStringLiteral("Prompt token count")) return label->text();
    }
    throw std::runtime_error("no token count label for the prompt");
}

QStringList statusTexts(QMainWindow& window) {
    QStringList texts;
    QStatusBar* bar = window.statusBar();
    if (!bar->currentMessage().isEmpty()) texts << bar->currentMessage();
    for (const QLabel* label : bar->findChildren<QLabel*>()) {
        if (label->isVisible() && !label->text().isEmpty()) texts << label->text();
    }
    return texts;
}

}  // namespace pictor::test
