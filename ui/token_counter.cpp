#include "ui/token_counter.h"

#include "core/jobs/text_tokens.h"

#include <algorithm>
#include <exception>

namespace pictor::ui {

struct TokenCounter::Impl {
    explicit Impl(pictor::jobs::PromptTokenizer t) : tokenizer(std::move(t)) {}
    pictor::jobs::PromptTokenizer tokenizer;
};

TokenCounter::TokenCounter(QObject* parent) : QObject(parent) {}
TokenCounter::~TokenCounter() = default;

void TokenCounter::load(const QString& modelReference) {
    m_impl.reset();
    m_error.clear();
    const std::string reference = modelReference.trimmed().toStdString();
    struct Loaded {
        std::shared_ptr<Impl> impl;
        QString error;
    };
    // Reading vocab.json and merges.txt takes a moment: off the UI thread.
    m_loading.start(
        [reference] {
            Loaded loaded;
            try {
                loaded.impl = std::make_shared<Impl>(pictor::jobs::PromptTokenizer(reference));
            } catch (const std::exception& e) {
                loaded.error = QString::fromStdString(e.what());
            }
            return loaded;
        },
        [this](Loaded loaded) {
            m_impl = std::move(loaded.impl);
            m_error = loaded.error;
            if (m_impl) {
                Q_EMIT ready();
            } else {
                Q_EMIT failed(m_error);
            }
        });
}

int TokenCounter::count(const QString& text) const {
    if (!m_impl) return -1;
    try {
        // The start and end tokens are always there and never the user's: an empty box is 0.
        return std::max(0, m_impl->tokenizer.count(text.toStdString()) - kSpecialTokens);
    } catch (const std::exception&) {
        return -1;  // not valid UTF-8 cannot come from a QString; be safe anyway
    }
}

TokenCounter::PromptCount TokenCounter::countPrompt(const QString& text) const {
    PromptCount c;
    if (!m_impl) return c;
    try {
        const pictor::jobs::PromptTokenCount n = m_impl->tokenizer.count_prompt(text.toStdString());
        c.tokens = n.tokens;
        c.limit = n.limit;
        c.chunks = n.chunks;
    } catch (const std::exception& e) {
        c.problem = QString::fromStdString(e.what());
    }
    return c;
}

int TokenCounter::limit() const {
    return m_impl ? std::max(0, m_impl->tokenizer.model_max_length() - kSpecialTokens) : kDefaultLimit;
}

}  // namespace pictor::ui
