#include "ui/model_manager.h"

#include "ui/engine_backend.h"
#include "ui/engine_worker.h"
#include "ui/format_bytes.h"
#include "ui/training_view.h"

#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <optional>

namespace pictor::ui {

namespace {
enum Column { ModelColumn, SizeColumn, StatusColumn, VariantColumn, ActionColumn };
enum LocalColumn { LocalRoleColumn, LocalModelColumn, LocalSourceColumn, LocalUseColumn };

QString expandHome(const QString& path) {
    return path.startsWith(QLatin1String("~/")) ? QDir::home().filePath(path.mid(2)) : path;
}

// A reference that names a file or folder on disk (not a repo id or a torch hub file name).
bool isLocalPath(const QString& reference) {
    const QFileInfo info(expandHome(reference));
    return !reference.isEmpty() && info.isAbsolute() && info.exists();
}

// The role a built-in catalogue entry fills (core/hub/catalogue.h's names).
std::optional<ModelRole> catalogueRole(const QString& name) {
    if (name == QLatin1String("sd15")) return ModelRole::StableDiffusion;
    if (name == QLatin1String("clip-vit-base-patch32")) return ModelRole::Clip;
    if (name == QLatin1String("resnet50")) return ModelRole::ResNet50;
    if (name == QLatin1String("resnet18")) return ModelRole::ResNet18;
    if (name == QLatin1String("taesd")) return ModelRole::Taesd;
    return std::nullopt;
}

}  // namespace

ModelManagerDialog::ModelManagerDialog(EngineWorker* worker, QWidget* parent) : QDialog(parent), m_worker(worker) {
    setWindowTitle(tr("Model manager"));
    resize(900, 560);
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
    layout->addWidget(m_table, 3);
    auto* localTitle = new QLabel(tr("<b>On this computer</b> — models found in the caches and your model and LoRA "
                                     "folders (Preferences); choose them in the model fields"),
                                  this);
    localTitle->setWordWrap(true);
    layout->addWidget(localTitle);
    m_local = new QTableWidget(0, 4, this);
    m_local->setObjectName(QStringLiteral("localModels"));
    m_local->setHorizontalHeaderLabels({tr("Role"), tr("Model"), tr("Found in"), tr("Settings")});
    m_local->verticalHeader()->hide();
    m_local->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_local->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_local->setWordWrap(false);
    m_local->setTextElideMode(Qt::ElideMiddle);
    m_local->horizontalHeader()->setSectionResizeMode(LocalModelColumn, QHeaderView::Stretch);
    m_local->horizontalHeader()->setSectionResizeMode(LocalSourceColumn, QHeaderView::Stretch);
    layout->addWidget(m_local, 2);
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

void ModelManagerDialog::setSettings(const StudioSettings& settings) {
    m_settings = settings;
    m_hasSettings = true;
}

bool ModelManagerDialog::usedBySettings(const QString& reference, ModelRole* role) const {
    if (!m_hasSettings || reference.isEmpty()) return false;
    const QString sd = m_settings.generation.model.isEmpty() ? m_settings.sdModel : m_settings.generation.model;
    const std::pair<ModelRole, QString> uses[] = {{ModelRole::StableDiffusion, sd},
                                                  {ModelRole::Clip, m_settings.clipModel},
                                                  {ModelRole::ResNet50, m_settings.resnet50Model},
                                                  {ModelRole::ResNet18, m_settings.resnet18Model},
                                                  {ModelRole::Taesd, m_settings.generation.decoder}};
    const QString wanted = QDir::cleanPath(expandHome(reference));
    for (const auto& [r, ref] : uses) {
        if (ref.isEmpty() || QDir::cleanPath(expandHome(ref)) != wanted) continue;
        if (role) *role = r;
        return true;
    }
    return false;
}

void ModelManagerDialog::refresh() {
    struct Catalogue {
        QVector<ModelEntryInfo> entries;
        QString error;
        QVector<LocalModelInfo> local;
    };
    const QStringList modelFolders = m_settings.modelFolders, loraFolders = m_settings.loraFolders;
    const bool scanFolders = m_hasSettings;
    // model_status and the scan walk the caches and folders: keep them off the UI thread.
    m_refreshing.start(
        [modelFolders, loraFolders, scanFolders] {
            Catalogue catalogue;
            try {
                catalogue.entries = EngineBackend::modelCatalogue();
            } catch (const std::exception& e) {
                catalogue.error = QString::fromUtf8(e.what());
            }
            catalogue.local = scanFolders ? scanLocalModels(modelFolders, loraFolders) : scanLocalModels({}, {});
            return catalogue;
        },
        [this](const Catalogue& catalogue) {
            showEntries(catalogue.entries, catalogue.error);
            showLocal(catalogue.local);
        });
}

void ModelManagerDialog::showLocal(const QVector<LocalModelInfo>& found) {
    QVector<LocalModelInfo> rows = found;
    // What the settings point at on disk is listed even where no scanned folder holds it.
    const QString sd = m_settings.generation.model.isEmpty() ? m_settings.sdModel : m_settings.generation.model;
    const std::pair<ModelRole, QString> uses[] = {{ModelRole::StableDiffusion, sd},
                                                  {ModelRole::Clip, m_settings.clipModel},
                                                  {ModelRole::ResNet50, m_settings.resnet50Model},
                                                  {ModelRole::ResNet18, m_settings.resnet18Model}};
    for (const auto& use : uses) {
        // Not a structured binding: clang 14 (the sanitizer build) cannot capture one in a lambda.
        const ModelRole role = use.first;
        const QString& ref = use.second;
        if (!m_hasSettings || !isLocalPath(ref)) continue;
        const QString path = QDir::cleanPath(expandHome(ref));
        const bool listed = std::any_of(rows.begin(), rows.end(), [&](const LocalModelInfo& m) {
            return QDir::cleanPath(m.path) == path || m.reference == ref;
        });
        if (listed) continue;
        LocalModelInfo m;
        m.role = role;
        m.reference = ref;
        m.name = QFileInfo(path).fileName();
        m.path = path;
        m.source = tr("settings.yaml");
        rows << m;
    }
    m_local->setRowCount(0);
    for (const LocalModelInfo& m : rows) {
        const int row = m_local->rowCount();
        m_local->insertRow(row);
        m_local->setItem(row, LocalRoleColumn, new QTableWidgetItem(modelRoleTitle(m.role)));
        auto* model = new QTableWidgetItem(m.name);
        model->setToolTip(m.path + (m.detail.isEmpty() ? QString() : QStringLiteral("\n") + m.detail));
        m_local->setItem(row, LocalModelColumn, model);
        auto* source = new QTableWidgetItem(m.source);
        source->setToolTip(m.path);
        m_local->setItem(row, LocalSourceColumn, source);
        ModelRole role;
        const bool used = usedBySettings(m.reference, &role) || usedBySettings(m.path, &role);
        auto* use = new QTableWidgetItem(used ? tr("in use") : QString());
        if (used) use->setForeground(QColor(0x8b, 0xc3, 0x4a));
        m_local->setItem(row, LocalUseColumn, use);
    }
    m_local->resizeColumnToContents(LocalRoleColumn);
    m_local->resizeColumnToContents(LocalUseColumn);
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
                         new QTableWidgetItem(e.approxSize > 0 ? formatBytes(e.approxSize) : tr("unknown")));
        bool downloading = false;
        for (auto it = m_jobRows.cbegin(); it != m_jobRows.cend(); ++it) downloading |= it.value() == row;
        if (downloading) {
            auto* bar = new QProgressBar(m_table);
            bar->setRange(0, 0);
            m_table->setCellWidget(row, StatusColumn, bar);
        } else {
            // Missing from the cache, but the settings use a model of this role on disk: nothing to fetch.
            QString localInstead;
            if (!e.complete && m_hasSettings) {
                if (const std::optional<ModelRole> role = catalogueRole(e.name)) {
                    const QString sd = m_settings.generation.model.isEmpty() ? m_settings.sdModel : m_settings.generation.model;
                    const QString ref = *role == ModelRole::StableDiffusion ? sd
                                        : *role == ModelRole::Clip          ? m_settings.clipModel
                                        : *role == ModelRole::ResNet50      ? m_settings.resnet50Model
                                        : *role == ModelRole::ResNet18      ? m_settings.resnet18Model
                                                                            : m_settings.generation.decoder;
                    if (isLocalPath(ref)) localInstead = ref;
                }
            }
            const bool available = e.complete || !localInstead.isEmpty();
            auto* status = new QTableWidgetItem(localInstead.isEmpty()
                                                    ? e.status
                                                    : tr("not needed: the settings use %1").arg(QFileInfo(localInstead).fileName()));
            status->setToolTip(localInstead.isEmpty() ? e.location
                                                      : tr("The settings use the local model %1 for this role; "
                                                           "download this one only to switch to it.")
                                                            .arg(localInstead));
            status->setForeground(available ? QColor(0x8b, 0xc3, 0x4a) : QColor(0xf5, 0xa6, 0x23));
            if (usedBySettings(e.reference)) status->setText(status->text() + tr(" — in use"));
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
