// Sampler settings: model, scheduler, steps, guidance, images per prompt, size, seed, device,
// timestep spacing, decoder, precision, prompt syntax, clip skip and the LoRA list; the "Fast"
// preset (few-step generation in one click).
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

class LoraList;
class ModelPicker;

class SamplerPanel : public QWidget {
    Q_OBJECT
public:
    explicit SamplerPanel(QWidget* parent = nullptr);

    // Sampler fields of `params` (prompt fields are ignored / left empty).
    void setParams(const GenerationParams& params);
    GenerationParams params() const;
    void setModels(const QStringList& models);
    // The model field lists the models found in the caches and these folders (a background scan).
    void setModelFolders(const QStringList& modelFolders, const QStringList& loraFolders);
    ModelPicker* modelPicker() const { return m_modelPicker; }

    // The seed of the last finished generation ("reuse last seed" puts it in the seed field).
    void setLastSeed(qint64 seed);
    void reuseLastSeed();

    static QStringList schedulerNames();

    // The "Fast" preset (Ctrl+Shift+F). For an SD-Turbo model (isTurboModel): Euler a, trailing
    // spacing, 1 step, guidance 0. Otherwise: LCM with the LCM-LoRA (catalogue lcm-lora-sdv1-5 at
    // strength 1; the studio offers its download when it is not on disk), 4 steps, guidance 1.
    // Both: the TAESD decoder, and bfloat16 when the CPU has AVX512-BF16 or AMX. It only sets
    // fields, so changing them back undoes it; presetApplied says what it set.
    void applyFastPreset();
    // SD-Turbo: the reference names it ("stabilityai/sd-turbo", ".../sd-turbo-fp16"; any
    // "turbo" in it), or a local diffusers folder whose scheduler/scheduler_config.json has
    // "timestep_spacing": "trailing" (what SD-Turbo's own config says; SD 1.5 and LCM say leading).
    static bool isTurboModel(const QString& model);
    // The catalogue name of the LCM-LoRA the preset adds.
    static QString lcmLoraName();
    // Whether the precision choice offers bfloat16 (core/util/cpu_features.h).
    static bool bf16Offered();

Q_SIGNALS:
    void changed();
    void presetApplied(const QString& summary);

private:
    ModelPicker* m_modelPicker;
    QComboBox* m_model;  // the picker's combo
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
    QComboBox* m_spacing;
    QComboBox* m_decoder;
    QComboBox* m_dtype;
    QComboBox* m_syntax;
    QSpinBox* m_clipSkip;
    LoraList* m_loras;
    QPushButton* m_fast;
    QLabel* m_inputMessage;
    qint64 m_lastSeed = -1;
};

}  // namespace pictor::ui
