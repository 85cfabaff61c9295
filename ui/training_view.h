// Training dashboard: dataset builder, training settings, live curves, evaluation, classify.
#pragma once

#include "ui/engine_types.h"

#include <QWidget>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QLineSeries;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QValueAxis;
class QChartView;

namespace pictor::ui {

class HeatMap;
class ImageDropZone;

class TrainingView : public QWidget {
    Q_OBJECT
public:
    explicit TrainingView(QWidget* parent = nullptr);

    void setClasses(const QVector<DatasetClass>& classes);
    QVector<DatasetClass> classes() const;
    QStringList classNames() const;
    void setDatasetFolder(const QString& folder);
    QString datasetFolder() const;
    // The training's name (settings' training.name), kept across restarts.
    void setTrainingName(const QString& name);
    QString trainingName() const;
    // Says which of the Sampler panel's settings the dataset's images are generated with.
    void setGenerationSummary(const GenerationParams& params);
    void setTrainingDefaults(int imagesPerClass, int epochs, double learningRate, int batchSize, double testFraction,
                             const QString& optimizer, qint64 seed);

    DatasetRequest datasetRequest() const;  // params (model, sampler…) are filled in by the window
    TrainRequest trainRequest() const;      // resnetModel is filled in by the window

    void resetCharts(int epochs);
    void addEpoch(const EpochMetrics& metrics);
    void addBatchLoss(int epoch, int batch, int batchesPerEpoch, double loss);
    void showEvaluation(const TrainingEvaluation& evaluation);
    void showClassification(const ClassifyResult& result);

    void setDatasetRunning(bool running);
    void setDatasetProgress(int step, int total);
    void setTrainingRunning(bool running);
    void setTrainingProgress(int step, int total, double etaSeconds);
    void showError(const QString& message);
    void setClassifier(const QString& path);  // the exported model the drop zone uses
    QString classifier() const { return m_classifier; }

    static QString formatEta(double seconds);

Q_SIGNALS:
    void buildDatasetRequested();
    void trainRequested();
    void stopRequested();
    void classifyRequested(const QString& imagePath);
    void classesChanged(const QStringList& names);
    void statusMessage(const QString& text);

private:
    QWidget* buildDatasetForm();
    QWidget* buildTrainingForm();
    QWidget* buildCharts();
    QWidget* buildEvaluation();
    void exportClassifier();
    void fitAxes();

    QLineEdit* m_name;
    QLabel* m_generationSummary;
    QTableWidget* m_classTable;
    QSpinBox* m_imagesPerClass;
    QLineEdit* m_datasetFolder;
    QPushButton* m_build;
    QProgressBar* m_datasetProgress;

    QSpinBox* m_epochs;
    QSpinBox* m_batchSize;
    QDoubleSpinBox* m_learningRate;
    QDoubleSpinBox* m_testFraction;
    QComboBox* m_optimizer;
    QSpinBox* m_seed;
    QPushButton* m_train;
    QPushButton* m_stop;
    QPushButton* m_export;
    QProgressBar* m_trainProgress;
    QLabel* m_eta;
    QLabel* m_error;

    QChartView* m_lossView;
    QChartView* m_accView;
    QLineSeries* m_trainLoss;
    QLineSeries* m_testLoss;
    QLineSeries* m_batchLoss;
    QLineSeries* m_trainAcc;
    QLineSeries* m_testAcc;
    QValueAxis* m_lossX;
    QValueAxis* m_lossY;
    QValueAxis* m_accX;
    QValueAxis* m_accY;
    double m_smoothed = -1;
    int m_epochsPlanned = 1;

    QTableWidget* m_perClass;
    HeatMap* m_heatMap;
    ImageDropZone* m_classifyZone;
    QLabel* m_classifyResult;
    QString m_classifier;
};

}  // namespace pictor::ui
