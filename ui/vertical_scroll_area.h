// A scroll area for a column of forms: it scrolls vertically only and is as wide as its contents
// need (plus the scroll bar), so a layout or a dock holding it never squeezes or clips the fields.
#pragma once

#include <QScrollArea>

namespace pictor::ui {

class VerticalScrollArea : public QScrollArea {
    Q_OBJECT
public:
    explicit VerticalScrollArea(QWidget* parent = nullptr);

    QSize minimumSizeHint() const override;
    QSize sizeHint() const override;

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    int chromeWidth() const;
};

}  // namespace pictor::ui
