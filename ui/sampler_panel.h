// Sampler settings: model, scheduler, steps, guidance, images per prompt, size, seed, device.
#pragma once

#include "ui/engine_types.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QDoubleSpinBox;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace pictor::ui {

class SamplerPanel : public QWidget {
    Q_OBJECT
public:
    explicit SamplerPanel(QWidget* parent = nullptr);

    // Sampler fields of `params` (prompt fields are ignored / left empty).
    void setParams(const GenerationParams& params);
    GenerationParams params() const;
    void setModels(const QStringList& models);

    // The seed of the last finished generation ("reuse last seed" puts it in the seed field).
    void setLastSeed(qint64 seed);
    void reuseLastSeed();

    static QStringList schedulerNames();

Q_SIGNALS:
    void changed();

private:
    QComboBox* m_model;
    QComboBox* m_scheduler;
    QSpinBox* m_steps;
    QDoubleSpinBox* m_guidance;
    QSpinBox* m_images;
    QSpinBox* m_width;
    QSpinBox* m_height;
    QCheckBox* m_randomSeed;
    QLineEdit* m_seed;
    QPushButton* m_reuseSeed;
    QComboBox* m_device;
    QLabel* m_inputMessage;
    qint64 m_lastSeed = -1;
};

}  // namespace pictor::ui
