#include "ui/checked_spin_box.h"

#include <QLineEdit>

#include <algorithm>
#include <cmath>

namespace pictor::ui {

CheckedSpinBox::CheckedSpinBox(const QString& what, int multiple, QWidget* parent)
    : QSpinBox(parent), m_what(what), m_multiple(std::max(1, multiple)) {
    // The correction happens when editing ends; Enter or leaving the field both end it.
    setCorrectionMode(QAbstractSpinBox::CorrectToNearestValue);
}

QValidator::State CheckedSpinBox::validate(QString& text, int& pos) const {
    const QValidator::State state = QSpinBox::validate(text, pos);
    if (state != QValidator::Acceptable) return state;
    return valueFromText(text) % m_multiple == 0 ? QValidator::Acceptable : QValidator::Intermediate;
}

void CheckedSpinBox::fixup(QString& input) const {
    QString digits = input;
    if (!suffix().isEmpty() && digits.endsWith(suffix())) digits.chop(suffix().size());
    bool ok = false;
    const int typed = digits.trimmed().toInt(&ok);
    if (!ok) {
        input = textFromValue(value());
        Q_EMIT corrected(tr("%1: not a number, kept %2%3").arg(m_what).arg(value()).arg(suffix()));
        return;
    }
    // Nearest multiple inside the range (the range ends are multiples themselves).
    int fixed = int(std::lround(double(typed) / m_multiple)) * m_multiple;
    fixed = std::clamp(fixed, minimum(), maximum());
    input = textFromValue(fixed);
    // Short enough for one line of the sampler panel.
    const QString reason = typed < minimum() || typed > maximum()
                               ? tr("%1 must be %2 to %3").arg(m_what).arg(minimum()).arg(maximum())
                               : tr("%1 must be a multiple of %2").arg(m_what).arg(m_multiple);
    Q_EMIT corrected(tr("%1: %2%3 used").arg(reason).arg(fixed).arg(suffix()));
}

}  // namespace pictor::ui
