#include "ui/gallery_view.h"

#include "ui/charts.h"
#include "ui/text_edit.h"

#include <QApplication>
#include <QClipboard>
#include <QDateTime>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QImageReader>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>
#include <QPainter>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QShortcut>
#include <QSplitter>
#include <QThread>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace pictor::ui {

namespace {

constexpr int kThumb = 160;
enum Role { PathRole = Qt::UserRole, JobRole, PlaceholderRole };

QImage placeholderImage(const QImage& preview) {
    QImage canvas(kThumb, kThumb, QImage::Format_ARGB32_Premultiplied);
    canvas.fill(QColor(0x2b, 0x2f, 0x36));
    QPainter p(&canvas);
    p.setRenderHint(QPainter::Antialiasing);
    if (!preview.isNull()) {
        const QImage scaled = preview.scaled(kThumb, kThumb, Qt::KeepAspectRatio, Qt::SmoothTransformation);
        p.drawImage((kThumb - scaled.width()) / 2, (kThumb - scaled.height()) / 2, scaled);
    } else {
        p.setPen(QPen(QColor(0x4a, 0x50, 0x5a), 2, Qt::DashLine));
        p.drawRoundedRect(QRectF(6, 6, kThumb - 12, kThumb - 12), 8, 8);
        p.setPen(QColor(0x9a, 0xa2, 0xad));
        p.drawText(canvas.rect(), Qt::AlignCenter, QObject::tr("waiting…"));
    }
    return canvas;
}

}  // namespace

GalleryItem GalleryView::readItem(const QString& path) {
    GalleryItem item;
    item.path = path;
    const QFileInfo info(path);
    item.modifiedMsecs = info.lastModified().toMSecsSinceEpoch();
    QImageReader reader(path);
    reader.setAutoTransform(true);
    const QImage image = reader.read();
    if (image.isNull()) return item;
    // Text chunks may follow the image data, so they are read from the decoded image.
    item.parametersText = image.text(QStringLiteral("parameters"));
    if (!item.parametersText.isEmpty()) parseParameters(item.parametersText, &item.params);
    item.thumbnail = image.scaled(kThumb, kThumb, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    return item;
}

GalleryView::GalleryView(QWidget* parent) : QWidget(parent) {
    setAcceptDrops(true);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);
    auto* splitter = new QSplitter(this);
    layout->addWidget(splitter);

    auto* left = new QWidget(splitter);
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    m_list = new QListWidget(left);
    m_list->setObjectName(QStringLiteral("gallery"));
    m_list->setViewMode(QListView::IconMode);
    m_list->setIconSize(QSize(kThumb, kThumb));
    m_list->setGridSize(QSize(kThumb + 20, kThumb + 20));
    m_list->setResizeMode(QListView::Adjust);
    m_list->setMovement(QListView::Static);
    m_list->setUniformItemSizes(true);
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    m_list->setAccessibleName(tr("Gallery"));
    m_empty = new QLabel(tr("No images yet.\nWrite a prompt and press Generate (Ctrl+Enter),\n"
                            "or drop an image here to score it."),
                         left);
    m_empty->setObjectName(QStringLiteral("hint"));
    m_empty->setAlignment(Qt::AlignCenter);
    leftLayout->addWidget(m_list);
    leftLayout->addWidget(m_empty);

    auto* detail = new QWidget(splitter);
    auto* d = new QVBoxLayout(detail);
    d->setContentsMargins(8, 0, 0, 0);
    m_title = new QLabel(detail);
    QFont f = m_title->font();
    f.setBold(true);
    m_title->setFont(f);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_image = new QLabel(detail);
    m_image->setAlignment(Qt::AlignCenter);
    m_image->setMinimumSize(256, 256);
    m_image->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    m_image->setStyleSheet(QStringLiteral("background: #1b1d22; border-radius: 6px;"));
    m_parameters = new PlainTextEdit(detail);
    m_parameters->setObjectName(QStringLiteral("parameters"));
    m_parameters->setReadOnly(true);
    m_parameters->setMaximumHeight(120);
    m_parameters->setPlaceholderText(tr("Parameters of the selected image"));
    d->addWidget(m_title);
    d->addWidget(m_image, 1);
    d->addWidget(m_parameters);

    auto* actions = new QGridLayout;
    actions->setSpacing(6);
    m_saveAs = new QPushButton(tr("Save as…"), detail);
    m_copy = new QPushButton(tr("Copy parameters"), detail);
    m_reuse = new QPushButton(tr("Reuse parameters"), detail);
    m_score = new QPushButton(tr("Send to scoring"), detail);
    m_compare = new QPushButton(tr("Send to comparison"), detail);
    m_addToDataset = new QToolButton(detail);
    m_addToDataset->setText(tr("Add to dataset class"));
    m_addToDataset->setPopupMode(QToolButton::InstantPopup);
    m_addToDataset->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    m_datasetMenu = new QMenu(m_addToDataset);
    m_addToDataset->setMenu(m_datasetMenu);
    m_saveAs->setToolTip(tr("Save a copy of the image (Ctrl+Shift+S)"));
    m_copy->setToolTip(tr("Copy the generation parameters to the clipboard (Ctrl+Shift+C)"));
    m_reuse->setToolTip(tr("Restore prompt and sampler settings from this image (Ctrl+Shift+R)"));
    m_score->setToolTip(tr("Score this image with CLIP against the labels (Ctrl+Shift+L)"));
    m_compare->setToolTip(tr("Compare CLIP and the ResNet on this image (Ctrl+Shift+M)"));
    actions->addWidget(m_saveAs, 0, 0);
    actions->addWidget(m_copy, 0, 1);
    actions->addWidget(m_reuse, 1, 0);
    actions->addWidget(m_score, 1, 1);
    actions->addWidget(m_compare, 2, 0);
    actions->addWidget(m_addToDataset, 2, 1);
    d->addLayout(actions);
    splitter->addWidget(left);
    splitter->addWidget(detail);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);

    connect(m_list, &QListWidget::currentItemChanged, this, &GalleryView::showDetail);
    connect(m_saveAs, &QPushButton::clicked, this, &GalleryView::saveAs);
    connect(m_copy, &QPushButton::clicked, this, &GalleryView::copyParameters);
    connect(m_reuse, &QPushButton::clicked, this, [this] {
        const GalleryItem item = current();
        if (!item.parametersText.isEmpty()) Q_EMIT reuseParametersRequested(item.params);
    });
    connect(m_score, &QPushButton::clicked, this, [this] {
        if (!current().path.isEmpty()) Q_EMIT scoreRequested(current().path);
    });
    connect(m_compare, &QPushButton::clicked, this, [this] {
        if (!current().path.isEmpty()) Q_EMIT compareRequested(current().path);
    });
    auto shortcut = [this](const char* keys, QPushButton* button) {
        auto* s = new QShortcut(QKeySequence(QString::fromLatin1(keys)), this);
        s->setContext(Qt::WidgetWithChildrenShortcut);
        connect(s, &QShortcut::activated, button, &QPushButton::click);
    };
    shortcut("Ctrl+Shift+S", m_saveAs);
    shortcut("Ctrl+Shift+C", m_copy);
    shortcut("Ctrl+Shift+R", m_reuse);
    shortcut("Ctrl+Shift+L", m_score);
    shortcut("Ctrl+Shift+M", m_compare);
    setDatasetClasses({});
    showDetail();
}

void GalleryView::setDatasetClasses(const QStringList& classes) {
    m_datasetMenu->clear();
    for (const QString& c : classes) {
        m_datasetMenu->addAction(c, this, [this, c] {
            if (!current().path.isEmpty()) Q_EMIT addToDatasetRequested(current().path, c);
        });
    }
    if (classes.isEmpty()) m_datasetMenu->addAction(tr("(define classes in the Training view)"))->setEnabled(false);
}

QListWidgetItem* GalleryView::makeItem(const GalleryItem& item) {
    auto* w = new QListWidgetItem(QIcon(QPixmap::fromImage(item.thumbnail)), QString());
    w->setData(PathRole, item.path);
    w->setData(PlaceholderRole, false);
    QString tip = QFileInfo(item.path).fileName();
    if (!item.parametersText.isEmpty()) tip += QStringLiteral("\n") + item.parametersText;
    w->setToolTip(tip);
    return w;
}

void GalleryView::setFolder(const QString& folder) {
    m_folder = folder;
    m_items.clear();
    m_list->clear();
    m_scanDone = false;
    // Reading every thumbnail takes a while: on the pool; a newer folder supersedes this scan.
    m_scan.start(
        [folder](const TaskToken& token) {
            QVector<GalleryItem> items;
            const QDir dir(folder);
            const QStringList patterns{QStringLiteral("*.png"), QStringLiteral("*.jpg"), QStringLiteral("*.jpeg")};
            const auto files = dir.entryInfoList(patterns, QDir::Files, QDir::Time);
            for (const QFileInfo& f : files) {
                if (token.isStale()) break;  // nobody will see the rest
                GalleryItem item = readItem(f.absoluteFilePath());
                if (!item.thumbnail.isNull()) items << item;
            }
            return items;
        },
        [this](const QVector<GalleryItem>& items) { scanFinished(items); });
    showDetail();
}

void GalleryView::scanFinished(const QVector<GalleryItem>& items) {
    QVector<GalleryItem> sorted = items;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const GalleryItem& a, const GalleryItem& b) { return a.modifiedMsecs > b.modifiedMsecs; });
    // Images added by jobs while the scan ran are already in the list (at the front).
    int row = placeholderCount();
    for (int i = 0; i < m_list->count(); ++i) {
        if (!m_list->item(i)->data(PlaceholderRole).toBool()) row = i + 1;
    }
    for (const GalleryItem& item : sorted) {
        if (m_items.contains(item.path)) continue;
        m_items.insert(item.path, item);
        m_list->insertItem(row++, makeItem(item));
    }
    m_scanDone = true;
    if (!m_list->currentItem() && m_list->count() > 0) m_list->setCurrentRow(0);
    showDetail();
}

bool GalleryView::waitForScan(int timeoutMs) {
    QElapsedTimer clock;
    clock.start();
    while (!m_scanDone && clock.elapsed() < timeoutMs) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(5);
    }
    return m_scanDone;
}

void GalleryView::addImage(const GalleryItem& item, int jobId) {
    m_items.insert(item.path, item);
    QListWidgetItem* w = makeItem(item);
    for (int i = 0; i < m_list->count(); ++i) {
        QListWidgetItem* it = m_list->item(i);
        if (it->data(PlaceholderRole).toBool() && it->data(JobRole).toInt() == jobId) {
            delete m_list->takeItem(i);
            m_list->insertItem(i, w);
            m_list->setCurrentItem(w);
            showDetail();
            return;
        }
    }
    m_list->insertItem(placeholderCount(), w);
    m_list->setCurrentItem(w);
    showDetail();
}

void GalleryView::beginJob(int jobId, int count) {
    const QIcon icon(QPixmap::fromImage(placeholderImage({})));
    for (int i = 0; i < count; ++i) {
        auto* w = new QListWidgetItem(icon, QString());
        w->setData(PlaceholderRole, true);
        w->setData(JobRole, jobId);
        w->setToolTip(tr("Being generated…"));
        w->setFlags(Qt::ItemIsEnabled);
        m_list->insertItem(i, w);
    }
    m_list->scrollToTop();
    showDetail();
}

void GalleryView::showPreview(int jobId, const QImage& preview) {
    for (int i = 0; i < m_list->count(); ++i) {
        QListWidgetItem* it = m_list->item(i);
        if (it->data(PlaceholderRole).toBool() && it->data(JobRole).toInt() == jobId) {
            it->setIcon(QIcon(QPixmap::fromImage(placeholderImage(preview))));
            return;
        }
    }
}

void GalleryView::endJob(int jobId) {
    for (int i = m_list->count() - 1; i >= 0; --i) {
        QListWidgetItem* it = m_list->item(i);
        if (it->data(PlaceholderRole).toBool() && it->data(JobRole).toInt() == jobId) delete m_list->takeItem(i);
    }
    showDetail();
}

int GalleryView::placeholderCount() const {
    int n = 0;
    for (int i = 0; i < m_list->count(); ++i) n += m_list->item(i)->data(PlaceholderRole).toBool() ? 1 : 0;
    return n;
}

QStringList GalleryView::imagePaths() const {
    QStringList out;
    for (int i = 0; i < m_list->count(); ++i) {
        if (!m_list->item(i)->data(PlaceholderRole).toBool()) out << m_list->item(i)->data(PathRole).toString();
    }
    return out;
}

GalleryItem GalleryView::current() const {
    const QListWidgetItem* it = m_list->currentItem();
    if (!it || it->data(PlaceholderRole).toBool()) return {};
    return m_items.value(it->data(PathRole).toString());
}

void GalleryView::showDetail() {
    const bool empty = m_list->count() == 0;
    m_list->setVisible(!empty);
    m_empty->setVisible(empty);
    const GalleryItem item = current();
    const bool has = !item.path.isEmpty();
    for (QWidget* w : {static_cast<QWidget*>(m_saveAs), static_cast<QWidget*>(m_score),
                       static_cast<QWidget*>(m_compare), static_cast<QWidget*>(m_addToDataset)}) {
        w->setEnabled(has);
    }
    m_copy->setEnabled(has && !item.parametersText.isEmpty());
    m_reuse->setEnabled(has && !item.parametersText.isEmpty());
    if (!has) {
        m_title->setText(tr("No image selected"));
        m_image->setPixmap(QPixmap());
        m_image->setText(tr("Select an image to see it here"));
        m_parameters->clear();
        return;
    }
    m_title->setText(QFileInfo(item.path).fileName());
    QImage full(item.path);
    if (full.isNull()) {
        m_image->setText(tr("Cannot read %1").arg(item.path));
    } else {
        const QSize box = m_image->size().expandedTo(QSize(256, 256)) - QSize(8, 8);
        m_image->setPixmap(QPixmap::fromImage(full.scaled(box, Qt::KeepAspectRatio, Qt::SmoothTransformation)));
    }
    m_parameters->setPlainText(item.parametersText.isEmpty() ? tr("(this image has no generation parameters)")
                                                             : item.parametersText);
}

void GalleryView::saveAs() {
    const GalleryItem item = current();
    if (item.path.isEmpty()) return;
    const QString target = QFileDialog::getSaveFileName(this, tr("Save image as"),
                                                        QDir::home().filePath(QFileInfo(item.path).fileName()),
                                                        tr("PNG image (*.png)"));
    if (target.isEmpty()) return;
    if (QFile::exists(target)) QFile::remove(target);
    if (!QFile::copy(item.path, target)) {
        QMessageBox::warning(this, tr("Save as"),
                             tr("Could not write %1.\nCheck that the folder exists and is writable.").arg(target));
        return;
    }
    Q_EMIT statusMessage(tr("Saved %1").arg(target));
}

void GalleryView::copyParameters() {
    const GalleryItem item = current();
    if (item.parametersText.isEmpty()) return;
    QApplication::clipboard()->setText(item.parametersText);
    Q_EMIT statusMessage(tr("Parameters copied to the clipboard"));
}

void GalleryView::dragEnterEvent(QDragEnterEvent* event) {
    if (!ImageDropZone::firstImage(event->mimeData()).isEmpty()) event->acceptProposedAction();
}

void GalleryView::dropEvent(QDropEvent* event) {
    // Images dropped from the file manager are scored (they are not copied into the gallery).
    const QString path = ImageDropZone::firstImage(event->mimeData());
    if (path.isEmpty()) return;
    Q_EMIT scoreRequested(path);
    event->acceptProposedAction();
}

}  // namespace pictor::ui
