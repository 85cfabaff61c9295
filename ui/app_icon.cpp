#include "ui/app_icon.h"

#include <QLinearGradient>
#include <QPainter>
#include <QPainterPath>
#include <QPixmap>

namespace pictor::ui {

QImage renderAppIcon(int size) {
    QImage image(size, size, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::transparent);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    p.scale(size / 256.0, size / 256.0);
    p.setPen(Qt::NoPen);

    QLinearGradient bg(16, 16, 240, 240);
    bg.setColorAt(0, QColor(0x4f, 0x9d, 0xf7));
    bg.setColorAt(1, QColor(0x6a, 0x3f, 0xd1));
    p.setBrush(bg);
    p.drawRoundedRect(QRectF(16, 16, 224, 224), 48, 48);

    QPainterPath frame;
    frame.addRoundedRect(QRectF(56, 64, 144, 112), 14, 14);
    QColor white(Qt::white);
    white.setAlphaF(0.95f);
    p.fillPath(frame, white);
    p.save();
    p.setClipPath(frame);
    p.setBrush(QColor(0xf5, 0xa6, 0x23));
    p.drawEllipse(QPointF(160, 100), 16, 16);
    p.setBrush(QColor(0x3b, 0x82, 0xd6));
    const QPointF mountains[] = {{56, 176}, {104, 112}, {136, 150}, {156, 128}, {200, 176}};
    p.drawPolygon(mountains, 5);
    p.restore();

    const QPointF sparkle[] = {{196, 168}, {203, 189}, {224, 196}, {203, 203},
                               {196, 224}, {189, 203}, {168, 196}, {189, 189}};
    p.setBrush(Qt::white);
    p.drawPolygon(sparkle, 8);
    return image;
}

QIcon appIcon() {
    QIcon icon;
    for (int s : {16, 24, 32, 48, 64, 128, 256, 512}) icon.addPixmap(QPixmap::fromImage(renderAppIcon(s)));
    return icon;
}

}  // namespace pictor::ui
