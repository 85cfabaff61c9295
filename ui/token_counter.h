// Live CLIP token counts for the prompt editors.
//
// The tokenizer (vocab.json + merges.txt of the selected model) is loaded on a pool thread; until
// it is ready, or when the model has no tokenizer files, count() returns -1 and error() says why.
// Counting one prompt takes microseconds and runs on the UI thread.
#pragma once

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
    bool isReady() const;
    // Number of tokens including the start and end tokens (CLIP's limit is 77), or -1.
    int count(const QString& text) const;
    const QString& error() const { return m_error; }

    static constexpr int kLimit = 77;

Q_SIGNALS:
    void ready();
    void failed(const QString& message);

private:
    struct Impl;
    std::shared_ptr<Impl> m_impl;
    QString m_error;
    int m_generation = 0;
};

}  // namespace pictor::ui
