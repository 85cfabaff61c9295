// CLIP zero-shot scoring: an image, an editable label list with presets, probability bars;
// scoring every gallery image fills a table.
#pragma once

#include "ui/engine_types.h"
#include "ui/studio_settings.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QListWidget;
class QPushButton;
class QTableWidget;

namespace pictor::ui {

class BarChart;
class ImageDropZone;

class ScoringView : public QWidget {
    Q_OBJECT
public:
    explicit ScoringView(QWidget* parent = nullptr);

    void setPresets(const QVector<LabelPresetEntry>& presets);
    void setLabels(const QStringList& labels);
    QStringList labels() const;
    void setImagePath(const QString& path);
    QString imagePath() const;

    // Shows a result: bars for a single image, the table (and the first image's bars) for many.
    void showResult(const ScoreResult& result);
    void clearTable();
    void appendTableRow(const ScoreResult& result);
    void setBusy(bool busy);
    void showError(const QString& message);  // inline, under the Score button; "" hides it

    // The chart keeps at least this width beside the image column and this height over the
    // table, so its labels stay readable however many images the table lists.
    static constexpr int kChartMinWidth = 280;
    static constexpr int kChartMinHeight = 220;

Q_SIGNALS:
    void scoreRequested(const QString& imagePath, const QStringList& labels);
    void scoreAllRequested(const QStringList& labels);

private:
    void applyPreset(int index);
    void requestScore();
    void showRow(int row);  // a table row's image and bars

    ImageDropZone* m_image;
    QListWidget* m_labels;
    QComboBox* m_presets;
    QPushButton* m_score;
    QPushButton* m_scoreAll;
    QLabel* m_error;
    BarChart* m_chart;
    QTableWidget* m_table;
    QVector<QStringList> m_presetLabels;
    QVector<ScoreResult> m_rows;  // the table's results, row by row
};

}  // namespace pictor::ui
