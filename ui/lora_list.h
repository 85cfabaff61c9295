// The sampler panel's LoRA list: one row per LoRA with its file and a strength slider + spin box
// (-2..2, default 1), "Add LoRA…" (a file dialog) and a remove button per row. The list goes to
// the engine as the request's LoRAs (each at the same strength for the UNet and the text encoder).
// UI thread only.
#pragma once

#include "ui/engine_types.h"

#include <QWidget>

class QPushButton;
class QVBoxLayout;

namespace pictor::ui {

class LoraList : public QWidget {
    Q_OBJECT
public:
    static constexpr double kMinStrength = -2.0;
    static constexpr double kMaxStrength = 2.0;

    explicit LoraList(QWidget* parent = nullptr);

    void setLoras(const QVector<LoraEntry>& loras);
    QVector<LoraEntry> loras() const;
    // Appends a row (a file already in the list only gets its strength set).
    void addLora(const QString& file, double strength = 1.0);

Q_SIGNALS:
    void changed();

private:
    void addRow(const LoraEntry& entry);
    void chooseFiles();

    QVBoxLayout* m_rows;
    QPushButton* m_add;
};

}  // namespace pictor::ui
