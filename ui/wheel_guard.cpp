#include "ui/wheel_guard.h"

#include <QAbstractScrollArea>
#include <QAbstractSlider>
#include <QAbstractSpinBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QEvent>
#include <QScrollBar>
#include <QWidget>

namespace pictor::ui {

WheelGuard::WheelGuard(QObject* parent) : QObject(parent) {}

bool WheelGuard::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() != QEvent::Wheel) return false;
    QWidget* widget = qobject_cast<QWidget*>(watched);
    if (!widget) return false;
    // Scroll bars are sliders too, but the wheel is what they are for: a scroll area hands them
    // its wheel events, and stopping those stopped every panel from scrolling.
    const bool valueWidget = qobject_cast<QAbstractSpinBox*>(widget) || qobject_cast<QComboBox*>(widget) ||
                             (qobject_cast<QAbstractSlider*>(widget) && !qobject_cast<QScrollBar*>(widget));
    if (!valueWidget || widget->hasFocus()) return false;
    // The value stays as it is; the panel under the pointer scrolls, which is what the user meant.
    for (QWidget* p = widget->parentWidget(); p; p = p->parentWidget()) {
        if (auto* area = qobject_cast<QAbstractScrollArea*>(p)) {
            QCoreApplication::sendEvent(area->viewport(), event);
            break;
        }
    }
    return true;
}

}  // namespace pictor::ui
