#include "ui/gallery_view.h"

#include "ui/charts.h"
#include "ui/image_viewer.h"
#include "ui/text_edit.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QDateTime>
#include <QDesktopServices>
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
#include <QRegularExpression>
#include <QSplitter>
#include <QThread>
#include <QTimer>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

#include <algorithm>

namespace pictor::ui {

namespace {

constexpr int kThumb = 160;
constexpr int kInitThumb = 72;
enum Role { PathRole = Qt::UserRole, JobRole, PlaceholderRole };

// The thumbnails drag out as the files they show (what file managers and drop zones take).
class GalleryList : public QListWidget {
public:
    using QListWidget::QListWidget;

protected:
    QStringList mimeTypes() const override { return {QStringLiteral("text/uri-list")}; }
    QMimeData* mimeData(const QList<QListWidgetItem*>& items) const override {
        QList<QUrl> urls;
        for (const QListWidgetItem* item : items) {
            if (!item->data(PlaceholderRole).toBool()) urls << QUrl::fromLocalFile(item->data(PathRole).toString());
        }
        if (urls.isEmpty()) return nullptr;
        auto* mime = new QMimeData;
        mime->setUrls(urls);
        return mime;
    }
    Qt::DropActions supportedDropActions() const override { return Qt::CopyAction; }
};

// A1111's file name "<counter>-<tag>.png" (the engine's: 00012-1234.png).
struct CounterName {
    int counter = -1;  // -1: not such a name
    QString tag;
};

CounterName counterName(const QString& path) {
    static const QRegularExpression pattern(QStringLiteral("^(\\d{5})-(.*)\\.png$"));
    const QRegularExpressionMatch m = pattern.match(QFileInfo(path).fileName());
    if (!m.hasMatch()) return {};
    return {m.captured(1).toInt(), m.captured(2)};
}

// A number of a parameters text's settings line ("Batch size", "Batch pos": the engine and A1111
// write them only for batches above 1); `absent` when it is not there.
int settingOf(const QString& parametersText, const QString& key, int absent) {
    const QRegularExpression pattern(QStringLiteral("(?:^|, )%1: (\\d+)(?:,|$)").arg(QRegularExpression::escape(key)),
                                     QRegularExpression::MultilineOption);
    const QRegularExpressionMatch m = pattern.match(parametersText);
    return m.hasMatch() ? m.captured(1).toInt() : absent;
}

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
    m_list = new GalleryList(left);
    m_list->setObjectName(QStringLiteral("gallery"));
    m_list->setViewMode(QListView::IconMode);
    m_list->setIconSize(QSize(kThumb, kThumb));
    m_list->setGridSize(QSize(kThumb + 20, kThumb + 20));
    m_list->setResizeMode(QListView::Adjust);
    m_list->setMovement(QListView::Static);
    // After setMovement (Static turns dragging off): thumbnails drag out as files, never move.
    m_list->setDragEnabled(true);
    m_list->setDragDropMode(QAbstractItemView::DragOnly);
    m_list->setDefaultDropAction(Qt::CopyAction);
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
    m_image->setObjectName(QStringLiteral("detailImage"));
    m_image->setAlignment(Qt::AlignCenter);
    m_image->setMinimumSize(200, 200);
    m_image->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    m_image->setStyleSheet(QStringLiteral("background: #1b1d22; border-radius: 6px;"));
    m_image->setToolTip(tr("Double-click the thumbnail (or press Enter) to view it full size"));
    // Under the result (a row, so the pane gets no wider): the init image of an img2img result.
    m_initBox = new QWidget(detail);
    auto* initLayout = new QHBoxLayout(m_initBox);
    initLayout->setContentsMargins(0, 0, 0, 0);
    m_initImage = new QLabel(m_initBox);
    m_initImage->setObjectName(QStringLiteral("detailInitImage"));
    m_initImage->setAlignment(Qt::AlignCenter);
    m_initImage->setFixedSize(kInitThumb, kInitThumb);
    m_initImage->setStyleSheet(QStringLiteral("background: #1b1d22; border-radius: 6px;"));
    m_initCaption = new QLabel(m_initBox);
    m_initCaption->setObjectName(QStringLiteral("initCaption"));
    m_initCaption->setWordWrap(true);
    m_initCaption->setTextInteractionFlags(Qt::TextSelectableByMouse);
    initLayout->addWidget(m_initImage);
    initLayout->addWidget(m_initCaption, 1);
    auto* images = new QVBoxLayout;
    images->addWidget(m_image, 1);
    images->addWidget(m_initBox);
    m_parameters = new PlainTextEdit(detail);
    m_parameters->setObjectName(QStringLiteral("parameters"));
    m_parameters->setReadOnly(true);
    m_parameters->setMaximumHeight(120);
    m_parameters->setPlaceholderText(tr("Parameters of the selected image"));
    d->addWidget(m_title);
    d->addLayout(images, 1);
    d->addWidget(m_parameters);

    // One action per thing to do with an image: menu, buttons and shortcuts share them.
    m_view = makeAction(QStringLiteral("galleryView"), tr("&View full size\tEnter"),
                        tr("Open the image in the viewer: zoom, pan, 1:1 (Enter or double-click)"), {});
    m_toImg2Img = makeAction(QStringLiteral("gallerySendToImg2Img"), tr("Send to &img2img"),
                             tr("Use this image as the init image of the next generation (Ctrl+I)"),
                             QKeySequence(QStringLiteral("Ctrl+I")));
    m_reuse = makeAction(QStringLiteral("galleryReuse"), tr("&Reuse parameters"),
                         tr("Restore prompt and sampler settings from this image (Ctrl+Shift+R)"),
                         QKeySequence(QStringLiteral("Ctrl+Shift+R")));
    m_score = makeAction(QStringLiteral("galleryScore"), tr("&Score"),
                         tr("Score this image with CLIP against the labels (Ctrl+Shift+L)"),
                         QKeySequence(QStringLiteral("Ctrl+Shift+L")));
    m_compare = makeAction(QStringLiteral("galleryCompare"), tr("Co&mpare"),
                           tr("Compare CLIP and the ResNet on this image (Ctrl+Shift+M)"),
                           QKeySequence(QStringLiteral("Ctrl+Shift+M")));
    m_copy = makeAction(QStringLiteral("galleryCopy"), tr("&Copy parameters"),
                        tr("Copy the generation parameters to the clipboard (Ctrl+Shift+C)"),
                        QKeySequence(QStringLiteral("Ctrl+Shift+C")));
    m_saveAs = makeAction(QStringLiteral("gallerySaveAs"), tr("Save &as…"), tr("Save a copy of the image (Ctrl+Shift+S)"),
                          QKeySequence(QStringLiteral("Ctrl+Shift+S")));
    m_openFolder = makeAction(QStringLiteral("galleryOpenFolder"), tr("Open containing &folder"),
                              tr("Show the image's folder in the file manager (Ctrl+Shift+E)"),
                              QKeySequence(QStringLiteral("Ctrl+Shift+E")));
    m_trash = makeAction(QStringLiteral("galleryTrash"), tr("Move to &trash"),
                         tr("Move the image file to the desktop trash (Delete)"), QKeySequence::Delete);
    m_trash->setShortcutContext(Qt::WidgetShortcut);  // only on the thumbnails, never in a text field
    m_datasetMenu = new QMenu(tr("Add to &dataset class"), this);
    m_datasetMenu->setObjectName(QStringLiteral("datasetMenu"));
    m_datasetMenu->menuAction()->setObjectName(QStringLiteral("galleryAddToDataset"));

    // The thumbnails' context menu (right-click selects the thumbnail first).
    m_list->setContextMenuPolicy(Qt::ActionsContextMenu);
    auto separator = [this] {
        auto* s = new QAction(this);
        s->setSeparator(true);
        m_list->addAction(s);
    };
    m_list->addActions({m_view, m_toImg2Img, m_reuse});
    separator();
    m_list->addActions({m_score, m_compare, m_datasetMenu->menuAction()});
    separator();
    m_list->addActions({m_copy, m_saveAs, m_openFolder});
    separator();
    m_list->addAction(m_trash);

    auto* actions = new QGridLayout;
    actions->setSpacing(6);
    m_addToDataset = new QToolButton(detail);
    m_addToDataset->setText(tr("Add to dataset class"));
    m_addToDataset->setToolTip(tr("Copy the image into a class folder of the Training view's dataset"));
    m_addToDataset->setPopupMode(QToolButton::InstantPopup);
    m_addToDataset->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    m_addToDataset->setMenu(m_datasetMenu);
    actions->addWidget(makeButton(m_view, detail), 0, 0);
    actions->addWidget(makeButton(m_toImg2Img, detail), 0, 1);
    actions->addWidget(makeButton(m_reuse, detail), 1, 0);
    actions->addWidget(makeButton(m_copy, detail), 1, 1);
    actions->addWidget(makeButton(m_score, detail), 2, 0);
    actions->addWidget(makeButton(m_compare, detail), 2, 1);
    actions->addWidget(makeButton(m_saveAs, detail), 3, 0);
    actions->addWidget(m_addToDataset, 3, 1);
    d->addLayout(actions);
    splitter->addWidget(left);
    splitter->addWidget(detail);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);

    connect(m_list, &QListWidget::currentItemChanged, this, &GalleryView::showDetail);
    connect(m_list, &QListWidget::itemActivated, this, [this] { viewCurrent(); });
    connect(m_view, &QAction::triggered, this, &GalleryView::viewCurrent);
    connect(m_toImg2Img, &QAction::triggered, this, [this] {
        if (!current().path.isEmpty()) Q_EMIT initImageRequested(current().path);
    });
    connect(m_reuse, &QAction::triggered, this, [this] {
        const GalleryItem item = current();
        if (!item.parametersText.isEmpty()) Q_EMIT reuseParametersRequested(item.params);
    });
    connect(m_score, &QAction::triggered, this, [this] {
        if (!current().path.isEmpty()) Q_EMIT scoreRequested(current().path);
    });
    connect(m_compare, &QAction::triggered, this, [this] {
        if (!current().path.isEmpty()) Q_EMIT compareRequested(current().path);
    });
    connect(m_copy, &QAction::triggered, this, &GalleryView::copyParameters);
    connect(m_saveAs, &QAction::triggered, this, &GalleryView::saveAs);
    connect(m_openFolder, &QAction::triggered, this, &GalleryView::openFolder);
    connect(m_trash, &QAction::triggered, this, &GalleryView::trashCurrent);
    setDatasetClasses({});
    showDetail();
}

QAction* GalleryView::makeAction(const QString& name, const QString& text, const QString& tip, const QKeySequence& keys) {
    auto* action = new QAction(text, this);
    action->setObjectName(name);
    action->setToolTip(tip);
    action->setStatusTip(tip);
    if (!keys.isEmpty()) {
        action->setShortcut(keys);
        action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        addAction(action);  // the shortcut works anywhere in the gallery
    }
    return action;
}

QPushButton* GalleryView::makeButton(QAction* action, QWidget* parent) {
    // The button's text without the menu's accelerator column ("\tEnter").
    // Without the menu's mnemonics: the window's Alt+letters are its menus', tabs' and fields'.
    auto* button = new QPushButton(action->text().section(QLatin1Char('\t'), 0, 0).remove(QLatin1Char('&')), parent);
    button->setToolTip(action->toolTip());
    button->setEnabled(action->isEnabled());
    connect(button, &QPushButton::clicked, action, &QAction::trigger);
    connect(action, &QAction::enabledChanged, button, &QPushButton::setEnabled);
    return button;
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

QVector<GalleryItem> GalleryView::sortedNewestFirst(const QVector<GalleryItem>& items) {
    // A job writes its batch in counter order and shows it that way (its placeholders fill from
    // the first), so sorting only by time would reverse each batch after a restart.
    struct Entry {
        GalleryItem item;
        CounterName name;
        int batchPos = -1;  // "Batch pos" (-1: none)
    };
    QVector<Entry> numbered, others;
    for (const GalleryItem& item : items) {
        const CounterName name = counterName(item.path);
        (name.counter >= 0 ? numbered : others) << Entry{item, name, settingOf(item.parametersText, QStringLiteral("Batch pos"), -1)};
    }
    std::sort(numbered.begin(), numbered.end(),
              [](const Entry& a, const Entry& b) { return a.name.counter < b.name.counter; });
    struct Batch {
        QVector<GalleryItem> items;  // oldest first
        qint64 newest = 0;           // file time of its newest image
        int counter = -1;            // its last counter (-1: not counter-named)
        QString path;                // a last tie-break, for a stable order
    };
    QVector<Batch> batches;
    const Entry* previous = nullptr;
    for (const Entry& e : numbered) {
        // Same batch: the next counter and the same seed tag, and the next "Batch pos" (or, for
        // files without one, the same parameters and room in the batch size).
        bool same = previous && !batches.isEmpty() && e.name.counter == previous->name.counter + 1 &&
                    e.name.tag == previous->name.tag;
        if (same && e.batchPos >= 0) same = e.batchPos == previous->batchPos + 1;
        if (same && e.batchPos < 0)
            same = previous->batchPos < 0 && e.item.parametersText == previous->item.parametersText &&
                   batches.last().items.size() < settingOf(e.item.parametersText, QStringLiteral("Batch size"), 1);
        if (!same) batches << Batch{};
        Batch& b = batches.last();
        b.items << e.item;
        b.newest = std::max(b.newest, e.item.modifiedMsecs);
        b.counter = e.name.counter;
        b.path = e.item.path;
        previous = &e;
    }
    for (const Entry& e : others) batches << Batch{{e.item}, e.item.modifiedMsecs, -1, e.item.path};
    std::sort(batches.begin(), batches.end(), [](const Batch& a, const Batch& b) {
        if (a.newest != b.newest) return a.newest > b.newest;
        if (a.counter != b.counter) return a.counter > b.counter;
        return a.path > b.path;
    });
    QVector<GalleryItem> out;
    out.reserve(items.size());
    for (const Batch& b : batches) out += b.items;
    return out;
}

void GalleryView::scanFinished(const QVector<GalleryItem>& items) {
    const QVector<GalleryItem> sorted = sortedNewestFirst(items);
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
    for (QAction* a : {m_view, m_toImg2Img, m_score, m_compare, m_saveAs, m_openFolder, m_trash}) a->setEnabled(has);
    m_datasetMenu->menuAction()->setEnabled(has);
    m_addToDataset->setEnabled(has);
    m_copy->setEnabled(has && !item.parametersText.isEmpty());
    m_reuse->setEnabled(has && !item.parametersText.isEmpty());
    m_initBox->hide();
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
    // An img2img result of this session: its init image beside it (the PNG does not record it).
    if (!item.params.initImage.isEmpty()) {
        QImageReader reader(item.params.initImage);
        reader.setAutoTransform(true);
        const QImage init = reader.read();
        if (!init.isNull()) {
            m_initImage->setPixmap(QPixmap::fromImage(
                init.scaled(kInitThumb - 4, kInitThumb - 4, Qt::KeepAspectRatio, Qt::SmoothTransformation)));
            m_initCaption->setText(tr("<b>Init image</b> %1<br>denoising strength %2<br>(known for results of this "
                                      "session: the PNG does not record it)")
                                       .arg(QFileInfo(item.params.initImage).fileName().toHtmlEscaped())
                                       .arg(item.params.strength, 0, 'f', 2));
            m_initBox->setToolTip(item.params.initImage);
            m_initBox->show();
        }
    }
    m_parameters->setPlainText(item.parametersText.isEmpty() ? tr("(this image has no generation parameters)")
                                                             : item.parametersText);
}

void GalleryView::viewCurrent() {
    const GalleryItem item = current();
    if (item.path.isEmpty()) return;
    if (!m_viewer) m_viewer = new ImageViewer(this);
    m_viewer->setImagePath(item.path);
    m_viewer->show();
    m_viewer->raise();
    m_viewer->activateWindow();
}

void GalleryView::trashCurrent() {
    const QString path = current().path;
    if (path.isEmpty()) return;
    if (!m_confirmTrash) {
        moveToTrash(path);
        return;
    }
    auto* box = new QMessageBox(QMessageBox::Question, tr("Move to trash"),
                                tr("Move %1 to the trash?").arg(QFileInfo(path).fileName()),
                                QMessageBox::Yes | QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("trashConfirm"));
    box->setInformativeText(tr("It leaves the gallery; the desktop's trash can restore it."));
    box->setDefaultButton(QMessageBox::Yes);
    box->setCheckBox(new QCheckBox(tr("Do not ask again in this session"), box));
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [this, box, path] {
        if (box->clickedButton() != box->button(QMessageBox::Yes)) return;
        if (box->checkBox()->isChecked()) m_confirmTrash = false;
        moveToTrash(path);
    });
    box->open();  // not exec(): jobs keep reporting while it is up
}

void GalleryView::moveToTrash(const QString& path) {
    const QString name = QFileInfo(path).fileName();
    if (!QFile::exists(path)) {  // already gone (deleted outside the studio)
        removeItem(path);
        Q_EMIT statusMessage(tr("%1 no longer exists; removed from the gallery").arg(name));
        return;
    }
    if (!QFile::moveToTrash(path)) {
        auto* box = new QMessageBox(QMessageBox::Warning, tr("Move to trash"),
                                    tr("%1 could not be moved to the trash, so it was kept.").arg(path),
                                    QMessageBox::Ok, this);
        box->setObjectName(QStringLiteral("trashFailed"));
        box->setInformativeText(tr("This desktop has no trash for that folder, or the file or the trash is not "
                                   "writable. Delete the file in the file manager (File → Open output folder)."));
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
        Q_EMIT statusMessage(tr("Could not move %1 to the trash").arg(name));
        return;
    }
    removeItem(path);
    Q_EMIT statusMessage(tr("Moved %1 to the trash").arg(name));
}

void GalleryView::removeItem(const QString& path) {
    m_items.remove(path);
    for (int i = 0; i < m_list->count(); ++i) {
        QListWidgetItem* it = m_list->item(i);
        if (it->data(PlaceholderRole).toBool() || it->data(PathRole).toString() != path) continue;
        delete m_list->takeItem(i);
        // The next image takes the selection (the one before at the end), so Delete can repeat.
        for (int j : {i, i - 1}) {
            if (j >= 0 && j < m_list->count() && !m_list->item(j)->data(PlaceholderRole).toBool()) {
                m_list->setCurrentRow(j);
                break;
            }
        }
        break;
    }
    showDetail();
}

void GalleryView::openFolder() {
    const GalleryItem item = current();
    if (item.path.isEmpty()) return;
    const QString folder = QFileInfo(item.path).absolutePath();
    if (!QDesktopServices::openUrl(QUrl::fromLocalFile(folder)))
        Q_EMIT statusMessage(tr("No file manager could open %1").arg(folder));
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
    if (event->source() == m_list) return;  // a thumbnail dragged back onto the gallery: nothing to do
    if (!ImageDropZone::firstImage(event->mimeData()).isEmpty()) event->acceptProposedAction();
}

void GalleryView::dropEvent(QDropEvent* event) {
    // Images dropped from the file manager are scored (they are not copied into the gallery).
    const QString path = ImageDropZone::firstImage(event->mimeData());
    if (path.isEmpty() || event->source() == m_list) return;
    Q_EMIT scoreRequested(path);
    event->acceptProposedAction();
}

}  // namespace pictor::ui
