#include "ui/sampler_panel.h"

#include "ui/checked_spin_box.h"
#include "ui/lora_list.h"
#include "ui/model_picker.h"

#include "core/util/cpu_features.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QDir>
#include <QFile>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpressionValidator>
#include <QSpinBox>

namespace pictor::ui {

namespace {

// Selects the item whose data is `value`; a value the box does not list is added as an item
// (shown as itself) when `addMissing`, else the first item is selected.
void selectData(QComboBox* box, const QString& value, bool addMissing) {
    int i = box->findData(value);
    if (i < 0 && addMissing && !value.isEmpty()) {
        box->addItem(value, value);
        i = box->count() - 1;
    }
    box->setCurrentIndex(i >= 0 ? i : 0);
}

// A combo box that may be narrower than its longest item (shown elided; the popup shows it whole),
// so that the panel fits a 1024 px window.
QComboBox* narrowCombo(QWidget* parent) {
    auto* box = new QComboBox(parent);
    box->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    box->setMinimumContentsLength(9);
    return box;
}

QComboBox* dataCombo(QWidget* parent, const QList<QPair<QString, QString>>& items, const QString& tooltip) {
    auto* box = narrowCombo(parent);
    for (const auto& [label, data] : items) box->addItem(label, data);
    box->setToolTip(tooltip);
    return box;
}

}  // namespace

QStringList SamplerPanel::schedulerNames() {
    return {QStringLiteral("PNDM"),     QStringLiteral("DDIM"),           QStringLiteral("Euler"),
            QStringLiteral("Euler a"),  QStringLiteral("DPM++ 2M"),       QStringLiteral("DPM++ 2M Karras"),
            QStringLiteral("LMS"),      QStringLiteral("LCM")};
}

QString SamplerPanel::lcmLoraName() { return QStringLiteral("lcm-lora-sdv1-5"); }

bool SamplerPanel::bf16Offered() { return pictor::cpu_has_fast_bf16(); }

bool SamplerPanel::isTurboModel(const QString& model) {
    if (model.contains(QLatin1String("turbo"), Qt::CaseInsensitive)) return true;
    QFile config(QDir(model).filePath(QStringLiteral("scheduler/scheduler_config.json")));
    if (model.isEmpty() || !config.open(QIODevice::ReadOnly)) return false;
    const QJsonObject o = QJsonDocument::fromJson(config.read(1 << 16)).object();
    return o.value(QStringLiteral("timestep_spacing")).toString() == QLatin1String("trailing");
}

SamplerPanel::SamplerPanel(QWidget* parent) : QWidget(parent) {
    auto* form = new QFormLayout(this);
    form->setContentsMargins(0, 0, 0, 0);
    form->setHorizontalSpacing(10);
    form->setVerticalSpacing(6);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);

    m_fast = new QPushButton(tr("⚡ &Fast"), this);
    m_fast->setObjectName(QStringLiteral("fastPreset"));
    m_fast->setShortcut(QKeySequence(QStringLiteral("Ctrl+Shift+F")));
    m_fast->setToolTip(tr("Few-step settings for this model (Ctrl+Shift+F): SD-Turbo → Euler a, trailing, 1 step, "
                          "guidance 0; any SD 1.5 model → LCM + LCM-LoRA, 4 steps, guidance 1. Both decode with "
                          "TAESD%1. Only fields change: set them back to undo.")
                           .arg(bf16Offered() ? tr(" in bfloat16") : QString()));
    form->addRow(tr("Preset"), m_fast);

    m_modelPicker = new ModelPicker(ModelRole::StableDiffusion, QStringLiteral("model"), this);
    m_model = m_modelPicker->comboBox();
    form->addRow(tr("&Model"), m_modelPicker);
    if (auto* label = qobject_cast<QLabel*>(form->labelForField(m_modelPicker))) label->setBuddy(m_model);
    // Right under the model: LoRAs change the model, and the Fast preset adds one.
    m_loras = new LoraList(this);
    form->addRow(tr("LoRAs"), m_loras);

    m_scheduler = narrowCombo(this);
    m_scheduler->addItems(schedulerNames());
    m_scheduler->setToolTip(tr("The sampler (diffusers scheduler); PNDM is the SD 1.5 default"));
    form->addRow(tr("S&cheduler"), m_scheduler);

    auto* steps = new CheckedSpinBox(tr("Steps"), 1, this);
    m_steps = steps;
    m_steps->setRange(1, 500);
    m_steps->setToolTip(tr("Number of denoising steps"));
    form->addRow(tr("&Steps"), m_steps);

    m_guidance = new QDoubleSpinBox(this);
    m_guidance->setRange(0.0, 30.0);
    m_guidance->setSingleStep(0.5);
    m_guidance->setDecimals(1);
    m_guidance->setToolTip(tr("Classifier-free guidance scale (how closely to follow the prompt). At 1 or below CFG "
                              "is off: one UNet pass per step, no negative prompt (LCM-LoRA: 1, SD-Turbo: 0)"));
    form->addRow(tr("&Guidance"), m_guidance);

    auto* images = new CheckedSpinBox(tr("Images"), 1, this);
    m_images = images;
    m_images->setRange(1, 16);
    form->addRow(tr("&Images"), m_images);

    auto* size = new QHBoxLayout;
    auto* width = new CheckedSpinBox(tr("Width"), 8, this);
    auto* height = new CheckedSpinBox(tr("Height"), 8, this);
    m_width = width;
    m_height = height;
    for (QSpinBox* s : {m_width, m_height}) {
        s->setRange(64, 2048);
        s->setSingleStep(64);
        s->setSuffix(QStringLiteral(" px"));
        s->setToolTip(tr("A multiple of 8 (the VAE downsamples by 8)"));
    }
    size->addWidget(m_width);
    size->addWidget(new QLabel(QStringLiteral("×"), this));
    size->addWidget(m_height);
    form->addRow(tr("Size"), size);

    // What a field corrected, shown under the fields until the user edits again.
    m_inputMessage = new QLabel(this);
    m_inputMessage->setObjectName(QStringLiteral("samplerMessage"));
    m_inputMessage->setStyleSheet(QStringLiteral("color: #e0a040;"));
    m_inputMessage->hide();
    form->addRow(m_inputMessage);
    for (CheckedSpinBox* box : {steps, images, width, height}) {
        connect(box, &CheckedSpinBox::corrected, this, [this](const QString& message) {
            m_inputMessage->setText(message);
            m_inputMessage->show();
        });
        connect(box->findChild<QLineEdit*>(), &QLineEdit::textEdited, m_inputMessage, &QLabel::hide);
    }

    auto* seedRow = new QHBoxLayout;
    m_randomSeed = new QCheckBox(tr("&Random"), this);
    m_seed = new QLineEdit(this);
    m_seed->setValidator(new QRegularExpressionValidator(QRegularExpression(QStringLiteral("\\d{1,18}")), m_seed));
    m_seed->setPlaceholderText(tr("seed"));
    m_reuseSeed = new QPushButton(tr("Reuse &last"), this);
    m_reuseSeed->setToolTip(tr("Use the seed of the last generated image (Ctrl+R)"));
    m_reuseSeed->setEnabled(false);
    seedRow->addWidget(m_randomSeed);
    seedRow->addWidget(m_seed, 1);
    seedRow->addWidget(m_reuseSeed);
    form->addRow(tr("Seed"), seedRow);

    m_device = narrowCombo(this);
    m_device->addItem(QStringLiteral("cpu"));
    m_device->addItem(QStringLiteral("cuda"));
    m_device->setToolTip(tr("Where the engine runs (CUDA needs a CUDA build of LibTorch)"));
    form->addRow(tr("&Device"), m_device);

    m_spacing = dataCombo(this,
                          {{tr("scheduler's own"), QString()},
                           {QStringLiteral("leading"), QStringLiteral("leading")},
                           {QStringLiteral("linspace"), QStringLiteral("linspace")},
                           {QStringLiteral("trailing"), QStringLiteral("trailing")}},
                          tr("How the steps are spread over the 1000 training timesteps; SD-Turbo needs trailing"));
    m_spacing->setObjectName(QStringLiteral("timestepSpacing"));
    form->addRow(tr("Spacing"), m_spacing);

    m_decoder = dataCombo(this, {{tr("model VAE"), QString()}, {tr("TAESD (fast)"), QStringLiteral("taesd")}},
                          tr("What turns latents into pixels: the model's own VAE (exact), or TAESD, a tiny "
                             "autoencoder (catalogue: taesd) that decodes many times faster with slightly softer detail"));
    m_decoder->setObjectName(QStringLiteral("decoder"));
    form->addRow(tr("Decoder"), m_decoder);

    QList<QPair<QString, QString>> dtypes{{tr("auto (float32 on CPU)"), QString()}, {QStringLiteral("float32"), QStringLiteral("f32")}};
    if (bf16Offered()) dtypes.append({QStringLiteral("bfloat16"), QStringLiteral("bf16")});
    m_dtype = dataCombo(this, dtypes,
                        bf16Offered() ? tr("Number format of the model. bfloat16 halves memory and runs faster on this "
                                           "CPU (AVX512-BF16/AMX); images differ slightly from float32")
                                      : tr("Number format of the model (bfloat16 needs a CPU with AVX512-BF16 or AMX)"));
    m_dtype->setObjectName(QStringLiteral("precision"));
    form->addRow(tr("Precision"), m_dtype);

    m_syntax = dataCombo(this, {{tr("A1111 (weights, BREAK)"), QStringLiteral("a1111")}, {tr("plain text"), QStringLiteral("plain")}},
                         tr("A1111: (word:1.2) weights, [word] and BREAK, prompts of any length; plain: the text as "
                            "diffusers reads it (77 tokens)"));
    m_syntax->setObjectName(QStringLiteral("promptSyntax"));
    form->addRow(tr("Syntax"), m_syntax);  // short: the label column sets the panel's width

    m_clipSkip = new QSpinBox(this);
    m_clipSkip->setObjectName(QStringLiteral("clipSkip"));
    m_clipSkip->setRange(1, 12);
    m_clipSkip->setToolTip(tr("A1111's Clip skip: 1 = the text encoder's last layer, 2 = the one before (anime models)"));
    form->addRow(tr("Clip skip"), m_clipSkip);


    connect(m_randomSeed, &QCheckBox::toggled, m_seed, [this](bool random) { m_seed->setEnabled(!random); });
    connect(m_reuseSeed, &QPushButton::clicked, this, &SamplerPanel::reuseLastSeed);
    for (QSpinBox* s : {m_steps, m_images, m_width, m_height}) {
        connect(s, &QSpinBox::valueChanged, this, &SamplerPanel::changed);
    }
    connect(m_guidance, &QDoubleSpinBox::valueChanged, this, &SamplerPanel::changed);
    connect(m_scheduler, &QComboBox::currentTextChanged, this, &SamplerPanel::changed);
    connect(m_model, &QComboBox::currentTextChanged, this, &SamplerPanel::changed);
    connect(m_device, &QComboBox::currentTextChanged, this, &SamplerPanel::changed);
    for (QComboBox* box : {m_spacing, m_decoder, m_dtype, m_syntax}) {
        connect(box, &QComboBox::currentIndexChanged, this, &SamplerPanel::changed);
    }
    connect(m_clipSkip, &QSpinBox::valueChanged, this, &SamplerPanel::changed);
    connect(m_loras, &LoraList::changed, this, &SamplerPanel::changed);
    connect(m_fast, &QPushButton::clicked, this, &SamplerPanel::applyFastPreset);
    connect(m_randomSeed, &QCheckBox::toggled, this, &SamplerPanel::changed);
    connect(m_seed, &QLineEdit::textChanged, this, &SamplerPanel::changed);
}

void SamplerPanel::setModelFolders(const QStringList& modelFolders, const QStringList& loraFolders) {
    m_modelPicker->rescan(modelFolders, loraFolders);
}

void SamplerPanel::setModels(const QStringList& models) {
    // Added to the models found on disk (the picker's list), not instead of them.
    const QString current = m_model->currentText();
    for (const QString& m : models)
        if (!m.isEmpty() && m_model->findText(m) < 0) m_model->addItem(m);
    if (!current.isEmpty()) m_model->setCurrentText(current);
}

void SamplerPanel::setParams(const GenerationParams& p) {
    if (m_model->findText(p.model) < 0 && !p.model.isEmpty()) m_model->addItem(p.model);
    m_model->setCurrentText(p.model);
    const int s = m_scheduler->findText(p.scheduler);
    m_scheduler->setCurrentIndex(s >= 0 ? s : 0);
    m_steps->setValue(p.steps);
    m_guidance->setValue(p.guidance);
    m_images->setValue(p.imagesPerPrompt);
    m_width->setValue(p.width);
    m_height->setValue(p.height);
    m_randomSeed->setChecked(p.seed < 0);
    m_seed->setEnabled(p.seed >= 0);
    m_seed->setText(p.seed >= 0 ? QString::number(p.seed) : QString());
    const int d = m_device->findText(p.device);
    m_device->setCurrentIndex(d >= 0 ? d : 0);
    selectData(m_spacing, p.timestepSpacing, false);
    selectData(m_decoder, p.decoder, true);  // a TAESD folder is kept as it is
    // bfloat16 on a CPU without it (settings from another machine) falls back to auto.
    selectData(m_dtype, p.dtype, p.dtype != QLatin1String("bf16"));
    selectData(m_syntax, p.promptSyntax, false);
    m_clipSkip->setValue(p.clipSkip);
    m_loras->setLoras(p.loras);
}

GenerationParams SamplerPanel::params() const {
    GenerationParams p;
    p.model = m_model->currentText().trimmed();
    p.scheduler = m_scheduler->currentText();
    p.steps = m_steps->value();
    p.guidance = m_guidance->value();
    p.imagesPerPrompt = m_images->value();
    p.width = m_width->value();
    p.height = m_height->value();
    bool ok = false;
    const qint64 seed = m_seed->text().toLongLong(&ok);
    p.seed = (m_randomSeed->isChecked() || !ok) ? -1 : seed;
    p.device = m_device->currentText();
    p.timestepSpacing = m_spacing->currentData().toString();
    p.decoder = m_decoder->currentData().toString();
    p.dtype = m_dtype->currentData().toString();
    p.promptSyntax = m_syntax->currentData().toString();
    p.clipSkip = m_clipSkip->value();
    p.loras = m_loras->loras();
    return p;
}

void SamplerPanel::applyFastPreset() {
    GenerationParams p = params();
    const bool turbo = isTurboModel(p.model);
    QStringList what;
    // The LCM-LoRA is an SD 1.5 LoRA: it does not fit SD-Turbo (SD 2.1), and the Turbo branch has no use for it.
    QVector<LoraEntry> loras;
    for (const LoraEntry& l : p.loras)
        if (l.file != lcmLoraName()) loras << l;
    if (turbo) {
        p.scheduler = QStringLiteral("Euler a");
        p.timestepSpacing = QStringLiteral("trailing");
        p.steps = 1;
        p.guidance = 0;
        what << tr("SD-Turbo: Euler a, trailing, 1 step, guidance 0");
    } else {
        p.scheduler = QStringLiteral("LCM");
        p.timestepSpacing.clear();
        p.steps = 4;
        p.guidance = 1;
        loras << LoraEntry{lcmLoraName(), 1.0};
        what << tr("LCM + LCM-LoRA (strength 1), 4 steps, guidance 1");
    }
    p.loras = loras;
    p.decoder = QStringLiteral("taesd");
    what << tr("TAESD decoder");
    if (bf16Offered()) {
        p.dtype = QStringLiteral("bf16");
        what << tr("bfloat16");
    }
    setParams(p);
    Q_EMIT presetApplied(tr("Fast preset: %1 — change any field to undo").arg(what.join(QStringLiteral(", "))));
}

void SamplerPanel::setLastSeed(qint64 seed) {
    m_lastSeed = seed;
    m_reuseSeed->setEnabled(seed >= 0);
    m_reuseSeed->setToolTip(tr("Use the seed of the last generated image: %1 (Ctrl+R)").arg(seed));
}

void SamplerPanel::reuseLastSeed() {
    if (m_lastSeed < 0) return;
    m_randomSeed->setChecked(false);
    m_seed->setText(QString::number(m_lastSeed));
}

}  // namespace pictor::ui
