// The studio's multi-line text field: a QPlainTextEdit that takes only plain text from a paste or
// a drop.
//
// QPlainTextEdit's own insertFromMimeData asks the mime data for rich text, HTML and URLs first;
// with Qt 6.4 on X11 a clipboard whose owner has quit crashed in there on Ctrl+V. Here a paste
// reads nothing but `hasText() ? text()`, never a null QMimeData, and a huge text is cut to
// kMaxInsert characters (with a message) instead of freezing the layout.
//
// QLineEdit needs no such class: its paste reads QClipboard::text() only (empty for an empty or
// ownerless clipboard) and maxLength() caps it.
#pragma once

#include <QPlainTextEdit>

class QMimeData;

namespace pictor::ui {

class PlainTextEdit : public QPlainTextEdit {
    Q_OBJECT
public:
    explicit PlainTextEdit(QWidget* parent = nullptr);

    // The most characters one paste or drop inserts (about 1 MB of ASCII; prompts are far shorter).
    static constexpr qsizetype kMaxInsert = 1000 * 1000;

Q_SIGNALS:
    // A paste or drop was cut to kMaxInsert characters; `message` says so (for the status bar).
    void insertTruncated(const QString& message);
    // Text a paste or drop inserted (after inserting it; cut as inserted).
    void textInserted(const QString& text);

protected:
    bool canInsertFromMimeData(const QMimeData* source) const override;
    void insertFromMimeData(const QMimeData* source) override;
};

}  // namespace pictor::ui
