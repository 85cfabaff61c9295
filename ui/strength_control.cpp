#include "ui/strength_control.h"

#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSlider>

#include <algorithm>
#include <cmath>

namespace pictor::ui {

StrengthControl::StrengthControl(QWidget* parent) : QWidget(parent) {
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(6);
    auto* label = new QLabel(tr("D&enoising strength"), this);
    m_slider = new QSlider(Qt::Horizontal, this);
    m_slider->setObjectName(QStringLiteral("strengthSlider"));
    m_slider->setRange(1, 100);  // hundredths: the spin box's precision
    m_slider->setPageStep(5);
    m_spin = new QDoubleSpinBox(this);
    m_spin->setObjectName(QStringLiteral("strength"));
    m_spin->setRange(0.01, 1.0);
    m_spin->setDecimals(2);
    m_spin->setSingleStep(0.05);
    m_spin->setAccessibleName(tr("Denoising strength"));
    label->setBuddy(m_spin);
    const QString tip = tr("How much of the init image is repainted: 1.00 ignores it (only its size is kept), small "
                           "values change it little. The first (1 − strength) of the steps are skipped, as in "
                           "AUTOMATIC1111's img2img.");
    for (QWidget* w : {static_cast<QWidget*>(label), static_cast<QWidget*>(m_slider), static_cast<QWidget*>(m_spin)})
        w->setToolTip(tip);
    layout->addWidget(label);
    layout->addWidget(m_slider, 1);
    layout->addWidget(m_spin);

    connect(m_slider, &QSlider::valueChanged, this, [this](int v) { setValue(v / 100.0); });
    connect(m_spin, &QDoubleSpinBox::valueChanged, this, [this](double v) { setValue(v); });
    setValue(kDefault);
}

double StrengthControl::value() const { return m_spin->value(); }

void StrengthControl::setValue(double value) {
    if (!std::isfinite(value)) value = kDefault;
    const int hundredths = std::clamp(int(std::lround(value * 100)), 1, 100);
    const double rounded = hundredths / 100.0;
    const bool changed = m_slider->value() != hundredths || m_spin->value() != rounded;
    {
        const QSignalBlocker a(m_slider);
        const QSignalBlocker b(m_spin);
        m_slider->setValue(hundredths);
        m_spin->setValue(rounded);
    }
    if (changed) Q_EMIT valueChanged(rounded);
}

}  // namespace pictor::ui
