// Build step: writes the application icon as PNG at every hicolor size (QPainter, no SVG library).
//   pictor-render-icons OUTDIR  →  OUTDIR/<N>x<N>/io.github.pictor.Pictor.png
#include "ui/app_icon.h"

#include <QDir>
#include <QGuiApplication>

#include <cstdio>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: pictor-render-icons OUTDIR\n");
        return 2;
    }
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QGuiApplication app(argc, argv);
    const QString out = QString::fromLocal8Bit(argv[1]);
    for (int size : {16, 24, 32, 48, 64, 128, 256, 512}) {
        const QString dir = QStringLiteral("%1/%2x%2").arg(out).arg(size);
        const QString file = dir + QStringLiteral("/io.github.pictor.Pictor.png");
        if (!QDir().mkpath(dir) || !pictor::ui::renderAppIcon(size).save(file, "PNG")) {
            std::fprintf(stderr, "error: cannot write %s\n", qPrintable(file));
            return 1;
        }
    }
    return 0;
}
