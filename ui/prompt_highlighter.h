// Highlights AUTOMATIC1111 prompt syntax in a prompt editor: text with a weight above 1 (`(word)`,
// `(word:1.3)`), below 1 (`[word]`, `(word:0.5)`), negative weights, and BREAK markers. The spans
// come from the engine's own parser (core/jobs/text_tokens.h), so what is highlighted is what the
// encoder weights. A bracket opened on one line weights the lines after it: every edit re-runs the
// whole (short) document once, on the next event-loop turn.
#pragma once

#include <QSyntaxHighlighter>
#include <QString>
#include <QTextCharFormat>
#include <QVector>

namespace pictor::ui {

class PromptHighlighter : public QSyntaxHighlighter {
    Q_OBJECT
public:
    explicit PromptHighlighter(QTextDocument* document);

    // The weight the parser gives the character at UTF-16 position `pos` of the document
    // (1 outside any span; -1 on a BREAK marker), for tests and tooltips.
    double weightAt(int pos);

protected:
    void highlightBlock(const QString& text) override;

private:
    struct Span {
        int begin = 0, end = 0;  // UTF-16 positions in the document
        double weight = 1.0;
        bool isBreak = false;
    };
    void reparse();

    QString m_text;  // what m_spans were parsed from
    QVector<Span> m_spans;
    bool m_pending = false;
    QTextCharFormat m_up, m_down, m_negative, m_break;
};

}  // namespace pictor::ui
