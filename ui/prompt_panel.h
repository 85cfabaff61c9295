// Prompt and negative prompt editors with live CLIP token counts, img2img's init image (dropped
// on the panel or sent from the gallery; shown as a thumbnail with its size, a clear button and the
// denoising strength) and the Generate button.
//
// Pasting AUTOMATIC1111 `parameters` text into either editor, or dropping a PNG that carries them,
// shows a bar offering to apply all of them (A1111's "read generation parameters"): the paste
// itself stays an ordinary paste, and nothing changes until the offer is taken.
#pragma once

#include "ui/engine_types.h"

#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QToolButton;

namespace pictor::ui {

class StrengthControl;
class TokenCounter;

class PromptPanel : public QWidget {
    Q_OBJECT
public:
    explicit PromptPanel(TokenCounter* counter, QWidget* parent = nullptr);

    QString prompt() const;
    QString negativePrompt() const;
    void setPrompt(const QString& text);
    void setNegativePrompt(const QString& text);

    QPlainTextEdit* promptEdit() const { return m_prompt; }

    // img2img's init image ("" = text-to-image). setInitImage shows it and returns true, or says
    // why in statusMessage and returns false (a file Qt cannot read, not PNG/JPEG); "" clears.
    QString initImage() const { return m_initPath; }
    bool setInitImage(const QString& path);
    // The denoising strength (0.01..1.00; shown and used only while an init image is set).
    double strength() const;
    void setStrength(double strength);
    // Reuse parameters: restores the strength of an img2img text and the init image when this
    // session knows it (params.initImage), clears the init image for a text-to-image text.
    // Returns what the status bar should add ("" when nothing to say).
    QString restoreImg2Img(const GenerationParams& params);

    // The parameters the offer bar holds ("" while it is hidden), and taking / dismissing it.
    QString offeredParameters() const { return m_offered; }
    void applyOfferedParameters();
    void dismissParametersOffer();

Q_SIGNALS:
    void initImageChanged(const QString& path);

    void generateRequested();
    // The offer was taken: apply `parametersText` (an A1111 parameters chunk) to the prompt and the
    // sampler, keeping the init image when it came with a dropped image.
    void parametersApplyRequested(const QString& parametersText, bool keepInitImage);
    void statusMessage(const QString& text);

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dragMoveEvent(QDragMoveEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    // The editors take drops themselves: an image file dragged onto them is the panel's.
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void updateCounts();
    void offerParameters(const QString& text, const QString& what, const QString& button, bool fromImage);
    void updateCount(QPlainTextEdit* edit, QLabel* label);

    TokenCounter* m_counter;
    QPlainTextEdit* m_prompt;
    QPlainTextEdit* m_negative;
    QLabel* m_promptCount;
    QLabel* m_negativeCount;
    QPushButton* m_generate;
    QWidget* m_initRow;
    QLabel* m_initThumb;
    QLabel* m_initInfo;
    QToolButton* m_initClear;
    QLabel* m_initHint;
    StrengthControl* m_strength;
    QString m_initPath;
    QWidget* m_offer;
    QLabel* m_offerText;
    QPushButton* m_offerApply;
    QString m_offered;
    bool m_offeredFromImage = false;
};

}  // namespace pictor::ui
