// Prompt and negative prompt editors with live CLIP token counts, and the Generate button.
#pragma once

#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QPushButton;

namespace pictor::ui {

class TokenCounter;

class PromptPanel : public QWidget {
    Q_OBJECT
public:
    explicit PromptPanel(TokenCounter* counter, QWidget* parent = nullptr);

    QString prompt() const;
    QString negativePrompt() const;
    void setPrompt(const QString& text);
    void setNegativePrompt(const QString& text);

    QPlainTextEdit* promptEdit() const { return m_prompt; }

Q_SIGNALS:
    void generateRequested();
    void statusMessage(const QString& text);

private:
    void updateCounts();
    void updateCount(QPlainTextEdit* edit, QLabel* label);

    TokenCounter* m_counter;
    QPlainTextEdit* m_prompt;
    QPlainTextEdit* m_negative;
    QLabel* m_promptCount;
    QLabel* m_negativeCount;
    QPushButton* m_generate;
};

}  // namespace pictor::ui
