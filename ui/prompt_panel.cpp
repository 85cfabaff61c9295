#include "ui/prompt_panel.h"

#include "ui/prompt_highlighter.h"
#include "ui/text_edit.h"
#include "ui/token_counter.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStyle>
#include <QVBoxLayout>

namespace pictor::ui {

namespace {

PlainTextEdit* makeEditor(const QString& placeholder, int lines, QWidget* parent) {
    auto* edit = new PlainTextEdit(parent);
    edit->setPlaceholderText(placeholder);
    edit->setTabChangesFocus(true);
    const int lineHeight = edit->fontMetrics().lineSpacing();
    edit->setMinimumHeight(lineHeight * lines + 14);
    edit->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    return edit;
}

}  // namespace

PromptPanel::PromptPanel(TokenCounter* counter, QWidget* parent) : QWidget(parent), m_counter(counter) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(6);

    auto header = [this](const QString& text, QLabel*& count, QWidget* buddy) {
        auto* row = new QHBoxLayout;
        auto* label = new QLabel(text, this);
        QFont f = label->font();
        f.setBold(true);
        label->setFont(f);
        label->setBuddy(buddy);
        count = new QLabel(this);
        count->setObjectName(QStringLiteral("tokenCount"));
        count->setAccessibleName(tr("%1 token count").arg(buddy->accessibleName()));
        row->addWidget(label);
        row->addStretch();
        row->addWidget(count);
        return row;
    };

    PlainTextEdit* prompt = makeEditor(tr("Describe the image…"), 4, this);
    prompt->setObjectName(QStringLiteral("prompt"));
    prompt->setAccessibleName(tr("Prompt"));
    PlainTextEdit* negative = makeEditor(tr("What to avoid (optional)"), 2, this);
    negative->setObjectName(QStringLiteral("negativePrompt"));
    negative->setAccessibleName(tr("Negative prompt"));
    for (PlainTextEdit* edit : {prompt, negative}) connect(edit, &PlainTextEdit::insertTruncated, this, &PromptPanel::statusMessage);
    m_prompt = prompt;
    m_negative = negative;
    for (PlainTextEdit* edit : {prompt, negative}) new PromptHighlighter(edit->document());  // owned by the document
    layout->addLayout(header(tr("&Prompt"), m_promptCount, m_prompt));
    layout->addWidget(m_prompt, 3);
    layout->addLayout(header(tr("&Negative prompt"), m_negativeCount, m_negative));
    layout->addWidget(m_negative, 2);

    m_generate = new QPushButton(tr("Generate"), this);
    m_generate->setObjectName(QStringLiteral("primary"));
    m_generate->setToolTip(tr("Generate images from the prompt (Ctrl+Enter)"));
    layout->addWidget(m_generate);

    connect(m_generate, &QPushButton::clicked, this, &PromptPanel::generateRequested);
    connect(m_prompt, &QPlainTextEdit::textChanged, this, [this] { updateCount(m_prompt, m_promptCount); });
    connect(m_negative, &QPlainTextEdit::textChanged, this, [this] { updateCount(m_negative, m_negativeCount); });
    if (m_counter) {
        connect(m_counter, &TokenCounter::ready, this, &PromptPanel::updateCounts);
        connect(m_counter, &TokenCounter::failed, this, &PromptPanel::updateCounts);
    }
    updateCounts();
}

QString PromptPanel::prompt() const { return m_prompt->toPlainText().trimmed(); }
QString PromptPanel::negativePrompt() const { return m_negative->toPlainText().trimmed(); }
void PromptPanel::setPrompt(const QString& text) { m_prompt->setPlainText(text); }
void PromptPanel::setNegativePrompt(const QString& text) { m_negative->setPlainText(text); }

void PromptPanel::updateCounts() {
    updateCount(m_prompt, m_promptCount);
    updateCount(m_negative, m_negativeCount);
}

void PromptPanel::updateCount(QPlainTextEdit* edit, QLabel* label) {
    // A1111's count: prompts of any length are read in chunks of 75 tokens, so none is "over".
    const TokenCounter::PromptCount c = m_counter ? m_counter->countPrompt(edit->toPlainText()) : TokenCounter::PromptCount{};
    const bool bad = !c.problem.isEmpty();
    if (c.tokens < 0) {
        label->setText(QStringLiteral("– / %1 tokens").arg(c.limit));
        label->setToolTip(bad ? c.problem
                              : m_counter && !m_counter->error().isEmpty() ? tr("Token count unavailable: %1").arg(m_counter->error())
                                                                           : tr("Loading the tokenizer…"));
    } else {
        label->setText(c.chunks > 1 ? QStringLiteral("%1 / %2 tokens, %3 chunks").arg(c.tokens).arg(c.limit).arg(c.chunks)
                                    : QStringLiteral("%1 / %2 tokens").arg(c.tokens).arg(c.limit));
        label->setToolTip(tr("CLIP tokens of the prompt, read in chunks of 75 (AUTOMATIC1111's way; BREAK starts a new "
                             "chunk). (word) and (word:1.3) weigh words up, [word] down."));
    }
    label->setProperty("over", bad);
    label->style()->unpolish(label);
    label->style()->polish(label);
}

}  // namespace pictor::ui
