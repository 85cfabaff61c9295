#include "ui/compare_view.h"

#include "ui/charts.h"

#include <QChart>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QShortcut>
#include <QVBoxLayout>

namespace pictor::ui {

namespace {

// "resnet50" (torchvision's architecture name, as the engine reports it) → "ResNet50".
QString resnetName(const QString& model) {
    if (model.isEmpty()) return CompareView::tr("ResNet");
    if (model.startsWith(QLatin1String("resnet"))) return QStringLiteral("ResNet") + model.mid(6);
    return model;
}

QString withPreset(const QString& resnet, const QString& preset) {
    return preset.isEmpty() ? resnet : CompareView::tr("%1 (%2)").arg(resnet, preset);
}

QString resnetTitle(const QString& resnet, const QString& preset) {
    return CompareView::tr("%1: top-5 ImageNet classes").arg(withPreset(resnet, preset));
}

QString groupTitle(const QString& resnet, const QString& preset) {
    return CompareView::tr("%1: object groups").arg(withPreset(resnet, preset));
}

}  // namespace

CompareView::CompareView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);
    layout->setSpacing(10);

    auto* left = new QWidget(this);
    left->setMaximumWidth(380);
    auto* l = new QVBoxLayout(left);
    l->setContentsMargins(0, 0, 0, 0);
    m_image = new ImageDropZone(tr("Drop an image here\nor click to choose one"), left);
    l->addWidget(makeSection(tr("Image"), m_image, left), 1);
    auto* hint = new QLabel(tr("CLIP scores the labels of the Scoring view; the ImageNet ResNet of the settings shows "
                               "its five most likely classes and the probability summed per object group. The "
                               "charts name the ResNet and preprocessing preset that ran."),
                            left);
    hint->setObjectName(QStringLiteral("hint"));
    hint->setWordWrap(true);
    l->addWidget(hint);
    m_compare = new QPushButton(tr("Compare"), left);
    m_compare->setObjectName(QStringLiteral("primary"));
    m_compare->setToolTip(tr("Run CLIP and the ResNet on the image (F5)"));
    l->addWidget(m_compare);
    m_summary = new QLabel(left);
    m_summary->setWordWrap(true);
    l->addWidget(m_summary);
    m_error = makeErrorLabel(left);
    l->addWidget(m_error);
    layout->addWidget(left);

    auto* charts = new QGridLayout;
    charts->setSpacing(10);
    m_clip = new BarChart(tr("CLIP: label probabilities"), this);
    m_resnet = new BarChart(resnetTitle(tr("ResNet"), {}), this);
    m_groups = new BarChart(groupTitle(tr("ResNet"), {}), this);
    m_clip->setObjectName(QStringLiteral("clipChart"));
    m_resnet->setObjectName(QStringLiteral("resnetChart"));
    m_groups->setObjectName(QStringLiteral("groupChart"));
    charts->addWidget(m_clip, 0, 0, 2, 1);
    charts->addWidget(m_resnet, 0, 1);
    charts->addWidget(m_groups, 1, 1);
    charts->setColumnStretch(0, 1);
    charts->setColumnStretch(1, 1);
    layout->addLayout(charts, 1);

    connect(m_compare, &QPushButton::clicked, this, [this] {
        if (imagePath().isEmpty()) {
            showError(tr("Choose an image first: drop one on the image box, click it, or use “Send to comparison” "
                         "in the gallery."));
            return;
        }
        showError({});
        Q_EMIT compareRequested(imagePath());
    });
    auto* f5 = new QShortcut(QKeySequence(Qt::Key_F5), this, nullptr, nullptr, Qt::WidgetWithChildrenShortcut);
    connect(f5, &QShortcut::activated, m_compare, &QPushButton::click);
    connect(m_image, &ImageDropZone::imageDropped, this, [this] { showError({}); });
}

void CompareView::setImagePath(const QString& path) {
    m_image->setImagePath(path);
    showError({});
}

QString CompareView::imagePath() const { return m_image->imagePath(); }

void CompareView::showResult(const CompareResult& result) {
    QVector<BarChart::Bar> clip, resnet, groups;
    for (const LabelScore& s : result.clip) clip << BarChart::Bar{s.label, s.probability, tr("logit %1").arg(s.logit, 0, 'f', 3)};
    for (const ClassScore& s : result.resnetTop5) resnet << BarChart::Bar{s.name, s.probability, s.detail};
    for (const ClassScore& s : result.groups) groups << BarChart::Bar{s.name, s.probability, s.detail};
    m_clip->setBars(clip);
    m_resnet->setBars(resnet);
    m_groups->setBars(groups);
    // The engine picks the preset from the weights, so the names come from the result.
    const QString resnetLabel = resnetName(result.resnetModel);
    m_resnet->chart()->setTitle(resnetTitle(resnetLabel, result.resnetPreset));
    m_groups->chart()->setTitle(groupTitle(resnetLabel, result.resnetPreset));
    const QStringList c = m_clip->labels(), r = m_resnet->labels(), g = m_groups->labels();
    m_summary->setText(tr("CLIP: <b>%1</b><br>%2: <b>%3</b>%4")
                           .arg(c.isEmpty() ? QStringLiteral("–") : c.first().toHtmlEscaped(),
                                resnetLabel.toHtmlEscaped(),
                                r.isEmpty() ? QStringLiteral("–") : r.first().toHtmlEscaped(),
                                g.isEmpty() ? QString() : tr(" (group: %1)").arg(g.first().toHtmlEscaped())));
    if (imagePath() != result.imagePath) m_image->setImagePath(result.imagePath);
}

void CompareView::setBusy(bool busy) { m_compare->setEnabled(!busy); }

void CompareView::showError(const QString& message) {
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

}  // namespace pictor::ui
