// Keeps the mouse wheel from changing fields the user is not editing.
//
// Scrolling a panel with the wheel used to change whatever spin box, combo box or slider passed
// under the pointer (a scroll changed the test split 0.20 → 0.05 and saved it). Installed on the
// application, this filter takes wheel events away from such widgets unless they have the keyboard
// focus and gives them to the scroll area around them, so the panel scrolls instead; clicking or
// tabbing into a field still lets the wheel adjust it. UI thread only.
#pragma once

#include <QObject>

namespace pictor::ui {

class WheelGuard : public QObject {
    Q_OBJECT
public:
    explicit WheelGuard(QObject* parent = nullptr);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
};

}  // namespace pictor::ui
