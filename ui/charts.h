// Reusable chart and image widgets of the studio views.
#pragma once

#include <QChartView>
#include <QImage>
#include <QLabel>
#include <QStringList>
#include <QVector>
#include <QWidget>

class QBarSet;
class QMimeData;
class QHorizontalBarSeries;
class QBarCategoryAxis;
class QValueAxis;

namespace pictor::ui {

// Horizontal probability bars, best on top, the best bar highlighted, a tooltip per bar.
class BarChart : public QChartView {
    Q_OBJECT
public:
    explicit BarChart(const QString& title, QWidget* parent = nullptr);

    struct Bar {
        QString label;
        double value = 0;   // a probability in [0, 1]
        QString tooltip;    // e.g. "logit 23.41"
    };
    // Shows `bars` sorted by value (descending); an empty list shows `emptyText`.
    void setBars(QVector<Bar> bars);
    void clear(const QString& emptyText = {});

    // The labels as drawn, top (best) to bottom.
    QStringList labels() const;

private:
    void showTooltip(bool status, int index);

    QVector<Bar> m_bars;  // sorted, best first
    QBarSet* m_set = nullptr;
    QHorizontalBarSeries* m_series = nullptr;
    QBarCategoryAxis* m_categories = nullptr;
    QValueAxis* m_axis = nullptr;
};

// A confusion matrix as a heat map: rows true class, columns predicted class, counts in cells.
class HeatMap : public QWidget {
    Q_OBJECT
public:
    explicit HeatMap(QWidget* parent = nullptr);
    void setMatrix(const QStringList& classes, const QVector<QVector<int>>& counts);
    QSize sizeHint() const override { return {320, 260}; }
    QSize minimumSizeHint() const override { return {200, 160}; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    QStringList m_classes;
    QVector<QVector<int>> m_counts;
};

// Shows an image (scaled to fit) and accepts image files dropped on it or chosen with a click.
class ImageDropZone : public QLabel {
    Q_OBJECT
public:
    explicit ImageDropZone(const QString& emptyText, QWidget* parent = nullptr);
    void setImagePath(const QString& path);  // "" clears
    const QString& imagePath() const { return m_path; }
    // True when `path` has an image suffix Qt and the engine both read (png, jpg, jpeg).
    static bool isImageFile(const QString& path);
    // The first local image file among dropped URLs, or "".
    static QString firstImage(const QMimeData* mime);

Q_SIGNALS:
    void imageDropped(const QString& path);

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void updatePixmap();
    QString m_emptyText;
    QString m_path;
    QImage m_image;
};

// A rounded panel with a bold caption, used to group a view's controls consistently.
QWidget* makeSection(const QString& title, QWidget* content, QWidget* parent = nullptr);
// The inline error line of a view (red, wrapped, selectable, hidden until it has text).
QLabel* makeErrorLabel(QWidget* parent);

}  // namespace pictor::ui
