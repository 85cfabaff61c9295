// The gallery: every image of the output folder, newest first, with a detail pane.
//
// The folder is scanned on a pool thread (thumbnails and `parameters` chunks are read with Qt's
// PNG reader); new images from running jobs are added as they arrive. While a generate job runs,
// its images show as placeholders, the first one with the live preview. A batch shows in the
// order it was generated (A1111's file counter ascending) both live and after a rescan.
//
// Each image's actions (View, Send to img2img, Reuse parameters, Score, Compare, Copy parameters,
// Save as…, Open containing folder, Move to trash, Add to dataset class) are QActions of the
// view: the thumbnails' context menu, the detail pane's buttons and the keyboard shortcuts all
// trigger the same ones. Thumbnails drag out as file URLs (into Scoring, Compare, Training, the
// prompt panel's img2img, or a file manager).
#pragma once

#include "ui/background_task.h"
#include "ui/engine_types.h"
#include "ui/image_viewer.h"

#include <QHash>
#include <QPointer>
#include <QWidget>

class QAction;
class QLabel;
class QListWidget;
class QListWidgetItem;
class QPlainTextEdit;
class QPushButton;
class QToolButton;
class QMenu;

namespace pictor::ui {

class GalleryView : public QWidget {
    Q_OBJECT
public:
    explicit GalleryView(QWidget* parent = nullptr);

    // Shows the images of `folder` (replacing the current list); the scan runs in the background.
    void setFolder(const QString& folder);
    // Blocks (with a local event loop) until the last setFolder scan has been shown (the
    // screenshot mode waits for the gallery to be filled).
    bool waitForScan(int timeoutMs = 10000);

    // Adds one image at the front (newest first), replacing a placeholder of `jobId` if any.
    void addImage(const GalleryItem& item, int jobId = 0);
    void beginJob(int jobId, int count);
    void showPreview(int jobId, const QImage& preview);
    void endJob(int jobId);

    void setDatasetClasses(const QStringList& classes);

    QStringList imagePaths() const;  // real images (placeholders excluded), newest first
    GalleryItem current() const;     // the selected image ({} for none or a placeholder)

    // Opens the selected image in the full-size viewer (one viewer window, reused).
    void viewCurrent();
    ImageViewer* viewer() const { return m_viewer; }
    // Moves the selected image to the desktop trash, after one confirmation per session (a
    // non-blocking question named "trashConfirm" with "Do not ask again"); the item leaves the list.
    void trashCurrent();

    // Reads one image file (thumbnail + parameters). Safe on any thread.
    static GalleryItem readItem(const QString& path);
    // The gallery's order: batches newest first (by file time, then A1111 counter), the images of
    // one batch (consecutive counters, same seed tag and parameters) in counter order, as a job
    // adds them live.
    static QVector<GalleryItem> sortedNewestFirst(const QVector<GalleryItem>& items);

Q_SIGNALS:
    void reuseParametersRequested(const pictor::ui::GenerationParams& params);
    void initImageRequested(const QString& path);  // "Send to img2img"
    void scoreRequested(const QString& path);
    void compareRequested(const QString& path);
    void addToDatasetRequested(const QString& path, const QString& className);
    void statusMessage(const QString& text);

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    QAction* makeAction(const QString& name, const QString& text, const QString& tip, const QKeySequence& keys);
    QPushButton* makeButton(QAction* action, QWidget* parent);
    void showDetail();
    void saveAs();
    void copyParameters();
    void openFolder();
    void moveToTrash(const QString& path);
    void removeItem(const QString& path);
    QListWidgetItem* makeItem(const GalleryItem& item);
    void scanFinished(const QVector<GalleryItem>& items);
    int placeholderCount() const;

    QString m_folder;
    QListWidget* m_list;
    QLabel* m_image;
    QWidget* m_initBox;  // the init image of an img2img result (when this session knows it)
    QLabel* m_initImage;
    QLabel* m_initCaption;
    QLabel* m_title;
    QPlainTextEdit* m_parameters;
    QAction* m_view;
    QAction* m_toImg2Img;
    QAction* m_reuse;
    QAction* m_score;
    QAction* m_compare;
    QAction* m_copy;
    QAction* m_saveAs;
    QAction* m_openFolder;
    QAction* m_trash;
    QToolButton* m_addToDataset;
    QMenu* m_datasetMenu;
    QLabel* m_empty;
    QPointer<ImageViewer> m_viewer;
    bool m_confirmTrash = true;  // until "Do not ask again"
    QHash<QString, GalleryItem> m_items;  // by path
    bool m_scanDone = true;
    BackgroundTask m_scan{this};  // the folder scan; setFolder() supersedes the one before
};

}  // namespace pictor::ui
