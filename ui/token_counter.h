// Live CLIP token counts for the prompt editors.
//
// Counts are what the user typed, against what the model reads of it: "0 / 75" for an empty box
// (HF's 2 for "" are the start and end tokens, which every prompt has and no prompt can use).
// countPrompt() counts as A1111 does (any length, in chunks of 75; BREAK starts a chunk).
// The tokenizer (vocab.json + merges.txt of the selected model) is loaded on a pool thread; until
// it is ready, or when the model has no tokenizer files, count() returns -1 and error() says why.
// Counting one prompt takes microseconds and runs on the UI thread.
#pragma once

#include "ui/background_task.h"

#include <QObject>
#include <QString>

#include <memory>

namespace pictor::ui {

class TokenCounter : public QObject {
    Q_OBJECT
public:
    explicit TokenCounter(QObject* parent = nullptr);
    ~TokenCounter() override;

    // Loads the tokenizer of the model `modelReference` (asynchronously). Emits ready() or failed().
    void load(const QString& modelReference);
    // Number of tokens the text takes, without CLIP's start and end tokens ("" is 0), or -1.
    int count(const QString& text) const;
    // How many of them the model reads: its window less the start and end tokens (75 for CLIP's
    // 77); kDefaultLimit until a tokenizer is loaded.
    int limit() const;

    // The prompt as generate reads it with A1111's syntax: its count over 75-token chunks
    // (`tokens` / `limit`, "83 / 150 tokens, 2 chunks"); tokens -1 until a tokenizer is loaded,
    // and for a weight that is not a number (`problem` says which).
    struct PromptCount {
        int tokens = -1, limit = kDefaultLimit, chunks = 1;
        QString problem;
    };
    PromptCount countPrompt(const QString& text) const;
    const QString& error() const { return m_error; }

    static constexpr int kSpecialTokens = 2;  // start and end
    static constexpr int kDefaultLimit = 75;

Q_SIGNALS:
    void ready();
    void failed(const QString& message);

private:
    struct Impl;
    std::shared_ptr<Impl> m_impl;
    QString m_error;
    BackgroundTask m_loading{this};  // a newer load() drops the answer of an older one
};

}  // namespace pictor::ui
