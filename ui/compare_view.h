// CLIP vs an ImageNet ResNet on the same image: CLIP label bars beside the ResNet's top-5 ImageNet
// classes and its object-group view, titled with the ResNet and preset the engine actually ran.
#pragma once

#include "ui/engine_types.h"

#include <QWidget>

class QLabel;
class QPushButton;

namespace pictor::ui {

class BarChart;
class ImageDropZone;

class CompareView : public QWidget {
    Q_OBJECT
public:
    explicit CompareView(QWidget* parent = nullptr);

    void setImagePath(const QString& path);
    QString imagePath() const;
    void showResult(const CompareResult& result);
    void setBusy(bool busy);
    void showError(const QString& message);

Q_SIGNALS:
    // The main window adds the scoring view's labels.
    void compareRequested(const QString& imagePath);

private:
    ImageDropZone* m_image;
    QPushButton* m_compare;
    QLabel* m_error;
    QLabel* m_summary;
    BarChart* m_clip;
    BarChart* m_resnet;
    BarChart* m_groups;
};

}  // namespace pictor::ui
