#include "ui/prompt_panel.h"

#include "ui/charts.h"
#include "ui/prompt_highlighter.h"
#include "ui/strength_control.h"
#include "ui/text_edit.h"
#include "ui/token_counter.h"

#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QImageReader>
#include <QLabel>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>

namespace pictor::ui {

namespace {

constexpr int kInitThumb = 72;

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

    // img2img: the init image's row (thumbnail, name and size, clear) and the strength under it.
    m_initRow = new QWidget(this);
    m_initRow->setObjectName(QStringLiteral("initImage"));
    auto* initLayout = new QHBoxLayout(m_initRow);
    initLayout->setContentsMargins(0, 0, 0, 0);
    m_initThumb = new QLabel(m_initRow);
    m_initThumb->setObjectName(QStringLiteral("initThumbnail"));
    m_initThumb->setFixedSize(kInitThumb, kInitThumb);
    m_initThumb->setAlignment(Qt::AlignCenter);
    m_initThumb->setStyleSheet(QStringLiteral("background: #1b1d22; border-radius: 4px;"));
    m_initInfo = new QLabel(m_initRow);
    m_initInfo->setObjectName(QStringLiteral("initInfo"));
    m_initInfo->setWordWrap(true);
    m_initInfo->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_initClear = new QToolButton(m_initRow);
    m_initClear->setObjectName(QStringLiteral("clearInitImage"));
    m_initClear->setText(QStringLiteral("×"));
    m_initClear->setAutoRaise(true);
    m_initClear->setToolTip(tr("Remove the init image: generate from text only"));
    m_initClear->setAccessibleName(tr("Remove the init image"));
    initLayout->addWidget(m_initThumb);
    initLayout->addWidget(m_initInfo, 1);
    initLayout->addWidget(m_initClear, 0, Qt::AlignTop);
    m_strength = new StrengthControl(this);
    m_initHint = new QLabel(tr("img2img: drop an image here, or “Send to img2img” (Ctrl+I) in the gallery"), this);
    m_initHint->setObjectName(QStringLiteral("hint"));
    m_initHint->setWordWrap(true);
    layout->addWidget(m_initRow);
    layout->addWidget(m_strength);
    layout->addWidget(m_initHint);
    connect(m_initClear, &QToolButton::clicked, this, [this] { setInitImage({}); });

    // The offer to apply pasted or dropped generation parameters (hidden until there are some).
    m_offer = new QWidget(this);
    m_offer->setObjectName(QStringLiteral("parametersOffer"));
    auto* offerLayout = new QHBoxLayout(m_offer);
    offerLayout->setContentsMargins(6, 4, 4, 4);
    m_offer->setAttribute(Qt::WA_StyledBackground);
    m_offer->setStyleSheet(QStringLiteral("#parametersOffer { background: #23303f; border-radius: 4px; }"));
    m_offerText = new QLabel(m_offer);
    m_offerText->setObjectName(QStringLiteral("parametersOfferText"));
    m_offerText->setWordWrap(true);
    m_offerApply = new QPushButton(m_offer);
    m_offerApply->setObjectName(QStringLiteral("applyParameters"));
    m_offerApply->setShortcut(QKeySequence(QStringLiteral("Ctrl+Shift+A")));
    auto* offerClose = new QToolButton(m_offer);
    offerClose->setObjectName(QStringLiteral("dismissParameters"));
    offerClose->setText(QStringLiteral("×"));
    offerClose->setAutoRaise(true);
    offerClose->setToolTip(tr("Keep the fields as they are"));
    offerClose->setAccessibleName(tr("Dismiss the parameters offer"));
    offerLayout->addWidget(m_offerText, 1);
    offerLayout->addWidget(m_offerApply);
    offerLayout->addWidget(offerClose, 0, Qt::AlignTop);
    m_offer->hide();
    layout->insertWidget(0, m_offer);
    connect(m_offerApply, &QPushButton::clicked, this, &PromptPanel::applyOfferedParameters);
    connect(offerClose, &QToolButton::clicked, this, &PromptPanel::dismissParametersOffer);
    for (PlainTextEdit* edit : {prompt, negative}) {
        connect(edit, &PlainTextEdit::textInserted, this, [this](const QString& text) {
            offerParameters(text, tr("The pasted text holds generation parameters."),
                            tr("Apply all parameters (steps, sampler, seed, size…)"), false);
        });
    }

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
    setAcceptDrops(true);
    for (QPlainTextEdit* edit : {m_prompt, m_negative}) edit->viewport()->installEventFilter(this);
    setInitImage({});
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

bool PromptPanel::setInitImage(const QString& path) {
    if (!path.isEmpty()) {
        if (!ImageDropZone::isImageFile(path)) {
            Q_EMIT statusMessage(tr("%1 is not a PNG or JPEG image: img2img takes .png, .jpg and .jpeg files")
                                     .arg(QFileInfo(path).fileName()));
            return false;
        }
        QImageReader reader(path);
        reader.setAutoTransform(true);
        const QImage image = reader.read();
        if (image.isNull()) {
            Q_EMIT statusMessage(tr("Cannot read %1: %2").arg(path, reader.errorString()));
            return false;
        }
        m_initThumb->setPixmap(QPixmap::fromImage(
            image.scaled(kInitThumb, kInitThumb, Qt::KeepAspectRatio, Qt::SmoothTransformation)));
        m_initInfo->setText(tr("<b>Init image</b> %1<br>%2 × %3 px, resized to the sampler's width × height")
                                .arg(QFileInfo(path).fileName().toHtmlEscaped())
                                .arg(image.width())
                                .arg(image.height()));
        m_initInfo->setToolTip(path);
    } else {
        m_initThumb->clear();
        m_initInfo->clear();
    }
    const bool changed = m_initPath != path;
    m_initPath = path;
    const bool has = !path.isEmpty();
    m_initRow->setVisible(has);
    m_strength->setVisible(has);
    m_strength->setEnabled(has);
    m_initHint->setVisible(!has);
    m_generate->setToolTip(has ? tr("Generate images from the prompt and the init image (img2img) (Ctrl+Enter)")
                               : tr("Generate images from the prompt (Ctrl+Enter)"));
    if (changed) Q_EMIT initImageChanged(path);
    return true;
}

double PromptPanel::strength() const { return m_strength->value(); }
void PromptPanel::setStrength(double strength) { m_strength->setValue(strength); }

QString PromptPanel::restoreImg2Img(const GenerationParams& params) {
    if (!params.img2img) {
        if (m_initPath.isEmpty()) return {};
        setInitImage({});
        return tr("; text-to-image, the init image was removed");
    }
    setStrength(params.strength);
    const QString shown = QString::number(m_strength->value(), 'f', 2);
    if (!params.initImage.isEmpty() && QFileInfo::exists(params.initImage) && setInitImage(params.initImage))
        return tr("; img2img from %1 at strength %2").arg(QFileInfo(params.initImage).fileName(), shown);
    // A1111's parameters record the strength but never the init image.
    return m_initPath.isEmpty()
               ? tr("; strength %1 restored, but the parameters do not record the init image: drop it on the prompt")
                     .arg(shown)
               : tr("; strength %1 restored; the parameters do not record the init image, %2 is kept")
                     .arg(shown, QFileInfo(m_initPath).fileName());
}

void PromptPanel::offerParameters(const QString& text, const QString& what, const QString& button, bool fromImage) {
    GenerationParams parsed;
    if (!parseParameters(text, &parsed)) return;  // not a parameters chunk: an ordinary paste
    m_offered = text;
    m_offeredFromImage = fromImage;
    QString summary = tr("%1 steps, %2, CFG %3, %4×%5").arg(parsed.steps).arg(parsed.scheduler).arg(parsed.guidance)
                          .arg(parsed.width).arg(parsed.height);
    if (parsed.seed >= 0) summary += tr(", seed %1").arg(parsed.seed);
    m_offerText->setText(tr("%1 <span style='color:#9aa4b2'>(%2)</span>").arg(what.toHtmlEscaped(), summary.toHtmlEscaped()));
    m_offerApply->setText(button);
    m_offerApply->setToolTip(tr("Put the prompt, the negative prompt and the sampler settings of these parameters in "
                                "the fields, as the gallery's “Reuse parameters” does (Ctrl+Shift+A)"));
    m_offer->show();
}

void PromptPanel::applyOfferedParameters() {
    if (m_offered.isEmpty()) return;
    const QString text = m_offered;
    const bool keep = m_offeredFromImage;
    dismissParametersOffer();
    Q_EMIT parametersApplyRequested(text, keep);
}

void PromptPanel::dismissParametersOffer() {
    m_offered.clear();
    m_offer->hide();
}

void PromptPanel::dragEnterEvent(QDragEnterEvent* event) {
    if (!ImageDropZone::firstImage(event->mimeData()).isEmpty()) event->acceptProposedAction();
}

void PromptPanel::dragMoveEvent(QDragMoveEvent* event) {
    if (!ImageDropZone::firstImage(event->mimeData()).isEmpty()) event->acceptProposedAction();
}

void PromptPanel::dropEvent(QDropEvent* event) {
    const QString path = ImageDropZone::firstImage(event->mimeData());
    if (path.isEmpty()) return;
    if (setInitImage(path)) {
        Q_EMIT statusMessage(tr("Init image set: the next Generate runs img2img"));
        // A generated PNG carries its parameters (A1111's `parameters` text chunk): offer them too.
        // From the decoded image, as the gallery reads it: text chunks may follow the image data.
        QImageReader reader(path);
        offerParameters(reader.read().text(QStringLiteral("parameters")),
                        tr("%1 holds its generation parameters.").arg(QFileInfo(path).fileName()),
                        tr("Apply its parameters"), true);
    }
    event->acceptProposedAction();
}

bool PromptPanel::eventFilter(QObject* watched, QEvent* event) {
    switch (event->type()) {
        case QEvent::DragEnter:
        case QEvent::DragMove:
        case QEvent::Drop: {
            auto* drop = static_cast<QDropEvent*>(event);
            if (ImageDropZone::firstImage(drop->mimeData()).isEmpty()) break;  // text: the editor's
            if (event->type() == QEvent::Drop) {
                dropEvent(drop);
            } else {
                drop->acceptProposedAction();
            }
            return true;
        }
        default:
            break;
    }
    return QWidget::eventFilter(watched, event);
}

}  // namespace pictor::ui
