// img2img's "Denoising strength": a slider and a spin box showing one value in 0.01..1.00.
//
// The slider is for dragging, the spin box for typing; each follows the other. 1.00 repaints the
// init image completely (text-to-image from its noise), small values keep it nearly unchanged.
#pragma once

#include <QWidget>

class QDoubleSpinBox;
class QSlider;

namespace pictor::ui {

class StrengthControl : public QWidget {
    Q_OBJECT
public:
    explicit StrengthControl(QWidget* parent = nullptr);

    double value() const;
    // Clamped to 0.01..1.00 and rounded to two decimals (the spin box's precision).
    void setValue(double value);

    static constexpr double kDefault = 0.75;

Q_SIGNALS:
    void valueChanged(double value);

private:
    QSlider* m_slider;
    QDoubleSpinBox* m_spin;
};

}  // namespace pictor::ui
