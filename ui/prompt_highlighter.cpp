#include "ui/prompt_highlighter.h"

#include "core/jobs/text_tokens.h"

#include <QTextDocument>
#include <QTimer>

#include <algorithm>
#include <string>
#include <vector>

namespace pictor::ui {

PromptHighlighter::PromptHighlighter(QTextDocument* document) : QSyntaxHighlighter(document) {
    m_up.setForeground(QColor(0xff, 0xb7, 0x4d));
    m_up.setFontWeight(QFont::DemiBold);
    m_down.setForeground(QColor(0x90, 0xa4, 0xae));
    m_down.setFontItalic(true);
    m_negative.setForeground(QColor(0xef, 0x53, 0x50));
    m_break.setForeground(QColor(0xba, 0x68, 0xc8));
    m_break.setFontWeight(QFont::Bold);
    // Highlighting itself reports a change of 0 characters: only real edits need the other lines
    // redone (the edited block is, and highlightBlock re-parses a changed text first).
    connect(document, &QTextDocument::contentsChange, this, [this](int, int removed, int added) {
        if ((removed == 0 && added == 0) || m_pending || this->document()->blockCount() < 2) return;
        m_pending = true;
        QTimer::singleShot(0, this, [this] {
            m_pending = false;
            rehighlight();
        });
    });
}

void PromptHighlighter::reparse() {
    const QString text = document()->toPlainText();
    if (text == m_text) return;
    m_text = text;
    const std::string utf8 = text.toStdString();
    // UTF-8 byte offset -> UTF-16 position.
    std::vector<int> position(utf8.size() + 1, 0);
    int at = 0;
    for (size_t b = 0; b < utf8.size();) {
        const auto c = static_cast<unsigned char>(utf8[b]);
        const size_t length = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        for (size_t k = 0; k < length && b + k < utf8.size(); ++k) position[b + k] = at;
        b += length;
        at += length == 4 ? 2 : 1;  // a code point past U+FFFF is a surrogate pair
    }
    position[utf8.size()] = at;
    m_spans.clear();
    for (const WeightedSpan& s : pictor::jobs::prompt_weight_spans(utf8)) {
        if (s.weight == 1.0 && !s.is_break) continue;
        m_spans.push_back({position[s.begin], position[s.end], s.is_break ? -1.0 : s.weight, s.is_break});
    }
}

double PromptHighlighter::weightAt(int pos) {
    reparse();
    for (const Span& s : m_spans)
        if (pos >= s.begin && pos < s.end) return s.weight;
    return 1.0;
}

void PromptHighlighter::highlightBlock(const QString& text) {
    reparse();
    const int first = currentBlock().position(), last = first + int(text.size());
    for (const Span& s : m_spans) {
        const int begin = std::max(s.begin, first), end = std::min(s.end, last);
        if (begin >= end) continue;
        const QTextCharFormat& f = s.isBreak ? m_break : s.weight < 0 ? m_negative : s.weight > 1 ? m_up : m_down;
        setFormat(begin - first, end - begin, f);
    }
}

}  // namespace pictor::ui
