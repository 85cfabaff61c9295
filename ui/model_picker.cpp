#include "ui/model_picker.h"

#include <QAbstractItemView>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QMenu>
#include <QStyledItemDelegate>
#include <QToolButton>

namespace pictor::ui {

namespace {

constexpr int SourceRole = Qt::UserRole + 1;

// The popup shows where each model was found after its reference; the field keeps the reference.
class SourceDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;

protected:
    void initStyleOption(QStyleOptionViewItem* option, const QModelIndex& index) const override {
        QStyledItemDelegate::initStyleOption(option, index);
        const QString source = index.data(SourceRole).toString();
        if (!source.isEmpty()) option->text += QStringLiteral("   — ") + source;
    }
};

bool takesFiles(ModelRole role) { return role != ModelRole::Clip && role != ModelRole::Taesd; }
bool takesFolders(ModelRole role) { return role != ModelRole::ResNet50 && role != ModelRole::ResNet18; }

QString expandHome(const QString& path) {
    return path.startsWith(QLatin1String("~/")) ? QDir::home().filePath(path.mid(2)) : path;
}

}  // namespace

ModelPicker::ModelPicker(ModelRole role, const QString& fieldName, QWidget* parent) : QWidget(parent), m_role(role) {
    setObjectName(fieldName + QStringLiteral("Picker"));
    auto* row = new QHBoxLayout(this);
    row->setContentsMargins(0, 0, 0, 0);
    row->setSpacing(4);
    m_combo = new QComboBox(this);
    m_combo->setObjectName(fieldName + QStringLiteral("Combo"));
    m_combo->setEditable(true);
    m_combo->setInsertPolicy(QComboBox::NoInsert);
    m_combo->lineEdit()->setObjectName(fieldName);
    // Long paths must not widen the window: the field elides, the popup is as wide as it needs.
    m_combo->setMinimumContentsLength(8);
    m_combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_combo->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    m_combo->setItemDelegate(new SourceDelegate(m_combo));
    m_combo->view()->setTextElideMode(Qt::ElideMiddle);
    row->addWidget(m_combo, 1);

    m_browse = new QToolButton(this);
    m_browse->setObjectName(fieldName + QStringLiteral("Browse"));
    m_browse->setText(tr("Browse…"));
    const QString what = modelRoleTitle(role);
    if (takesFiles(role) && takesFolders(role)) {
        auto* menu = new QMenu(m_browse);
        menu->addAction(tr("Model &file (.safetensors, .ckpt)…"), this, [this] { browse(false); })
            ->setObjectName(QStringLiteral("browseFile"));
        menu->addAction(tr("Model f&older (diffusers)…"), this, [this] { browse(true); })
            ->setObjectName(QStringLiteral("browseFolder"));
        m_browse->setMenu(menu);
        m_browse->setPopupMode(QToolButton::InstantPopup);
        m_browse->setToolTip(tr("Choose a %1 weight file or model folder on disk").arg(what));
    } else {
        const bool folder = takesFolders(role);
        connect(m_browse, &QToolButton::clicked, this, [this, folder] { browse(folder); });
        m_browse->setToolTip(folder ? tr("Choose a %1 model folder on disk").arg(what)
                                    : tr("Choose a %1 weight file (.pth) on disk").arg(what));
    }
    row->addWidget(m_browse);

    m_combo->setToolTip(tr("%1 model: pick one found on this computer (Hugging Face cache, torch hub cache, your "
                           "model folders) or type a Hugging Face repo id or a path")
                            .arg(what));
    connect(m_combo, &QComboBox::currentTextChanged, this, [this](const QString& text) {
        const int i = m_combo->findText(text);
        m_combo->lineEdit()->setToolTip(i >= 0 ? m_combo->itemData(i, Qt::ToolTipRole).toString() : m_combo->toolTip());
        Q_EMIT referenceChanged(text.trimmed());
    });
}

QLineEdit* ModelPicker::lineEdit() const { return m_combo->lineEdit(); }

QString ModelPicker::reference() const { return m_combo->currentText().trimmed(); }

void ModelPicker::setReference(const QString& reference) { m_combo->setCurrentText(reference); }

void ModelPicker::rescan(const QStringList& modelFolders, const QStringList& loraFolders) {
    m_scan.start([modelFolders, loraFolders] { return scanLocalModels(modelFolders, loraFolders); },
                 [this](const QVector<LocalModelInfo>& models) {
                     setFound(models);
                     Q_EMIT scanned();
                 });
}

void ModelPicker::setFound(const QVector<LocalModelInfo>& models) {
    const QString text = m_combo->currentText();
    const QSignalBlocker block(m_combo);  // the reference itself does not change
    m_found.clear();
    m_combo->clear();
    for (const LocalModelInfo& m : models) {
        if (m.role != m_role) continue;
        m_found << m;
        m_combo->addItem(m.reference);
        const int i = m_combo->count() - 1;
        m_combo->setItemData(i, m.source, SourceRole);
        m_combo->setItemData(i, tr("%1\nfound in the %2: %3 (%4)").arg(m.name, m.source, m.path, m.detail), Qt::ToolTipRole);
    }
    m_combo->setCurrentIndex(-1);
    m_combo->setCurrentText(text);
}

void ModelPicker::browse(bool folder) {
    const QString current = expandHome(reference());
    QString start = QFileInfo(current).isAbsolute() ? current : QDir::homePath();
    while (!start.isEmpty() && !QFileInfo(start).isDir()) {
        const QString parent = QFileInfo(start).absolutePath();
        if (parent == start) break;
        start = parent;
    }
    const QString title = tr("%1 model").arg(modelRoleTitle(m_role));
    QString chosen;
    if (folder) {
        chosen = QFileDialog::getExistingDirectory(this, title, start);
    } else {
        const QString filter = m_role == ModelRole::ResNet50 || m_role == ModelRole::ResNet18
                                   ? tr("PyTorch checkpoints (*.pth *.pt)")
                                   : tr("Weights (*.safetensors *.ckpt *.pt *.pth *.bin)");
        chosen = QFileDialog::getOpenFileName(this, title, start, filter + tr(";;All files (*)"));
    }
    if (!chosen.isEmpty()) m_combo->setCurrentText(QDir::toNativeSeparators(chosen));
}

}  // namespace pictor::ui
