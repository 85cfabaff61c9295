// A one-line label that shows "…" where its text does not fit, instead of widening the panel or
// window that holds it (a long LoRA file name, the list of interrupted jobs). The full text is
// kept (fullText()) and shown whole when there is room.
#pragma once

#include <QLabel>

namespace pictor::ui {

class ElidedLabel : public QLabel {
    Q_OBJECT
public:
    ElidedLabel(const QString& text, Qt::TextElideMode mode, QWidget* parent = nullptr);

    const QString& fullText() const { return m_full; }
    void setFullText(const QString& text);

    QSize sizeHint() const override;         // the whole text
    QSize minimumSizeHint() const override;  // an ellipsis: the text never sets a minimum width

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void updateShownText();
    QString m_full;
    Qt::TextElideMode m_mode;
};

}  // namespace pictor::ui
