// The studio works in a 1024×700 window and in a 1400×900 one: every field of every view is on
// screen in full (a scroll area may hide it vertically, never sideways), no table column runs
// past its view, sliders are wider than their handle, and the window accepts being that small.
#include "tests/support/catch.h"

#include "tests/support/fixtures.h"
#include "tests/ui/ui_test_support.h"
#include "ui/job_queue_store.h"
#include "ui/jobs_view.h"
#include "ui/lora_list.h"
#include "ui/main_window.h"

#include <QAbstractButton>
#include <QAbstractItemView>
#include <QAbstractScrollArea>
#include <QAbstractSlider>
#include <QAbstractSpinBox>
#include <QComboBox>
#include <QDockWidget>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QSlider>
#include <QTabBar>
#include <QTabWidget>
#include <QTableView>
#include <QTextEdit>
#include <QTreeView>
#include <QTreeWidget>

#include <sstream>
#include <string>
#include <vector>

using namespace pictor::ui;
using pictor::test::ensureApp;
using pictor::test::find;
using pictor::test::pump;
using pictor::test::TempDir;

namespace {

// A widget the user reads or works with (labels and containers are judged by what they hold).
bool isField(const QWidget* w) {
    return qobject_cast<const QAbstractButton*>(w) || qobject_cast<const QLineEdit*>(w) ||
           qobject_cast<const QAbstractSpinBox*>(w) || qobject_cast<const QComboBox*>(w) ||
           qobject_cast<const QSlider*>(w) || qobject_cast<const QAbstractItemView*>(w) ||
           qobject_cast<const QPlainTextEdit*>(w) || qobject_cast<const QTextEdit*>(w);
}

// A scroll area's own parts (its scroll bars, an item view's header) are the area's business.
bool insideScrollMachinery(const QWidget* w) {
    for (const QWidget* p = w; p; p = p->parentWidget()) {
        if (qobject_cast<const QScrollBar*>(p) || qobject_cast<const QHeaderView*>(p)) return true;
    }
    return false;
}

std::string describe(const QWidget* w) {
    std::ostringstream out;
    out << w->metaObject()->className();
    if (!w->objectName().isEmpty()) out << " '" << w->objectName().toStdString() << "'";
    if (const auto* b = qobject_cast<const QAbstractButton*>(w); b && !b->text().isEmpty())
        out << " \"" << b->text().toStdString() << "\"";
    for (const QWidget* p = w->parentWidget(); p; p = p->parentWidget()) {
        if (!p->objectName().isEmpty() && !p->objectName().startsWith(QLatin1String("qt_"))) {
            out << " in " << p->metaObject()->className() << " '" << p->objectName().toStdString() << "'";
            break;
        }
    }
    return out.str();
}

// What is wrong with how `w` is shown in `window` ("" when nothing): the part of its rectangle
// that no ancestor lets the user see. Inside a scroll area's viewport only the vertical direction
// may overflow (the user scrolls); sideways the field must fit the viewport.
std::string clipping(const QWidget* w, const QWidget* window) {
    QRect r = w->rect();
    const QWidget* child = w;
    for (const QWidget* p = w->parentWidget(); p; child = p, p = p->parentWidget()) {
        r.translate(child->pos());
        const auto* area = p->parentWidget() ? qobject_cast<const QAbstractScrollArea*>(p->parentWidget()) : nullptr;
        if (area && area->viewport() == p) {
            if (r.left() < 0 || r.right() > p->width() - 1) {
                return "runs sideways out of a scroll area (" + std::to_string(r.left()) + ".." +
                       std::to_string(r.right()) + " in a viewport " + std::to_string(p->width()) + " wide)";
            }
            r = QRect(r.left(), 0, r.width(), p->height());  // vertically: reachable by scrolling
        } else if (!p->rect().contains(r)) {
            return "clipped by its " + std::string(p->metaObject()->className()) + " (" + std::to_string(r.width()) +
                   "×" + std::to_string(r.height()) + " at " + std::to_string(r.x()) + "," + std::to_string(r.y()) +
                   " in " + std::to_string(p->width()) + "×" + std::to_string(p->height()) + ")";
        }
        if (p == window) break;
    }
    // Qt's own parts (a dock's title buttons, sized by the style sheet) are Qt's business.
    const bool qtInternal = w->objectName().startsWith(QLatin1String("qt_"));
    const QSize min = w->minimumSizeHint();
    if (min.isValid() && w->width() < min.width() && !qtInternal && !qobject_cast<const QAbstractItemView*>(w)) {
        return "squeezed to " + std::to_string(w->width()) + " px, narrower than its " + std::to_string(min.width()) +
               " px minimum";
    }
    if (qobject_cast<const QSlider*>(w) && w->width() < 80) {
        return "a slider only " + std::to_string(w->width()) + " px wide";
    }
    if (const auto* view = qobject_cast<const QAbstractItemView*>(w)) {
        const QHeaderView* header = nullptr;
        if (const auto* tree = qobject_cast<const QTreeView*>(view)) header = tree->header();
        if (const auto* table = qobject_cast<const QTableView*>(view)) header = table->horizontalHeader();
        if (header && header->isVisible() && !view->horizontalScrollBar()->isVisible()) {
            for (int s = header->count() - 1; s >= 0; --s) {
                const int logical = header->logicalIndex(s);
                if (header->isSectionHidden(logical)) continue;
                const int right = header->sectionViewportPosition(logical) + header->sectionSize(logical);
                if (right > view->viewport()->width() + 1) {
                    return "column " + std::to_string(logical) + " ends at " + std::to_string(right) +
                           " px, past its " + std::to_string(view->viewport()->width()) + " px view";
                }
                break;
            }
        }
    }
    return {};
}

// Every visible field of `window` that is not shown in full, one line each.
std::vector<std::string> clippedFields(const QWidget* window) {
    std::vector<std::string> problems;
    for (const QWidget* w : window->findChildren<QWidget*>()) {
        if (!w->isVisibleTo(window) || !isField(w) || insideScrollMachinery(w) || w->isWindow()) continue;
        if (w->width() == 0 || w->height() == 0) continue;  // an empty table's corner button
        if (const std::string why = clipping(w, window); !why.empty()) problems.push_back(describe(w) + ": " + why);
    }
    return problems;
}

const char* viewName(MainWindow::View v) {
    switch (v) {
        case MainWindow::View::Gallery: return "Gallery";
        case MainWindow::View::Scoring: return "Scoring";
        case MainWindow::View::Compare: return "Compare";
        case MainWindow::View::Training: return "Training";
        case MainWindow::View::Grid: return "Grid";
    }
    return "?";
}

}  // namespace

TEST_CASE("the studio can be made as small as 1024×700", "[ui][layout]") {
    ensureApp();
    TempDir dir;
    MainWindow window(QString::fromStdString((dir / "settings.yaml").string()));
    window.show();
    pump(50);
    INFO("minimum size hint " << window.minimumSizeHint().width() << "×" << window.minimumSizeHint().height());
    CHECK(window.minimumSizeHint().width() <= 1024);
    CHECK(window.minimumSizeHint().height() <= 700);
    window.resize(1024, 700);
    pump(50);
    CHECK(window.width() == 1024);
    CHECK(window.height() == 700);
}

TEST_CASE("every field of every view is shown in full at 1024×700 and at 1400×900", "[ui][layout]") {
    ensureApp();
    TempDir dir;
    const QString settings = QString::fromStdString((dir / "settings.yaml").string());
    // Eight jobs of a "last session" to offer: their list once widened the window past 1024 px.
    QVector<StoredJob> interrupted;
    for (int i = 0; i < 8; ++i) {
        GenerateRequest request;
        request.params.prompt = QStringLiteral("a watercolor painting of a fox in a snowy forest, number %1").arg(i);
        request.outputFolder = QString::fromStdString((dir / "out").string());
        interrupted.push_back({QStringLiteral("generate"), request});
    }
    REQUIRE(saveJobQueue(jobQueuePath(settings), interrupted));
    MainWindow window(settings);
    REQUIRE(window.interruptedJobs().size() == 8);
    // The rows that were too narrow once: a LoRA with its slider, a job with its Cancel button.
    auto* loras = find<LoraList>(window);
    loras->addLora(QStringLiteral("/models/Lora/a-style-with-a-rather-long-name.safetensors"), 0.8);
    auto* jobs = find<JobsView>(window);
    jobs->addJob(1, QStringLiteral("Generate 4 images: a watercolor painting of a fox in a snowy forest"));
    jobs->setStarted(1);
    jobs->setProgress(1, QStringLiteral("denoising"), 3, 20, 12.0);
    jobs->addJob(2, QStringLiteral("Score 10 images"));
    window.show();
    pump(50);  // the first layout pass settles (as it has before anyone can resize the window)
    for (const QSize size : {QSize(1024, 700), QSize(1400, 900)}) {
        window.resize(size);
        for (const auto view : {MainWindow::View::Gallery, MainWindow::View::Scoring, MainWindow::View::Compare,
                                MainWindow::View::Training, MainWindow::View::Grid}) {
            window.showView(view);
            pump(30);
            const std::vector<std::string> problems = clippedFields(&window);
            std::string all;
            for (const auto& p : problems) all += "\n  " + p;
            INFO(size.width() << "×" << size.height() << " (window " << window.width() << "×" << window.height() << ", minimum "
                                  << window.minimumSizeHint().width() << "×" << window.minimumSizeHint().height() << "), "
                                  << viewName(view) << " view:" << all);
            CHECK(window.size() == size);
            CHECK(problems.empty());
        }
    }
}
