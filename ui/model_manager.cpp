#include "ui/model_manager.h"

#include "ui/engine_backend.h"
#include "ui/engine_worker.h"
#include "ui/training_view.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace pictor::ui {

namespace {
enum Column { ModelColumn, SizeColumn, StatusColumn, VariantColumn, ActionColumn };
}

ModelManagerDialog::ModelManagerDialog(EngineWorker* worker, QWidget* parent) : QDialog(parent), m_worker(worker) {
    setWindowTitle(tr("Model manager"));
    resize(900, 360);
    auto* layout = new QVBoxLayout(this);
    auto* intro = new QLabel(tr("Models are shared with the Python tools: Hugging Face models live in the Hugging Face "
                                "cache, torchvision checkpoints in the torch hub cache. Set HF_TOKEN for gated models."),
                             this);
    intro->setObjectName(QStringLiteral("hint"));
    intro->setWordWrap(true);
    layout->addWidget(intro);
    m_table = new QTableWidget(0, 5, this);
    m_table->setObjectName(QStringLiteral("models"));
    m_table->setHorizontalHeaderLabels({tr("Model"), tr("Size"), tr("On disk"), tr("Variant"), QString()});
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionMode(QAbstractItemView::NoSelection);
    m_table->horizontalHeader()->setSectionResizeMode(ModelColumn, QHeaderView::Stretch);
    m_table->horizontalHeader()->setSectionResizeMode(StatusColumn, QHeaderView::Stretch);
    layout->addWidget(m_table, 1);
    m_message = new QLabel(this);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_message);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    QPushButton* refreshButton = buttons->addButton(tr("Refresh"), QDialogButtonBox::ActionRole);
    connect(refreshButton, &QPushButton::clicked, this, &ModelManagerDialog::refresh);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::close);
    layout->addWidget(buttons);

    connect(m_worker, &EngineWorker::jobProgress, this, [this](int id, const QString&, int step, int total, double eta) {
        if (!m_jobRows.contains(id)) return;
        auto* bar = qobject_cast<QProgressBar*>(m_table->cellWidget(m_jobRows[id], StatusColumn));
        if (!bar) return;
        bar->setRange(0, total > 0 ? total : 0);
        bar->setValue(step);
        bar->setFormat(total > 0 ? tr("%v / %m MiB — ETA %1").arg(TrainingView::formatEta(eta)) : tr("starting…"));
    });
    connect(m_worker, &EngineWorker::jobFinished, this, [this](int id, JobState state, const QString& message) {
        if (!m_jobRows.contains(id)) return;
        const QString name = m_entries.value(m_jobRows.take(id)).title;
        if (state == JobState::Failed) {
            m_message->setText(tr("<span style='color:#ef5350'>Downloading %1 failed: %2</span>")
                                   .arg(name.toHtmlEscaped(), message.toHtmlEscaped()));
        } else if (state == JobState::Cancelled) {
            m_message->setText(tr("Download of %1 cancelled; it resumes where it stopped next time.").arg(name));
        } else {
            m_message->setText(tr("%1 is ready.").arg(name));
            Q_EMIT modelsChanged();
        }
        refresh();
    });
    refresh();
}

void ModelManagerDialog::refresh() {
    struct Catalogue {
        QVector<ModelEntryInfo> entries;
        QString error;
    };
    // model_status walks the caches: keep it off the UI thread.
    m_refreshing.start(
        [] {
            Catalogue catalogue;
            try {
                catalogue.entries = EngineBackend::modelCatalogue();
            } catch (const std::exception& e) {
                catalogue.error = QString::fromUtf8(e.what());
            }
            return catalogue;
        },
        [this](const Catalogue& catalogue) { showEntries(catalogue.entries, catalogue.error); });
}

void ModelManagerDialog::showEntries(const QVector<ModelEntryInfo>& entries, const QString& error) {
    if (!error.isEmpty()) m_message->setText(tr("<span style='color:#ef5350'>%1</span>").arg(error.toHtmlEscaped()));
    m_entries = entries;
    m_table->setRowCount(0);
    for (int row = 0; row < entries.size(); ++row) {
        const ModelEntryInfo& e = entries[row];
        m_table->insertRow(row);
        auto* model = new QTableWidgetItem(QStringLiteral("%1  (%2)").arg(e.title, e.reference));
        model->setToolTip(e.description);
        m_table->setItem(row, ModelColumn, model);
        m_table->setItem(row, SizeColumn,
                         new QTableWidgetItem(e.approxSize > 0 ? QLocale().formattedDataSize(e.approxSize) : tr("unknown")));
        bool downloading = false;
        for (auto it = m_jobRows.cbegin(); it != m_jobRows.cend(); ++it) downloading |= it.value() == row;
        if (downloading) {
            auto* bar = new QProgressBar(m_table);
            bar->setRange(0, 0);
            m_table->setCellWidget(row, StatusColumn, bar);
        } else {
            auto* status = new QTableWidgetItem(e.status);
            status->setToolTip(e.location);
            status->setForeground(e.complete ? QColor(0x8b, 0xc3, 0x4a) : QColor(0xf5, 0xa6, 0x23));
            m_table->setItem(row, StatusColumn, status);
        }
        auto* variant = new QComboBox(m_table);
        variant->addItem(tr("default"), QString());
        for (const QString& v : e.variants) variant->addItem(v, v);
        variant->setEnabled(!e.variants.isEmpty());
        m_table->setCellWidget(row, VariantColumn, variant);
        auto* action = new QPushButton(e.complete ? tr("Verify / update") : tr("Download"), m_table);
        action->setEnabled(!downloading);
        connect(action, &QPushButton::clicked, this, [this, row] { download(row); });
        m_table->setCellWidget(row, ActionColumn, action);
    }
    m_table->resizeColumnToContents(SizeColumn);
}

void ModelManagerDialog::download(int row) {
    if (row < 0 || row >= m_entries.size()) return;
    const auto* variant = qobject_cast<QComboBox*>(m_table->cellWidget(row, VariantColumn));
    DownloadRequest request{m_entries[row].name, variant ? variant->currentData().toString() : QString()};
    const int id = m_worker->submit(request);
    m_jobRows.insert(id, row);
    auto* bar = new QProgressBar(m_table);
    bar->setRange(0, 0);
    bar->setFormat(tr("queued…"));
    m_table->setCellWidget(row, StatusColumn, bar);
    if (auto* button = m_table->cellWidget(row, ActionColumn)) button->setEnabled(false);
}

}  // namespace pictor::ui
