#include "ui/sampler_panel.h"

#include "ui/checked_spin_box.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpressionValidator>
#include <QSpinBox>

namespace pictor::ui {

QStringList SamplerPanel::schedulerNames() {
    return {QStringLiteral("PNDM"),     QStringLiteral("DDIM"),           QStringLiteral("Euler"),
            QStringLiteral("Euler a"),  QStringLiteral("DPM++ 2M"),       QStringLiteral("DPM++ 2M Karras"),
            QStringLiteral("LMS")};
}

SamplerPanel::SamplerPanel(QWidget* parent) : QWidget(parent) {
    auto* form = new QFormLayout(this);
    form->setContentsMargins(0, 0, 0, 0);
    form->setHorizontalSpacing(10);
    form->setVerticalSpacing(6);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);

    m_model = new QComboBox(this);
    m_model->setEditable(true);
    m_model->setToolTip(tr("A Hugging Face repo id (diffusers layout) or a local model folder"));
    m_model->setMinimumContentsLength(16);
    m_model->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    form->addRow(tr("&Model"), m_model);

    m_scheduler = new QComboBox(this);
    m_scheduler->addItems(schedulerNames());
    m_scheduler->setToolTip(tr("The sampler (diffusers scheduler); PNDM is the SD 1.5 default"));
    form->addRow(tr("S&cheduler"), m_scheduler);

    auto* steps = new CheckedSpinBox(tr("Steps"), 1, this);
    m_steps = steps;
    m_steps->setRange(1, 500);
    m_steps->setToolTip(tr("Number of denoising steps"));
    form->addRow(tr("&Steps"), m_steps);

    m_guidance = new QDoubleSpinBox(this);
    m_guidance->setRange(1.0, 30.0);
    m_guidance->setSingleStep(0.5);
    m_guidance->setDecimals(1);
    m_guidance->setToolTip(tr("Classifier-free guidance scale (how closely to follow the prompt)"));
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

    m_device = new QComboBox(this);
    m_device->addItem(QStringLiteral("cpu"));
    m_device->addItem(QStringLiteral("cuda"));
    m_device->setToolTip(tr("Where the engine runs (CUDA needs a CUDA build of LibTorch)"));
    form->addRow(tr("&Device"), m_device);

    connect(m_randomSeed, &QCheckBox::toggled, m_seed, [this](bool random) { m_seed->setEnabled(!random); });
    connect(m_reuseSeed, &QPushButton::clicked, this, &SamplerPanel::reuseLastSeed);
    for (QSpinBox* s : {m_steps, m_images, m_width, m_height}) {
        connect(s, &QSpinBox::valueChanged, this, &SamplerPanel::changed);
    }
    connect(m_guidance, &QDoubleSpinBox::valueChanged, this, &SamplerPanel::changed);
    connect(m_scheduler, &QComboBox::currentTextChanged, this, &SamplerPanel::changed);
    connect(m_model, &QComboBox::currentTextChanged, this, &SamplerPanel::changed);
    connect(m_device, &QComboBox::currentTextChanged, this, &SamplerPanel::changed);
    connect(m_randomSeed, &QCheckBox::toggled, this, &SamplerPanel::changed);
    connect(m_seed, &QLineEdit::textChanged, this, &SamplerPanel::changed);
}

void SamplerPanel::setModels(const QStringList& models) {
    const QString current = m_model->currentText();
    m_model->clear();
    m_model->addItems(models);
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
    return p;
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
