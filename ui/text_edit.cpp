#include "ui/text_edit.h"

#include <QLocale>
#include <QMimeData>
#include <QTextCursor>

namespace pictor::ui {

PlainTextEdit::PlainTextEdit(QWidget* parent) : QPlainTextEdit(parent) {}

bool PlainTextEdit::canInsertFromMimeData(const QMimeData* source) const {
    // Only text is ever inserted, so only text makes "Paste" available or a drop acceptable.
    return source && source->hasText();
}

void PlainTextEdit::insertFromMimeData(const QMimeData* source) {
    if (!source || !source->hasText() || isReadOnly()) return;
    QString text = source->text();
    if (text.isEmpty()) return;
    if (text.size() > kMaxInsert) {
        const qsizetype original = text.size();
        text.truncate(kMaxInsert);
        // Keep a surrogate pair whole: half of one is not a character.
        if (text.back().isHighSurrogate()) text.chop(1);
        Q_EMIT insertTruncated(
            tr("Only the first %1 of the %2 pasted characters were inserted.")
                .arg(QLocale().toString(qlonglong(text.size())), QLocale().toString(qlonglong(original))));
    }
    QTextCursor cursor = textCursor();
    cursor.insertText(text);  // plain text: no formats, no images, no HTML
    setTextCursor(cursor);
    ensureCursorVisible();
    Q_EMIT textInserted(text);
}

}  // namespace pictor::ui
