#include "ui/image_viewer.h"

#include <QFileInfo>
#include <QImageReader>
#include <QKeyEvent>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QVBoxLayout>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace pictor::ui {

// ---- ImageCanvas --------------------------------------------------------------------------------

ImageCanvas::ImageCanvas(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("imageCanvas"));
    setFocusPolicy(Qt::StrongFocus);
    setMinimumSize(200, 150);
    setCursor(Qt::OpenHandCursor);
    setAccessibleName(tr("Image"));
}

void ImageCanvas::setImage(const QImage& image) {
    m_image = image;
    fit();
}

double ImageCanvas::fitZoom() const {
    if (m_image.isNull() || width() <= 0 || height() <= 0) return 1.0;
    return std::clamp(std::min(double(width()) / m_image.width(), double(height()) / m_image.height()), kMinZoom,
                      kMaxZoom);
}

void ImageCanvas::fit() {
    m_fitting = true;
    m_zoom = fitZoom();
    clampOrigin();
    update();
    Q_EMIT zoomChanged(m_zoom);
}

void ImageCanvas::actualSize() { setZoom(1.0, QPointF(width() / 2.0, height() / 2.0)); }

void ImageCanvas::zoomBy(double factor, QPointF anchor) { setZoom(m_zoom * factor, anchor); }

void ImageCanvas::setZoom(double zoom, QPointF anchor) {
    if (m_image.isNull()) return;
    zoom = std::clamp(zoom, kMinZoom, kMaxZoom);
    // The image point under the anchor stays under it.
    const QPointF imagePoint = (anchor - m_origin) / m_zoom;
    m_zoom = zoom;
    m_fitting = false;
    m_origin = anchor - imagePoint * m_zoom;
    clampOrigin();
    update();
    Q_EMIT zoomChanged(m_zoom);
}

void ImageCanvas::panBy(QPointF delta) {
    m_origin += delta;
    clampOrigin();
    update();
}

void ImageCanvas::clampOrigin() {
    const double w = m_image.width() * m_zoom;
    const double h = m_image.height() * m_zoom;
    auto axis = [](double origin, double size, double view) {
        if (size <= view) return (view - size) / 2;        // smaller than the window: centred
        return std::clamp(origin, view - size, 0.0);      // larger: no empty margin on either side
    };
    m_origin = QPointF(axis(m_origin.x(), w, width()), axis(m_origin.y(), h, height()));
}

void ImageCanvas::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), QColor(0x14, 0x16, 0x1a));
    if (m_image.isNull()) return;
    // Enlarged pixels stay sharp squares (for inspecting details); reductions are smoothed.
    p.setRenderHint(QPainter::SmoothPixmapTransform, m_zoom < 1.0);
    p.drawImage(QRectF(m_origin, QSizeF(m_image.width() * m_zoom, m_image.height() * m_zoom)), m_image);
}

void ImageCanvas::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    if (m_fitting) {
        m_zoom = fitZoom();
        Q_EMIT zoomChanged(m_zoom);
    }
    clampOrigin();
}

void ImageCanvas::wheelEvent(QWheelEvent* event) {
    const QPoint delta = event->angleDelta();
    if (event->modifiers() & Qt::ControlModifier) {
        if (delta.y() != 0) zoomBy(std::pow(kStep, delta.y() / 120.0), event->position());
    } else {
        panBy(QPointF(delta) / 2.0);  // a notch (120) moves 60 px
    }
    event->accept();
}

void ImageCanvas::mousePressEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton) return QWidget::mousePressEvent(event);
    m_dragging = true;
    m_dragFrom = event->position();
    setCursor(Qt::ClosedHandCursor);
}

void ImageCanvas::mouseMoveEvent(QMouseEvent* event) {
    if (!m_dragging) return QWidget::mouseMoveEvent(event);
    panBy(event->position() - m_dragFrom);
    m_dragFrom = event->position();
}

void ImageCanvas::mouseReleaseEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton) return QWidget::mouseReleaseEvent(event);
    m_dragging = false;
    setCursor(Qt::OpenHandCursor);
}

void ImageCanvas::keyPressEvent(QKeyEvent* event) {
    switch (event->key()) {
        case Qt::Key_Plus:
        case Qt::Key_Equal: zoomBy(kStep); break;
        case Qt::Key_Minus: zoomBy(1 / kStep); break;
        case Qt::Key_F: fit(); break;
        case Qt::Key_1: actualSize(); break;
        case Qt::Key_Left: panBy({40, 0}); break;
        case Qt::Key_Right: panBy({-40, 0}); break;
        case Qt::Key_Up: panBy({0, 40}); break;
        case Qt::Key_Down: panBy({0, -40}); break;
        default: return QWidget::keyPressEvent(event);  // Esc reaches the dialog
    }
    event->accept();
}

// ---- ImageViewer --------------------------------------------------------------------------------

ImageViewer::ImageViewer(QWidget* parent) : QDialog(parent) {
    setObjectName(QStringLiteral("imageViewer"));
    setAttribute(Qt::WA_DeleteOnClose);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    m_canvas = new ImageCanvas(this);
    m_caption = new QLabel(this);
    m_caption->setObjectName(QStringLiteral("viewerCaption"));
    m_caption->setContentsMargins(10, 4, 10, 4);
    layout->addWidget(m_canvas, 1);
    layout->addWidget(m_caption);
    connect(m_canvas, &ImageCanvas::zoomChanged, this, &ImageViewer::updateCaption);
    resize(900, 720);
}

bool ImageViewer::setImagePath(const QString& path) {
    m_path = path;
    QImageReader reader(path);
    reader.setAutoTransform(true);
    const QImage image = reader.read();
    setWindowTitle(tr("%1 — Pictor").arg(QFileInfo(path).fileName()));
    m_canvas->setImage(image);
    m_canvas->setFocus();
    if (image.isNull()) {
        m_caption->setText(tr("Cannot read %1: %2").arg(path, reader.errorString()));
        return false;
    }
    updateCaption();
    return true;
}

void ImageViewer::updateCaption() {
    const QImage& image = m_canvas->image();
    if (image.isNull()) return;
    m_caption->setText(tr("%1 × %2 px — %3%%4    F fit · 1 actual size · Ctrl+wheel or +/− zoom · drag to pan · Esc close")
                           .arg(image.width())
                           .arg(image.height())
                           .arg(std::lround(m_canvas->zoom() * 100))
                           .arg(m_canvas->fitting() ? tr(" (fit)") : QString()));
}

}  // namespace pictor::ui
