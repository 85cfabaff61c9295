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
    void setGenerateEnabled(bool enabled);

    QPlainTextEdit* promptEdit() const { return m_prompt; }
    QPushButton* generateButton() const { return m_generate; }
    // The text of the prompt's token label, e.g. "9 / 77 tokens" (for tests).
    QString promptTokenText() const;

Q_SIGNALS:
    void generateRequested();

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
