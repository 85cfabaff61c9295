// Preferences (Settings → Preferences…, Ctrl+,): the keys only settings.yaml had, validated by the
// settings loader, and folders that do not exist yet.
#include "tests/support/catch.h"

#include "tests/support/fixtures.h"
#include "tests/ui/ui_test_support.h"
#include "ui/main_window.h"
#include "ui/preferences_dialog.h"
#include "ui/sampler_panel.h"

#include <QAction>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>

using namespace pictor::ui;
using pictor::test::ensureApp;
using pictor::test::find;
using pictor::test::TempDir;
using pictor::test::waitUntil;

namespace {

QString qpath(const std::filesystem::path& p) { return QString::fromStdString(p.string()); }

QPushButton* okButton(const PreferencesDialog& d) {
    return find<QDialogButtonBox>(d)->button(QDialogButtonBox::Ok);
}

PreferencesDialog* openPreferences(MainWindow& window) {
    // As the user does: the menu's action (its shortcut is Ctrl+,).
    QAction* action = nullptr;
    QStringList texts;
    for (QAction* a : window.findChildren<QAction*>()) {
        texts << a->text();
        if (a->text() == QStringLiteral("&Preferences…")) action = a;
    }
    INFO(texts.join(" | ").toStdString());
    REQUIRE(action != nullptr);
    CHECK(action->shortcut() == QKeySequence(QStringLiteral("Ctrl+,")));
    action->trigger();
    auto* dialog = window.findChild<PreferencesDialog*>();
    REQUIRE(dialog != nullptr);
    REQUIRE(waitUntil([&] { return dialog->isVisible(); }, 5000));
    return dialog;
}

}  // namespace

TEST_CASE("Preferences writes the folders, threads and device to settings.yaml", "[ui][preferences]") {
    ensureApp();
    TempDir dir;
    const QString settings = qpath(dir / "config" / "settings.yaml");
    MainWindow window(settings);
    window.show();
    PreferencesDialog* d = openPreferences(window);

    const QString output = qpath(dir / "not" / "there" / "yet");
    const QString lora = qpath(dir / "loras");
    find<QLineEdit>(*d, "sdModel")->setText("/models/sd15");
    find<QLineEdit>(*d, "clipModel")->setText("/models/clip");
    find<QLineEdit>(*d, "resnet18Model")->setText("/models/r18.pth");
    find<QLineEdit>(*d, "outputFolder")->setText(output);
    find<QPlainTextEdit>(*d, "loraFolders")->setPlainText("~/my-loras\n\n" + lora + "\n");
    find<QSpinBox>(*d, "threads")->setValue(2);
    find<QComboBox>(*d, "device")->setCurrentText("cuda");
    // A folder that does not exist yet is accepted, and said to be created.
    CHECK(okButton(*d)->isEnabled());
    CHECK(find<QLabel>(*d, "folderNote")->text().contains("does not exist yet"));
    CHECK_FALSE(QFileInfo::exists(output));
    okButton(*d)->click();
    REQUIRE(waitUntil([&] { return !window.findChild<PreferencesDialog*>(); }, 5000));

    CHECK(QFileInfo(output).isDir());
    const StudioSettings saved = loadStudioSettings(settings);
    CHECK(saved.sdModel == "/models/sd15");
    CHECK(saved.clipModel == "/models/clip");
    CHECK(saved.resnet18Model == "/models/r18.pth");
    CHECK(saved.outputFolder == output);
    CHECK(saved.loraFolders == QStringList{"~/my-loras", lora});
    CHECK(saved.threads == 2);
    CHECK(saved.device == "cuda");
    // The panels follow: the jobs use the Sampler panel's model and device.
    CHECK(find<SamplerPanel>(window)->params().model == "/models/sd15");
    CHECK(find<SamplerPanel>(window)->params().device == "cuda");
    CHECK(window.currentSettings().outputFolder == output);
}

TEST_CASE("Preferences refuses what the settings loader refuses, with its message", "[ui][preferences]") {
    ensureApp();
    TempDir dir;
    const QString settings = qpath(dir / "settings.yaml");
    MainWindow window(settings);
    window.show();
    PreferencesDialog* d = openPreferences(window);
    auto* error = find<QLabel>(*d, "preferencesError");
    CHECK(okButton(*d)->isEnabled());

    find<QSpinBox>(*d, "threads")->setValue(2000);
    CHECK_FALSE(okButton(*d)->isEnabled());
    CHECK(error->isVisible());
    CHECK(error->text().toStdString() == "threads: must be in 0..1024 (0 = auto), got 2000");
    find<QSpinBox>(*d, "threads")->setValue(0);
    CHECK(okButton(*d)->isEnabled());
    CHECK_FALSE(error->isVisible());

    find<QComboBox>(*d, "device")->setCurrentText("gpu");
    CHECK_FALSE(okButton(*d)->isEnabled());
    CHECK(error->text().toStdString() == "device: expected cpu, cuda or cuda:N, got 'gpu'");
    find<QComboBox>(*d, "device")->setCurrentText("cuda:1");  // valid in settings.yaml, not in the Sampler
    CHECK_FALSE(okButton(*d)->isEnabled());
    CHECK(error->text().contains("cpu or cuda"));
    find<QComboBox>(*d, "device")->setCurrentText("cpu");

    find<QLineEdit>(*d, "sdModel")->clear();
    CHECK_FALSE(okButton(*d)->isEnabled());
    CHECK(error->text().toStdString() == "models.stable_diffusion: must not be empty");
    find<QLineEdit>(*d, "sdModel")->setText("x/y");

    const QString file = qpath(dir / "settings.yaml.txt");
    {
        QFile f(file);
        REQUIRE(f.open(QIODevice::WriteOnly));
    }
    find<QLineEdit>(*d, "outputFolder")->setText(file);
    CHECK_FALSE(okButton(*d)->isEnabled());
    CHECK(error->text().contains("is a file, not a folder"));

    // Nothing was written while the values were invalid.
    CHECK_FALSE(QFileInfo::exists(settings));
    d->reject();
}

TEST_CASE("a folder picker opens the nearest existing parent of a folder that does not exist", "[ui][preferences]") {
    TempDir dir;
    const QString existing = qpath(dir.path());
    CHECK(PreferencesDialog::nearestExistingFolder(existing + "/a/b/c") == QDir::cleanPath(existing));
    CHECK(PreferencesDialog::nearestExistingFolder(existing) == QDir::cleanPath(existing));
    CHECK(PreferencesDialog::nearestExistingFolder("") == QDir::homePath());
}
