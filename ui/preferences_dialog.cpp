#include "ui/preferences_dialog.h"

#include "ui/charts.h"
#include "ui/model_picker.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTimer>
#include <QVBoxLayout>

namespace pictor::ui {

namespace {

QString expandHome(const QString& path) {
    return path.startsWith(QLatin1String("~/")) ? QDir::home().filePath(path.mid(2)) : path;
}

QStringList lines(const QPlainTextEdit* edit) {
    QStringList out;
    for (const QString& line : edit->toPlainText().split(QLatin1Char('\n'))) {
        if (!line.trimmed().isEmpty()) out << line.trimmed();
    }
    return out;
}

}  // namespace

QString PreferencesDialog::nearestExistingFolder(const QString& path) {
    QString folder = expandHome(path.trimmed());
    if (folder.isEmpty()) return QDir::homePath();
    folder = QDir::cleanPath(QFileInfo(folder).absoluteFilePath());
    while (!QFileInfo(folder).isDir()) {
        const QString parent = QFileInfo(folder).absolutePath();
        if (parent == folder) return QDir::homePath();
        folder = parent;
    }
    return folder;
}

QLineEdit* PreferencesDialog::addFolderRow(QFormLayout* form, const QString& label, const QString& objectName,
                                           const QString& tip) {
    auto* row = new QHBoxLayout;
    auto* edit = new QLineEdit(this);
    edit->setObjectName(objectName);
    edit->setToolTip(tip);
    auto* browse = new QPushButton(tr("Browse…"), this);
    browse->setToolTip(tr("Pick an existing folder (the picker can also make a new one); or type a folder "
                          "that does not exist yet"));
    row->addWidget(edit, 1);
    row->addWidget(browse);
    form->addRow(label, row);
    if (auto* l = qobject_cast<QLabel*>(form->labelForField(row))) l->setBuddy(edit);
    connect(browse, &QPushButton::clicked, this, [this, edit, label] {
        const QString dir = QFileDialog::getExistingDirectory(this, QString(label).remove(QLatin1Char('&')),
                                                              nearestExistingFolder(edit->text()));
        if (!dir.isEmpty()) edit->setText(QDir::toNativeSeparators(dir));
    });
    connect(edit, &QLineEdit::textChanged, this, &PreferencesDialog::validate);
    return edit;
}

PreferencesDialog::PreferencesDialog(const StudioSettings& settings, QWidget* parent)
    : QDialog(parent), m_base(settings) {
    setObjectName(QStringLiteral("preferences"));
    setWindowTitle(tr("Preferences"));
    setMinimumWidth(620);
    auto* layout = new QVBoxLayout(this);

    auto* models = new QFormLayout;
    // One picker per role: the models found on disk, Browse…, or any reference typed in.
    const auto addPicker = [&](ModelRole role, const QString& label, const QString& name, const QString& tip) {
        auto* picker = new ModelPicker(role, name, this);
        picker->lineEdit()->setToolTip(tip);
        models->addRow(label, picker);
        if (auto* l = qobject_cast<QLabel*>(models->labelForField(picker))) l->setBuddy(picker->comboBox());
        m_pickers << picker;
        return picker->lineEdit();
    };
    m_sdModel = addPicker(ModelRole::StableDiffusion, tr("&Stable Diffusion:"), QStringLiteral("sdModel"),
                          tr("models.stable_diffusion: a Hugging Face repo id (looked up in the HF cache), a "
                             "diffusers folder or a single checkpoint file"));
    m_clipModel = addPicker(ModelRole::Clip, tr("&CLIP:"), QStringLiteral("clipModel"),
                            tr("models.clip: a Hugging Face repo id or a transformers folder"));
    m_resnet50 = addPicker(ModelRole::ResNet50, tr("ResNet&50:"), QStringLiteral("resnet50Model"),
                           tr("models.resnet50: a torchvision file name (torch hub cache) or a path"));
    m_resnet18 = addPicker(ModelRole::ResNet18, tr("ResNet&18:"), QStringLiteral("resnet18Model"),
                           tr("models.resnet18: the backbone of transfer learning (file name or path)"));
    layout->addWidget(makeSection(tr("Models"), [&] {
        auto* w = new QWidget(this);
        w->setLayout(models);
        return w;
    }(), this));

    auto* folders = new QFormLayout;
    m_outputFolder = addFolderRow(folders, tr("&Output folder:"), QStringLiteral("outputFolder"),
                                  tr("output_folder: where generated images go (also the gallery's folder)"));
    m_loraFolders = new QPlainTextEdit(this);
    m_loraFolders->setObjectName(QStringLiteral("loraFolders"));
    m_loraFolders->setToolTip(tr("lora_folders: where <lora:NAME:…> looks for NAME.safetensors, one folder a line, "
                                 "searched in this order (with sub-folders); \"~/\" is your home folder"));
    m_loraFolders->setTabChangesFocus(true);
    m_loraFolders->setFixedHeight(m_loraFolders->fontMetrics().lineSpacing() * 4 + 12);
    auto* loraRow = new QHBoxLayout;
    auto* addLora = new QPushButton(tr("Add…"), this);
    addLora->setToolTip(tr("Add a LoRA folder at the end of the list"));
    loraRow->addWidget(m_loraFolders, 1);
    loraRow->addWidget(addLora, 0, Qt::AlignTop);
    folders->addRow(tr("&LoRA folders:"), loraRow);
    if (auto* l = qobject_cast<QLabel*>(folders->labelForField(loraRow))) l->setBuddy(m_loraFolders);
    m_modelFolders = new QPlainTextEdit(this);
    m_modelFolders->setObjectName(QStringLiteral("modelFolders"));
    m_modelFolders->setToolTip(tr("model_folders: where the model fields look for models besides the Hugging Face "
                                  "and torch hub caches, one folder a line; an AUTOMATIC1111 or ComfyUI folder is "
                                  "read as such (models/Stable-diffusion, models/checkpoints)"));
    m_modelFolders->setTabChangesFocus(true);
    m_modelFolders->setFixedHeight(m_modelFolders->fontMetrics().lineSpacing() * 3 + 12);
    auto* modelRow = new QHBoxLayout;
    auto* addModelFolder = new QPushButton(tr("Add…"), this);
    addModelFolder->setObjectName(QStringLiteral("addModelFolder"));
    addModelFolder->setToolTip(tr("Add a model folder at the end of the list"));
    modelRow->addWidget(m_modelFolders, 1);
    modelRow->addWidget(addModelFolder, 0, Qt::AlignTop);
    folders->addRow(tr("&Model folders:"), modelRow);
    if (auto* l = qobject_cast<QLabel*>(folders->labelForField(modelRow))) l->setBuddy(m_modelFolders);
    m_folderNote = new QLabel(this);
    m_folderNote->setObjectName(QStringLiteral("folderNote"));
    m_folderNote->setWordWrap(true);
    m_folderNote->hide();
    folders->addRow(QString(), m_folderNote);
    layout->addWidget(makeSection(tr("Folders"), [&] {
        auto* w = new QWidget(this);
        w->setLayout(folders);
        return w;
    }(), this));

    auto* engine = new QFormLayout;
    m_threads = new QSpinBox(this);
    m_threads->setObjectName(QStringLiteral("threads"));
    // The loader's range decides (0..1024); the box only keeps the digits sane.
    m_threads->setRange(0, 99999);
    m_threads->setSpecialValueText(tr("auto (one per CPU)"));
    m_threads->setToolTip(tr("threads: the engine's intra-op threads; 0 = one per CPU (or $PICTOR_THREADS). "
                             "Takes effect for the next job"));
    engine->addRow(tr("&Threads:"), m_threads);
    m_device = new QComboBox(this);
    m_device->setObjectName(QStringLiteral("device"));
    m_device->setEditable(true);
    m_device->addItems({QStringLiteral("cpu"), QStringLiteral("cuda")});
    m_device->setToolTip(tr("device: cpu or cuda (also the Sampler panel's device; cuda:N is for pictor-cli)"));
    engine->addRow(tr("&Device:"), m_device);
    layout->addWidget(makeSection(tr("Engine"), [&] {
        auto* w = new QWidget(this);
        w->setLayout(engine);
        return w;
    }(), this));

    m_error = makeErrorLabel(this);
    m_error->setObjectName(QStringLiteral("preferencesError"));
    layout->addWidget(m_error);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    layout->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &PreferencesDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &PreferencesDialog::reject);

    m_sdModel->setText(settings.sdModel);
    m_clipModel->setText(settings.clipModel);
    m_resnet50->setText(settings.resnet50Model);
    m_resnet18->setText(settings.resnet18Model);
    m_loraFolders->setPlainText(settings.loraFolders.join(QLatin1Char('\n')));
    m_modelFolders->setPlainText(settings.modelFolders.join(QLatin1Char('\n')));
    m_outputFolder->setText(settings.outputFolder);
    m_threads->setValue(settings.threads);
    m_device->setCurrentText(settings.device);

    connect(addLora, &QPushButton::clicked, this, [this] {
        const QStringList current = lines(m_loraFolders);
        const QString dir = QFileDialog::getExistingDirectory(this, tr("LoRA folder"),
                                                              nearestExistingFolder(current.isEmpty() ? QString() : current.last()));
        if (!dir.isEmpty()) m_loraFolders->setPlainText((current + QStringList{dir}).join(QLatin1Char('\n')));
    });
    connect(addModelFolder, &QPushButton::clicked, this, [this] {
        const QStringList current = lines(m_modelFolders);
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Model folder"),
                                                              nearestExistingFolder(current.isEmpty() ? QString() : current.last()));
        if (!dir.isEmpty()) m_modelFolders->setPlainText((current + QStringList{dir}).join(QLatin1Char('\n')));
    });
    for (QLineEdit* e : {m_sdModel, m_clipModel, m_resnet50, m_resnet18})
        connect(e, &QLineEdit::textChanged, this, &PreferencesDialog::validate);
    connect(m_loraFolders, &QPlainTextEdit::textChanged, this, &PreferencesDialog::validate);
    connect(m_modelFolders, &QPlainTextEdit::textChanged, this, &PreferencesDialog::validate);
    // The pickers list what the folders hold: scanned again once the typing pauses.
    m_rescan = new QTimer(this);
    m_rescan->setSingleShot(true);
    m_rescan->setInterval(400);
    connect(m_rescan, &QTimer::timeout, this, &PreferencesDialog::rescanModels);
    for (QPlainTextEdit* e : {m_modelFolders, m_loraFolders})
        connect(e, &QPlainTextEdit::textChanged, m_rescan, qOverload<>(&QTimer::start));
    rescanModels();
    connect(m_threads, &QSpinBox::valueChanged, this, &PreferencesDialog::validate);
    connect(m_device, &QComboBox::currentTextChanged, this, &PreferencesDialog::validate);
    validate();
}

StudioSettings PreferencesDialog::settings() const {
    StudioSettings s = m_base;
    s.sdModel = m_sdModel->text().trimmed();
    s.generation.model = s.sdModel;
    s.clipModel = m_clipModel->text().trimmed();
    s.resnet50Model = m_resnet50->text().trimmed();
    s.resnet18Model = m_resnet18->text().trimmed();
    s.loraFolders = lines(m_loraFolders);
    s.modelFolders = lines(m_modelFolders);
    s.outputFolder = expandHome(QDir::fromNativeSeparators(m_outputFolder->text().trimmed()));
    s.threads = m_threads->value();
    s.device = m_device->currentText().trimmed();
    s.generation.device = s.device;
    return s;
}

void PreferencesDialog::rescanModels() {
    const QStringList modelFolders = lines(m_modelFolders), loraFolders = lines(m_loraFolders);
    // One scan for every picker (each keeps the models of its role).
    m_scan.start([modelFolders, loraFolders] { return scanLocalModels(modelFolders, loraFolders); },
                 [this](const QVector<LocalModelInfo>& models) {
                     for (ModelPicker* p : m_pickers) p->setFound(models);
                     Q_EMIT modelsScanned();
                 });
}

void PreferencesDialog::validate() {
    const StudioSettings s = settings();
    QString problem = settingsProblem(s);
    const QString output = expandHome(s.outputFolder);
    // The Sampler panel, which the jobs take the device from, offers these two.
    if (problem.isEmpty() && s.device != QLatin1String("cpu") && s.device != QLatin1String("cuda"))
        problem = tr("device: the studio runs on cpu or cuda, got '%1' (cuda:N is for pictor-cli)").arg(s.device);
    if (problem.isEmpty() && output.isEmpty()) problem = tr("output_folder: choose a folder for the generated images");
    if (problem.isEmpty() && QFileInfo::exists(output) && !QFileInfo(output).isDir())
        problem = tr("output_folder: %1 is a file, not a folder").arg(output);

    QStringList notes;
    if (!output.isEmpty() && !QFileInfo::exists(output))
        notes << tr("The output folder %1 does not exist yet: it is created when you press OK.").arg(output);
    QStringList missingLoras;
    for (const QString& f : s.loraFolders) {
        if (!QFileInfo(expandHome(f)).isDir()) missingLoras << f;
    }
    if (!missingLoras.isEmpty())
        notes << tr("Not there (yet), searched anyway: %1").arg(missingLoras.join(QStringLiteral(", ")));
    m_folderNote->setText(notes.join(QLatin1Char('\n')));
    m_folderNote->setVisible(!notes.isEmpty());

    m_problem = problem;
    m_error->setText(problem);
    m_error->setVisible(!problem.isEmpty());
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(problem.isEmpty());
    m_buttons->button(QDialogButtonBox::Ok)->setToolTip(problem.isEmpty() ? tr("Save to settings.yaml") : problem);
}

void PreferencesDialog::accept() {
    validate();
    if (!m_problem.isEmpty()) return;
    const QString output = expandHome(settings().outputFolder);
    if (!QFileInfo::exists(output) && !QDir().mkpath(output)) {
        m_problem = tr("output_folder: cannot create %1 (check the permissions of its parent folder)").arg(output);
        m_error->setText(m_problem);
        m_error->show();
        return;
    }
    QDialog::accept();
}

}  // namespace pictor::ui
