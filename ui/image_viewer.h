// The gallery's full-size viewer: one image at any zoom in its own window.
//
// Fit (F) shows the whole image as large as the window allows, 1:1 (1) one image pixel per screen
// pixel; Ctrl+wheel and +/− zoom around the pointer (or the centre), dragging or the wheel pans,
// Esc closes. The window keeps fitting while it is resized until the zoom is changed by hand.
#pragma once

#include <QDialog>
#include <QImage>
#include <QPointF>

class QLabel;

namespace pictor::ui {

class ImageCanvas : public QWidget {
    Q_OBJECT
public:
    explicit ImageCanvas(QWidget* parent = nullptr);

    void setImage(const QImage& image);
    const QImage& image() const { return m_image; }

    double zoom() const { return m_zoom; }
    // The zoom that fits the whole image into the canvas (may enlarge a small image).
    double fitZoom() const;
    bool fitting() const { return m_fitting; }

    void fit();
    void actualSize();
    // Multiplies the zoom by `factor` keeping the image point under `anchor` (canvas coordinates) still.
    void zoomBy(double factor, QPointF anchor);
    void zoomBy(double factor) { zoomBy(factor, QPointF(width() / 2.0, height() / 2.0)); }
    // Where the image's top-left corner is drawn, in canvas coordinates.
    QPointF origin() const { return m_origin; }

    static constexpr double kMinZoom = 0.02;
    static constexpr double kMaxZoom = 32.0;
    static constexpr double kStep = 1.25;

Q_SIGNALS:
    void zoomChanged(double zoom);

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;

private:
    void setZoom(double zoom, QPointF anchor);
    void panBy(QPointF delta);
    void clampOrigin();  // centres an axis that fits, keeps the image on screen on one that does not

    QImage m_image;
    double m_zoom = 1.0;
    QPointF m_origin;
    bool m_fitting = true;
    bool m_dragging = false;
    QPointF m_dragFrom;
};

class ImageViewer : public QDialog {
    Q_OBJECT
public:
    explicit ImageViewer(QWidget* parent = nullptr);

    // Shows `path` fitted; false (and the reason in the window) when it cannot be read.
    bool setImagePath(const QString& path);
    const QString& imagePath() const { return m_path; }
    ImageCanvas* canvas() const { return m_canvas; }

private:
    void updateCaption();

    ImageCanvas* m_canvas;
    QLabel* m_caption;
    QString m_path;
};

}  // namespace pictor::ui
