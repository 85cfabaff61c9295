// A spin box that says what it did to what the user typed.
//
// QSpinBox silently snaps an out-of-range entry back (steps 0, width 63) and accepts sizes the
// engine will refuse later (width 70). This one accepts only multiples of `multiple` within the
// range as the user types (anything else is "intermediate"), and when editing ends on such a
// value it corrects it to the nearest allowed one and emits `corrected` with a sentence to show
// inline ("Width must be a multiple of 8: 72 px used"). UI thread only.
#pragma once

#include <QSpinBox>

namespace pictor::ui {

class CheckedSpinBox : public QSpinBox {
    Q_OBJECT
public:
    CheckedSpinBox(const QString& what, int multiple, QWidget* parent = nullptr);

    QValidator::State validate(QString& text, int& pos) const override;
    void fixup(QString& input) const override;

Q_SIGNALS:
    void corrected(const QString& message) const;

private:
    QString m_what;
    int m_multiple;
};

}  // namespace pictor::ui
