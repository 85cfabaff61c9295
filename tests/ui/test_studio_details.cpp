// Smaller things of the studio: the Scoring layout with a full table, the dataset ETA of a resumed
// dataset, one size format, the Training view's generation summary and unique Alt mnemonics.
#include "tests/support/catch.h"

#include "tests/support/fixtures.h"
#include "tests/ui/ui_test_support.h"
#include "ui/charts.h"
#include "ui/engine_worker.h"
#include "ui/format_bytes.h"
#include "ui/main_window.h"
#include "ui/sampler_panel.h"
#include "ui/scoring_view.h"
#include "ui/training_view.h"

#include <QAbstractButton>
#include <QApplication>
#include <QLabel>
#include <QMenuBar>
#include <QTabBar>
#include <QTabWidget>
#include <QTableWidget>
#include <QThread>

#include <map>
#include <memory>

using namespace pictor::ui;
using pictor::test::drawnValues;
using pictor::test::ensureApp;
using pictor::test::find;
using pictor::test::pump;
using pictor::test::TempDir;

namespace {

QString qpath(const std::filesystem::path& p) { return QString::fromStdString(p.string()); }

ScoreResult result(int i, const QStringList& labels) {
    ScoreResult r;
    r.imagePath = QStringLiteral("/images/%1-an-image-with-a-long-name.png").arg(i, 5, 10, QLatin1Char('0'));
    double rest = 1.0;
    for (int k = 0; k < labels.size(); ++k) {
        // Image i puts most of its mass on label i % n: every row has its own best label.
        const double p = k == i % labels.size() ? 0.6 : 0.4 / (labels.size() - 1);
        r.scores << LabelScore{labels[k], p, 20.0 + k};
        rest -= p;
    }
    return r;
}

// The mnemonic letter of a text ("Se&ttings" → 't'), 0 when it has none.
QChar mnemonic(const QString& text) {
    for (int i = 0; i + 1 < text.size(); ++i) {
        if (text[i] != QLatin1Char('&')) continue;
        if (text[i + 1] == QLatin1Char('&')) {
            ++i;
            continue;
        }
        return text[i + 1].toLower();
    }
    return {};
}

}  // namespace

TEST_CASE("scoring ten images at 1024×700 leaves the chart its width, a row shows its image and bars", "[ui][scoring]") {
    ensureApp();
    TempDir dir;
    MainWindow window(qpath(dir / "settings.yaml"));
    window.resize(1024, 700);
    window.show();
    window.showView(MainWindow::View::Scoring);
    auto* scoring = find<ScoringView>(window);
    const QStringList labels{"a watercolor painting of a fox", "a watercolor painting of a dog",
                             "an oil painting of a fox",       "an oil painting of a dog",
                             "a photo of a fox",               "a photo of a dog"};
    scoring->clearTable();
    for (int i = 0; i < 10; ++i) scoring->appendTableRow(result(i, labels));
    pump(100);
    auto* chart = find<BarChart>(window, "scoreChart");
    auto* table = find<QTableWidget>(window, "scoreTable");
    CHECK(table->isVisible());
    CHECK(table->rowCount() == 10);
    INFO("chart " << chart->width() << "×" << chart->height() << " in a " << window.width() << "×" << window.height()
                  << " window");
    CHECK(chart->width() >= ScoringView::kChartMinWidth);
    CHECK(chart->height() >= ScoringView::kChartMinHeight);

    // The first row is shown; clicking another row shows that image and its bars.
    CHECK(scoring->imagePath() == result(0, labels).imagePath);
    table->setCurrentCell(3, 1);
    pump(20);
    CHECK(scoring->imagePath() == result(3, labels).imagePath);
    const QVector<double> bars = drawnValues(*chart);
    REQUIRE(bars.size() == labels.size());
    CHECK(bars.first() == Approx(0.6));  // row 3's best label, on top
    CHECK(chart->chart()->title().contains(QStringLiteral("00003-an-image")));
    CHECK(chart->labels().first() == labels[3]);
}

TEST_CASE("the ETA of a resumed dataset counts only the images that took time", "[ui][eta]") {
    ensureApp();
    EngineWorker worker;
    std::map<int, double> eta;  // step -> ETA reported with it
    QObject::connect(&worker, &EngineWorker::jobProgress, &worker,
                     [&](int, const QString&, int step, int, double seconds) { eta[step] = seconds; });
    JobContext ctx(&worker, 1, std::make_shared<std::atomic<bool>>(false));
    ctx.stage(QStringLiteral("generating dataset"));
    // 70 of 77 images are already there (reported at once), then each new one takes ~150 ms.
    for (int s = 1; s <= 70; ++s) ctx.step(s, 77);
    CHECK(eta.rbegin()->second < 0);  // nothing measured yet: unknown, not "0 s"
    for (int s = 71; s <= 73; ++s) {
        QThread::msleep(150);
        ctx.step(s, 77);
    }
    REQUIRE(eta.count(73) == 1);
    // 4 images left at ~0.15 s each: ~0.6 s (the old clock said 73 images in 0.45 s: ~0.02 s).
    CHECK(eta[73] > 0.4);
    CHECK(eta[73] < 1.2);
}

TEST_CASE("sizes are written in one unit everywhere", "[ui]") {
    CHECK(formatBytes(608'000'000) == "579.8 MiB");
    CHECK(formatBytes(qint64(4) * 1024 * 1024 * 1024) == "4.0 GiB");
}

TEST_CASE("the Training view says which generation settings the dataset uses", "[ui][training]") {
    ensureApp();
    TempDir dir;
    MainWindow window(qpath(dir / "settings.yaml"));
    GenerationParams p = find<SamplerPanel>(window)->params();
    p.model = "/models/sd-turbo";
    p.scheduler = "Euler a";
    p.steps = 4;
    p.guidance = 1.0;
    p.width = 384;
    p.height = 256;
    p.seed = 77;
    find<SamplerPanel>(window)->setParams(p);
    pump(20);
    const QString text = find<QLabel>(window, "datasetGeneration")->text();
    CHECK(text.contains("sd-turbo"));
    CHECK(text.contains("Euler a"));
    CHECK(text.contains("4 steps"));
    CHECK(text.contains("384×256"));
    CHECK(text.contains("seeds from 77"));
}

TEST_CASE("no Alt+letter opens two things in the main window", "[ui][mnemonics]") {
    ensureApp();
    TempDir dir;
    MainWindow window(qpath(dir / "settings.yaml"));
    window.show();
    std::map<QChar, QStringList> owners;
    for (QAction* a : window.menuBar()->actions()) {
        if (const QChar m = mnemonic(a->text()); !m.isNull()) owners[m] << "menu " + a->text();
    }
    auto* tabs = qobject_cast<QTabWidget*>(window.centralWidget());
    REQUIRE(tabs != nullptr);
    for (int i = 0; i < tabs->count(); ++i) {
        if (const QChar m = mnemonic(tabs->tabText(i)); !m.isNull()) owners[m] << "tab " + tabs->tabText(i);
    }
    // Labels with a buddy and buttons: what Alt+letter reaches in the window (not in its menus).
    for (QLabel* l : window.findChildren<QLabel*>()) {
        if (l->buddy() && l->window() == &window)
            if (const QChar m = mnemonic(l->text()); !m.isNull()) owners[m] << "label " + l->text();
    }
    for (QAbstractButton* b : window.findChildren<QAbstractButton*>()) {
        // A button whose shortcut was set (⚡ Fast: Ctrl+Shift+F) no longer answers its Alt+letter.
        if (b->window() != &window || b->shortcut() != QKeySequence::mnemonic(b->text())) continue;
        if (const QChar m = mnemonic(b->text()); !m.isNull()) owners[m] << "button " + b->text();
    }
    for (const auto& [letter, who] : owners) {
        INFO("Alt+" << QString(letter).toStdString() << ": " << who.join(", ").toStdString());
        CHECK(who.size() == 1);
    }
    // The one of the issue: Alt+M was the Models menu and the Sampler panel's Model field.
    REQUIRE(owners.count(QLatin1Char('m')) == 1);
}
