// The parameter grid (A1111's X/Y/Z plot, scored by CLIP): up to three axes over the Generate
// panel's settings, CLIP labels, and a live table of the cells, coloured by one label's
// probability as they finish (the heat map), with the grid PNG, heat map and CSV at the end.
#pragma once

#include "ui/grid_types.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTableWidget;

namespace pictor::ui {

class GridView : public QWidget {
    Q_OBJECT
public:
    explicit GridView(QWidget* parent = nullptr);

    // The axes with values (X first); an axis row whose type is "none" or values are empty is left out.
    QVector<GridAxisText> axes() const;
    void setAxes(const QVector<GridAxisText>& axes);
    bool scoring() const;
    QStringList labels() const;  // one per line, blanks dropped
    void setLabels(const QStringList& labels);
    QString heatLabel() const;
    // The problem with the axes as typed ("" when they can be run): checked as the user types.
    QString validationError() const;

    // A run starts: the table gets one cell per X × Y value of each Z (cleared).
    void beginRun();
    void addCell(const GridCellResult& cell);
    void finishRun(const GridResult& result);
    void setBusy(bool busy);
    void showError(const QString& message);
    // The number of cells the axes give (1 when there is no axis).
    int cellCount() const;

Q_SIGNALS:
    void runRequested();
    void cancelRequested();
    void openImageRequested(const QString& path);  // a cell or the grid picture: shown in the viewer
    void statusMessage(const QString& text);

private:
    struct AxisRow {
        QComboBox* type;
        QLineEdit* values;
    };
    void validate();
    void showZ(int z);
    void recolour();
    void exportCsv();
    QStringList axisValues(int axis) const;  // the values of axis 0..2 as the engine expands them

    AxisRow m_rows[3];
    QLabel* m_count;
    QLabel* m_error;
    QCheckBox* m_score;
    QPlainTextEdit* m_labels;
    QComboBox* m_heat;
    QPushButton* m_run;
    QPushButton* m_cancel;
    QComboBox* m_zPick;
    QTableWidget* m_table;
    QPushButton* m_openGrid;
    QPushButton* m_openHeat;
    QPushButton* m_exportCsv;
    QLabel* m_summary;
    QVector<GridCellResult> m_cells;
    GridResult m_result;
    QVector<QStringList> m_runValues;  // the axis values of the run shown
};

}  // namespace pictor::ui
