// pictor: the studio.
//
//   pictor                                   start the studio
//   pictor --screenshot FILE [--view V] [--image IMAGE]
//                                            render a view (gallery|scoring|compare|training|grid) to PNG
//   pictor --settings FILE                   use another settings.yaml
#include "core/util/runtime.h"
#include "core/version.h"
#include "ui/app_icon.h"
#include "ui/main_window.h"
#include "ui/screenshot.h"
#include "ui/theme.h"

#include <QApplication>
#include <QCommandLineParser>

int main(int argc, char** argv) {
    pictor::configure_runtime(argv);
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("pictor"));
    QApplication::setApplicationDisplayName(QStringLiteral("Pictor"));
    QApplication::setOrganizationDomain(QStringLiteral("pictor.github.io"));
    QApplication::setDesktopFileName(QStringLiteral("io.github.pictor.Pictor"));
    QApplication::setWindowIcon(pictor::ui::appIcon());
    QApplication::setApplicationVersion(QString::fromStdString(pictor::version() + " (LibTorch " +
                                                               pictor::libtorch_version() + ")"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Pictor: Stable Diffusion, CLIP and ResNet studio"));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                        QStringLiteral("Render a view offscreen to the PNG file FILE and exit."),
                                        QStringLiteral("FILE"));
    const QCommandLineOption view(QStringLiteral("view"),
                                  QStringLiteral("The view to show: gallery, scoring, compare, training or grid."),
                                  QStringLiteral("VIEW"), QStringLiteral("gallery"));
    const QCommandLineOption settings(QStringLiteral("settings"), QStringLiteral("Use FILE as settings.yaml."),
                                      QStringLiteral("FILE"));
    const QCommandLineOption image(QStringLiteral("image"),
                                   QStringLiteral("With --screenshot: score (scoring) or compare (compare) IMAGE first; "
                                                  "with --view training, train on the dataset folder IMAGE first."),
                                   QStringLiteral("IMAGE"));
    parser.addOptions({screenshot, view, settings, image});
    parser.process(app);

    pictor::ui::theme::apply(app);
    if (parser.isSet(screenshot)) {
        return pictor::ui::renderScreenshot(parser.value(screenshot), parser.value(view), parser.value(settings),
                                            parser.value(image));
    }
    pictor::ui::MainWindow window(parser.value(settings));
    pictor::ui::MainWindow::View v;
    if (pictor::ui::MainWindow::parseView(parser.value(view), &v)) window.showView(v);
    window.show();
    return app.exec();
}
