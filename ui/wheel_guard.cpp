#include "ui/wheel_guard.h"

#include <QAbstractSlider>
#include <QAbstractSpinBox>
#include <QComboBox>
#include <QEvent>
#include <QWidget>

namespace pictor::ui {

WheelGuard::WheelGuard(QObject* parent) : QObject(parent) {}

bool WheelGuard::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() != QEvent::Wheel) return false;
    QWidget* widget = qobject_cast<QWidget*>(watched);
    if (!widget) return false;
    const bool valueWidget = qobject_cast<QAbstractSpinBox*>(widget) || qobject_cast<QComboBox*>(widget) ||
                             qobject_cast<QAbstractSlider*>(widget);
    if (!valueWidget || widget->hasFocus()) return false;
    event->ignore();
    return true;  // the value stays as it is
}

}  // namespace pictor::ui
