#include "ui/lora_list.h"

#include "ui/elided_label.h"

#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QResizeEvent>
#include <QSignalBlocker>
#include <QSlider>
#include <QToolButton>
#include <QVBoxLayout>

#include <cmath>

namespace pictor::ui {

namespace {

// The slider moves in steps of 0.05 (integers ×100 would make the keyboard crawl); the spin box
// holds the exact value.
constexpr int kSliderScale = 20;

QString shownName(const QString& file) {
    const QFileInfo info(file);
    if (info.exists() && info.isDir()) return info.fileName();
    const QString name = info.completeBaseName();
    return name.isEmpty() ? file : name;
}

}  // namespace

LoraList::LoraList(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);
    m_rows = new QVBoxLayout;
    m_rows->setSpacing(2);
    layout->addLayout(m_rows);
    m_add = new QPushButton(tr("Add LoRA…"), this);
    m_add->setObjectName(QStringLiteral("loraAdd"));
    m_add->setToolTip(tr("Merge a LoRA (kohya/A1111 .safetensors, .pt, .ckpt, or a diffusers pytorch_lora_weights "
                         "file) into the model. The prompt's <lora:NAME:STRENGTH> tags work too."));
    layout->addWidget(m_add, 0, Qt::AlignLeft);
    connect(m_add, &QPushButton::clicked, this, &LoraList::chooseFiles);
}

void LoraList::chooseFiles() {
    const QStringList files = QFileDialog::getOpenFileNames(this, tr("Add LoRA"), QString(),
                                                            tr("LoRA files (*.safetensors *.pt *.ckpt *.bin)"));
    for (const QString& f : files) addLora(f);
}

void LoraList::setLoras(const QVector<LoraEntry>& loras) {
    if (loras == this->loras()) return;
    while (QLayoutItem* item = m_rows->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    for (const LoraEntry& e : loras) addRow(e);
    Q_EMIT changed();
}

QVector<LoraEntry> LoraList::loras() const {
    QVector<LoraEntry> out;
    for (int i = 0; i < m_rows->count(); ++i) {
        QWidget* row = m_rows->itemAt(i)->widget();
        if (!row) continue;
        const auto* spin = row->findChild<QDoubleSpinBox*>(QStringLiteral("loraStrength"));
        out.push_back(LoraEntry{row->property("loraFile").toString(), spin ? spin->value() : 1.0});
    }
    return out;
}

void LoraList::addLora(const QString& file, double strength) {
    for (int i = 0; i < m_rows->count(); ++i) {
        QWidget* row = m_rows->itemAt(i)->widget();
        if (row && row->property("loraFile").toString() == file) {
            row->findChild<QDoubleSpinBox*>(QStringLiteral("loraStrength"))->setValue(strength);
            return;
        }
    }
    addRow(LoraEntry{file, strength});
    Q_EMIT changed();
}

void LoraList::addRow(const LoraEntry& entry) {
    auto* row = new QWidget(this);
    row->setObjectName(QStringLiteral("loraRow"));
    row->setProperty("loraFile", entry.file);
    // Two lines: the name with its remove button, then the strength. On one line the slider of a
    // 340 px panel was only a handle wide.
    auto* v = new QVBoxLayout(row);
    v->setContentsMargins(0, 0, 0, 2);
    v->setSpacing(2);
    auto* top = new QHBoxLayout;
    top->setSpacing(6);
    auto* h = new QHBoxLayout;
    h->setSpacing(6);
    v->addLayout(top);
    v->addLayout(h);

    auto* name = new ElidedLabel(shownName(entry.file), Qt::ElideMiddle, row);
    name->setObjectName(QStringLiteral("loraName"));
    name->setToolTip(entry.file);
    name->setMinimumWidth(60);
    auto* slider = new QSlider(Qt::Horizontal, row);
    slider->setMinimumWidth(100);
    slider->setObjectName(QStringLiteral("loraSlider"));
    slider->setRange(int(kMinStrength * kSliderScale), int(kMaxStrength * kSliderScale));
    slider->setToolTip(tr("Strength: 1 = as trained, 0 = off, negative = the opposite"));
    auto* spin = new QDoubleSpinBox(row);
    spin->setObjectName(QStringLiteral("loraStrength"));
    spin->setRange(kMinStrength, kMaxStrength);
    spin->setSingleStep(0.05);
    spin->setDecimals(2);
    spin->setToolTip(slider->toolTip());
    auto* remove = new QToolButton(row);
    remove->setObjectName(QStringLiteral("loraRemove"));
    remove->setText(QStringLiteral("✕"));
    remove->setToolTip(tr("Remove this LoRA"));
    remove->setAutoRaise(true);
    top->addWidget(name, 1);
    top->addWidget(remove, 0);
    h->addWidget(slider, 1);
    h->addWidget(spin, 0);

    spin->setValue(entry.strength);
    slider->setValue(int(std::lround(entry.strength * kSliderScale)));
    connect(slider, &QSlider::valueChanged, spin, [spin](int v) {
        // Only a slider move the spin box does not already show (the spin box keeps 0.73 exact).
        if (int(std::lround(spin->value() * kSliderScale)) != v) spin->setValue(double(v) / kSliderScale);
    });
    connect(spin, &QDoubleSpinBox::valueChanged, this, [this, slider](double v) {
        const QSignalBlocker block(slider);
        slider->setValue(int(std::lround(v * kSliderScale)));
        Q_EMIT changed();
    });
    connect(remove, &QToolButton::clicked, this, [this, row] {
        m_rows->removeWidget(row);
        row->deleteLater();
        row->setProperty("loraFile", QVariant());
        Q_EMIT changed();
    });
    m_rows->addWidget(row);
}

}  // namespace pictor::ui
