#include "ui/elided_label.h"

#include <QResizeEvent>

namespace pictor::ui {

ElidedLabel::ElidedLabel(const QString& text, Qt::TextElideMode mode, QWidget* parent)
    : QLabel(parent), m_full(text), m_mode(mode) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    updateShownText();
}

void ElidedLabel::setFullText(const QString& text) {
    m_full = text;
    updateShownText();
    updateGeometry();
}

QSize ElidedLabel::sizeHint() const {
    const QMargins m = contentsMargins();
    return {fontMetrics().horizontalAdvance(m_full) + m.left() + m.right() + 4, QLabel::sizeHint().height()};
}

QSize ElidedLabel::minimumSizeHint() const {
    return {fontMetrics().horizontalAdvance(QStringLiteral("…")) * 3, QLabel::minimumSizeHint().height()};
}

void ElidedLabel::resizeEvent(QResizeEvent* event) {
    QLabel::resizeEvent(event);
    updateShownText();
}

void ElidedLabel::updateShownText() {
    const int room = contentsRect().width();
    setText(room > 0 ? fontMetrics().elidedText(m_full, m_mode, room) : m_full);
}

}  // namespace pictor::ui
