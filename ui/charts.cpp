#include "ui/charts.h"

#include "ui/theme.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QGroupBox>
#include <QHorizontalBarSeries>
#include <QImageReader>
#include <QMimeData>
#include <QPainter>
#include <QToolTip>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>

namespace pictor::ui {

// ---- BarChart ----------------------------------------------------------------------------------

BarChart::BarChart(const QString& title, QWidget* parent) : QChartView(parent) {
    auto* chart = new QChart;
    chart->setTitle(title);
    chart->legend()->hide();
    theme::styleChart(chart);
    setChart(chart);
    setRenderHint(QPainter::Antialiasing);
    setMinimumSize(200, 180);
    clear();
}

void BarChart::clear(const QString& emptyText) {
    m_bars.clear();
    QChart* c = chart();
    c->removeAllSeries();
    for (auto* axis : c->axes()) {
        c->removeAxis(axis);
        delete axis;
    }
    m_series = nullptr;
    m_set = nullptr;
    m_categories = nullptr;
    m_axis = nullptr;
    setToolTip(emptyText);
}

void BarChart::setBars(QVector<Bar> bars) {
    clear();
    std::stable_sort(bars.begin(), bars.end(), [](const Bar& a, const Bar& b) { return a.value > b.value; });
    m_bars = bars;
    if (bars.isEmpty()) return;

    m_set = new QBarSet(QStringLiteral("probability"));
    m_set->setColor(theme::barColor());
    m_set->setBorderColor(theme::barColor());
    m_set->setSelectedColor(theme::best());
    m_set->setLabelColor(theme::text());
    QStringList categories;
    // Qt draws the first category at the bottom: append worst first so the best is on top.
    for (int i = bars.size() - 1; i >= 0; --i) {
        *m_set << bars[i].value;
        categories << bars[i].label;
    }
    m_set->selectBar(bars.size() - 1);  // the best bar (top)

    m_series = new QHorizontalBarSeries;
    m_series->append(m_set);
    m_series->setBarWidth(0.7);
    m_series->setLabelsVisible(true);
    m_series->setLabelsFormat(QStringLiteral("@value"));
    m_series->setLabelsPrecision(3);
    m_series->setLabelsPosition(QAbstractBarSeries::LabelsOutsideEnd);
    chart()->addSeries(m_series);

    m_categories = new QBarCategoryAxis;
    m_categories->append(categories);
    m_categories->setLabelsColor(theme::text());
    m_categories->setGridLineVisible(false);
    m_categories->setLinePenColor(theme::mutedText());
    chart()->addAxis(m_categories, Qt::AlignLeft);
    m_series->attachAxis(m_categories);

    m_axis = new QValueAxis;
    m_axis->setRange(0.0, 1.0);
    m_axis->setTickCount(6);
    m_axis->setLabelFormat(QStringLiteral("%.1f"));
    m_axis->setLabelsColor(theme::mutedText());
    m_axis->setGridLineColor(QColor(0x3a, 0x3f, 0x47));
    m_axis->setLinePenColor(theme::mutedText());
    chart()->addAxis(m_axis, Qt::AlignBottom);
    m_series->attachAxis(m_axis);

    connect(m_series, &QHorizontalBarSeries::hovered, this,
            [this](bool status, int index, QBarSet*) { showTooltip(status, index); });
}

void BarChart::showTooltip(bool status, int index) {
    if (!status || index < 0 || index >= m_bars.size()) {
        QToolTip::hideText();
        return;
    }
    const Bar& bar = m_bars[m_bars.size() - 1 - index];
    QString text = QStringLiteral("<b>%1</b><br>probability %2").arg(bar.label.toHtmlEscaped()).arg(bar.value, 0, 'f', 4);
    if (!bar.tooltip.isEmpty()) text += QStringLiteral("<br>") + bar.tooltip.toHtmlEscaped();
    QToolTip::showText(QCursor::pos(), text, this);
}

QStringList BarChart::labels() const {
    QStringList out;
    for (const Bar& b : m_bars) out << b.label;
    return out;
}

// ---- HeatMap -----------------------------------------------------------------------------------

HeatMap::HeatMap(QWidget* parent) : QWidget(parent) { setMinimumSize(minimumSizeHint()); }

void HeatMap::setMatrix(const QStringList& classes, const QVector<QVector<int>>& counts) {
    m_classes = classes;
    m_counts = counts;
    update();
}

void HeatMap::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.fillRect(rect(), theme::panel());
    const int n = int(m_classes.size());
    if (n == 0 || m_counts.size() != n) {
        p.setPen(theme::mutedText());
        p.drawText(rect().adjusted(8, 8, -8, -8), Qt::AlignCenter | Qt::TextWordWrap, tr("The confusion matrix appears after evaluation"));
        return;
    }
    const QFontMetrics fm(font());
    int labelWidth = 0;
    for (const QString& c : m_classes) labelWidth = std::max(labelWidth, fm.horizontalAdvance(c));
    const int left = labelWidth + 16, top = fm.height() * 2 + 8;
    const int cell = std::max(24, std::min((width() - left - 8) / n, (height() - top - 8) / n));
    int maxCount = 1;
    for (const auto& row : m_counts) {
        for (int v : row) maxCount = std::max(maxCount, v);
    }
    p.setPen(theme::mutedText());
    p.drawText(QRect(left, 0, cell * n, fm.height()), Qt::AlignCenter, tr("predicted"));
    for (int j = 0; j < n; ++j) {
        p.drawText(QRect(left + j * cell, fm.height() + 4, cell, fm.height()), Qt::AlignCenter,
                   fm.elidedText(m_classes[j], Qt::ElideRight, cell - 2));
    }
    for (int i = 0; i < n; ++i) {
        p.setPen(theme::mutedText());
        p.drawText(QRect(0, top + i * cell, labelWidth + 8, cell), Qt::AlignRight | Qt::AlignVCenter, m_classes[i]);
        for (int j = 0; j < n; ++j) {
            const int v = j < m_counts[i].size() ? m_counts[i][j] : 0;
            const double t = double(v) / maxCount;
            const QColor hot = i == j ? theme::accent() : theme::error();
            QColor c = QColor::fromRgbF(theme::base().redF() * (1 - t) + hot.redF() * t,
                                        theme::base().greenF() * (1 - t) + hot.greenF() * t,
                                        theme::base().blueF() * (1 - t) + hot.blueF() * t);
            const QRect r(left + j * cell + 1, top + i * cell + 1, cell - 2, cell - 2);
            p.setPen(Qt::NoPen);
            p.setBrush(c);
            p.drawRoundedRect(r, 4, 4);
            p.setPen(t > 0.5 ? Qt::white : theme::text());
            p.drawText(r, Qt::AlignCenter, QString::number(v));
        }
    }
}

// ---- ImageDropZone -----------------------------------------------------------------------------

ImageDropZone::ImageDropZone(const QString& emptyText, QWidget* parent) : QLabel(parent), m_emptyText(emptyText) {
    setObjectName(QStringLiteral("dropZone"));
    setAcceptDrops(true);
    setAlignment(Qt::AlignCenter);
    setWordWrap(true);
    setMinimumSize(200, 160);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    setCursor(Qt::PointingHandCursor);
    setText(m_emptyText);
}

bool ImageDropZone::isImageFile(const QString& path) {
    const QString suffix = QFileInfo(path).suffix().toLower();
    return suffix == QLatin1String("png") || suffix == QLatin1String("jpg") || suffix == QLatin1String("jpeg");
}

void ImageDropZone::setImagePath(const QString& path) {
    m_path = path;
    m_image = QImage();
    if (!path.isEmpty()) {
        QImageReader reader(path);
        reader.setAutoTransform(true);
        m_image = reader.read();
        if (m_image.isNull()) {
            setText(tr("Cannot read %1: %2").arg(QFileInfo(path).fileName(), reader.errorString()));
            return;
        }
    }
    updatePixmap();
}

void ImageDropZone::updatePixmap() {
    if (m_image.isNull()) {
        setPixmap(QPixmap());
        setText(m_emptyText);
        return;
    }
    const QSize box = contentsRect().size() - QSize(8, 8);
    setPixmap(QPixmap::fromImage(m_image.scaled(box, Qt::KeepAspectRatio, Qt::SmoothTransformation)));
}

void ImageDropZone::resizeEvent(QResizeEvent* event) {
    QLabel::resizeEvent(event);
    if (!m_image.isNull()) updatePixmap();
}

QString ImageDropZone::firstImage(const QMimeData* mime) {
    for (const QUrl& url : mime->urls()) {
        if (url.isLocalFile() && isImageFile(url.toLocalFile())) return url.toLocalFile();
    }
    return {};
}

void ImageDropZone::dragEnterEvent(QDragEnterEvent* event) {
    if (!firstImage(event->mimeData()).isEmpty()) event->acceptProposedAction();
}

void ImageDropZone::dropEvent(QDropEvent* event) {
    const QString path = firstImage(event->mimeData());
    if (path.isEmpty()) return;
    setImagePath(path);
    Q_EMIT imageDropped(path);
    event->acceptProposedAction();
}

void ImageDropZone::mousePressEvent(QMouseEvent*) {
    const QString path = QFileDialog::getOpenFileName(this, tr("Choose an image"), QString(),
                                                      tr("Images (*.png *.jpg *.jpeg)"));
    if (path.isEmpty()) return;
    setImagePath(path);
    Q_EMIT imageDropped(path);
}

// ---- sections ----------------------------------------------------------------------------------

QWidget* makeSection(const QString& title, QWidget* content, QWidget* parent) {
    auto* box = new QGroupBox(title, parent);
    box->setObjectName(QStringLiteral("section"));
    auto* layout = new QVBoxLayout(box);
    layout->setContentsMargins(8, 10, 8, 8);
    layout->addWidget(content);
    return box;
}

QLabel* makeErrorLabel(QWidget* parent) {
    auto* label = new QLabel(parent);
    label->setObjectName(QStringLiteral("error"));
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->hide();
    return label;
}

}  // namespace pictor::ui
