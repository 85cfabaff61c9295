#include "ui/token_counter.h"

#include "core/jobs/text_tokens.h"

#include <QPointer>
#include <QThreadPool>

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
    const int generation = ++m_generation;
    QPointer<TokenCounter> self(this);
    const std::string reference = modelReference.trimmed().toStdString();
    // Reading vocab.json and merges.txt takes a moment: off the UI thread.
    QThreadPool::globalInstance()->start([self, generation, reference] {
        std::shared_ptr<Impl> impl;
        QString error;
        try {
            impl = std::make_shared<Impl>(pictor::jobs::PromptTokenizer(reference));
        } catch (const std::exception& e) {
            error = QString::fromStdString(e.what());
        }
        if (!self) return;
        QMetaObject::invokeMethod(
            self.data(),
            [self, generation, impl, error] {
                if (!self || generation != self->m_generation) return;  // a newer model was chosen
                self->m_impl = impl;
                self->m_error = error;
                if (impl) {
                    Q_EMIT self->ready();
                } else {
                    Q_EMIT self->failed(error);
                }
            },
            Qt::QueuedConnection);
    });
}

bool TokenCounter::isReady() const { return m_impl != nullptr; }

int TokenCounter::count(const QString& text) const {
    if (!m_impl) return -1;
    try {
        // The start and end tokens are always there and never the user's: an empty box is 0.
        return std::max(0, m_impl->tokenizer.count(text.toStdString()) - kSpecialTokens);
    } catch (const std::exception&) {
        return -1;  // not valid UTF-8 cannot come from a QString; be safe anyway
    }
}

int TokenCounter::limit() const {
    return m_impl ? std::max(0, m_impl->tokenizer.model_max_length() - kSpecialTokens) : kDefaultLimit;
}

}  // namespace pictor::ui
