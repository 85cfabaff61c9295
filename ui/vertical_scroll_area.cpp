#include "ui/vertical_scroll_area.h"

#include <QEvent>
#include <QScrollBar>

namespace pictor::ui {

VerticalScrollArea::VerticalScrollArea(QWidget* parent) : QScrollArea(parent) {
    setWidgetResizable(true);
    setFrameShape(QFrame::NoFrame);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
}

int VerticalScrollArea::chromeWidth() const {
    // The vertical bar is counted even when hidden: it appears as soon as the window gets shorter.
    return verticalScrollBar()->sizeHint().width() + 2 * frameWidth();
}

QSize VerticalScrollArea::minimumSizeHint() const {
    QSize size = QScrollArea::minimumSizeHint();
    if (const QWidget* w = widget()) size.setWidth(w->minimumSizeHint().width() + chromeWidth());
    return size;
}

QSize VerticalScrollArea::sizeHint() const {
    QSize size = QScrollArea::sizeHint();
    if (const QWidget* w = widget()) size.setWidth(w->sizeHint().width() + chromeWidth());
    return size;
}

bool VerticalScrollArea::eventFilter(QObject* watched, QEvent* event) {
    // The contents' minimum changed (a LoRA row added, a message shown): so does this area's.
    if (watched == widget() && event->type() == QEvent::LayoutRequest) updateGeometry();
    return QScrollArea::eventFilter(watched, event);
}

}  // namespace pictor::ui
