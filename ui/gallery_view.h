// The gallery: every image of the output folder, newest first, with a detail pane.
//
// The folder is scanned on a pool thread (thumbnails and `parameters` chunks are read with Qt's
// PNG reader); new images from running jobs are added as they arrive. While a generate job runs,
// its images show as placeholders, the first one with the live preview.
#pragma once

#include "ui/background_task.h"
#include "ui/engine_types.h"

#include <QHash>
#include <QWidget>

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

    // Reads one image file (thumbnail + parameters). Safe on any thread.
    static GalleryItem readItem(const QString& path);

Q_SIGNALS:
    void reuseParametersRequested(const pictor::ui::GenerationParams& params);
    void scoreRequested(const QString& path);
    void compareRequested(const QString& path);
    void addToDatasetRequested(const QString& path, const QString& className);
    void statusMessage(const QString& text);

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void showDetail();
    void saveAs();
    void copyParameters();
    QListWidgetItem* makeItem(const GalleryItem& item);
    void scanFinished(const QVector<GalleryItem>& items);
    int placeholderCount() const;

    QString m_folder;
    QListWidget* m_list;
    QLabel* m_image;
    QLabel* m_title;
    QPlainTextEdit* m_parameters;
    QPushButton* m_saveAs;
    QPushButton* m_copy;
    QPushButton* m_reuse;
    QPushButton* m_score;
    QPushButton* m_compare;
    QToolButton* m_addToDataset;
    QMenu* m_datasetMenu;
    QLabel* m_empty;
    QHash<QString, GalleryItem> m_items;  // by path
    bool m_scanDone = true;
    BackgroundTask m_scan{this};  // the folder scan; setFolder() supersedes the one before
};

}  // namespace pictor::ui
