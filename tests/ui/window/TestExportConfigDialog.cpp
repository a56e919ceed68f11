// File ▸ Export s.yaml (ui/window/ExportConfigDialog): what the dialog writes, in each form,
// is read back by loadConfigFile() into the same configuration, with the image reference the
// user typed where `s deploy` (or Funcraft) reads it. Driven as a user drives it: the form
// chosen in the combo box, the image typed, OK pressed, the file named in the save dialog.
#include <QApplication>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QLineEdit>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include "config/ConfigFile.h"
#include "config/ConfigImages.h"
#include "config/Options.h"
#include "window/ExportConfigDialog.h"

using namespace Fcemu;

Q_DECLARE_METATYPE(Fcemu::Config::ExportFormat)

namespace {

// A configuration far from the defaults: every option the forms carry, and fcemu's own.
Config::FunctionConfig richConfig()
{
    auto config = Config::resolveFunctionConfig({
        {u"--name"_qs, u"exported-fn"_qs},
        {u"--memory"_qs, u"2048"_qs},
        {u"--cpu"_qs, u"1.5"_qs},
        {u"--timeout"_qs, u"45"_qs},
        {u"--port"_qs, u"8080"_qs},
        {u"--command"_qs, u"[\"node\"]"_qs},
        {u"--args"_qs, u"[\"server.js\"]"_qs},
        {u"--env"_qs, u"GREETING=hello"_qs},
        {u"--initializer"_qs, u"index.init"_qs},
        {u"--pre-stop"_qs, u"index.stop"_qs},
        {u"--concurrency"_qs, u"4"_qs},
        {u"--max-instances"_qs, u"3"_qs},
        {u"--idle-timeout"_qs, u"60"_qs},
        {u"--billing"_qs, u"fc3"_qs},
        {u"--internet-access"_qs, u"false"_qs},
        {u"--region"_qs, u"cn-shanghai"_qs},
    });
    if (!config)
        qFatal("%s", qPrintable(config.error().message));
    config->httpTrigger = Config::HttpTrigger{{u"GET"_qs, u"POST"_qs}, true};
    return *config;
}

const QString kImage = u"registry.cn-shanghai.aliyuncs.com/ns/app:v2"_qs;

} // namespace

class TestExportConfigDialog final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    // Chooses the form and types the image in an open dialog, as a user does.
    static void fill(Ui::ExportConfigDialog &dialog, Config::ExportFormat format)
    {
        auto *combo = dialog.findChild<QComboBox *>();
        auto *image = dialog.findChild<QLineEdit *>();
        QVERIFY(combo && image);
        const int index = combo->findData(int(format));
        QVERIFY(index >= 0);
        combo->setCurrentIndex(index);
        image->clear();
        QTest::keyClicks(image, u"  "_qs + kImage + u" "_qs); // trimmed
    }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void eachFormRoundTrips_data()
    {
        QTest::addColumn<Config::ExportFormat>("format");
        QTest::addRow("fc3") << Config::ExportFormat::Fc3;
        QTest::addRow("fc") << Config::ExportFormat::Fc;
        QTest::addRow("funcraft") << Config::ExportFormat::Funcraft;
    }

    void eachFormRoundTrips()
    {
        QFETCH(Config::ExportFormat, format);
        const Config::FunctionConfig config = richConfig();
        Ui::ExportConfigDialog dialog(config);
        fill(dialog, format);
        QCOMPARE(dialog.format(), format);
        QCOMPARE(dialog.imageReference(), kImage);

        const QString path =
            m_dir.filePath(QString::fromLatin1(QTest::currentDataTag()) + u".yaml"_qs);
        QVERIFY(dialog.writeTo(path));
        auto format2 = Config::detectConfigFormat(path);
        QVERIFY(format2);
        QCOMPARE(*format2,
                 format == Config::ExportFormat::Fc3  ? Config::ConfigFormat::ServerlessDevsFc3
                 : format == Config::ExportFormat::Fc ? Config::ConfigFormat::ServerlessDevsFc
                                                      : Config::ConfigFormat::Funcraft);
        auto back = Config::loadConfigFile(path);
        QVERIFY2(back, back ? "" : qPrintable(back.error().message));
        QVERIFY2(*back == config,
                 qPrintable(QString::fromStdString(Config::toJson(*back).dump(2) + "\nwanted\n" +
                                                   Config::toJson(config).dump(2))));
        // The image the user typed is where the deploy tool reads it.
        auto images = Config::listConfigImages(path);
        QVERIFY(images);
        QCOMPARE(images->size(), 1);
        QCOMPARE(images->first().functionName, config.name);
        QCOMPARE(images->first().image, kImage);
    }

    void withoutAnImageTheFileSaysWhatToReplace()
    {
        const Config::FunctionConfig config = richConfig();
        Ui::ExportConfigDialog dialog(config);
        QCOMPARE(dialog.imageReference(), QString());
        const QString path = m_dir.filePath(u"placeholder.yaml"_qs);
        QVERIFY(dialog.writeTo(path));
        auto images = Config::listConfigImages(path);
        QVERIFY(images);
        QCOMPARE(images->first().image, Config::placeholderImage(config));
        auto back = Config::loadConfigFile(path);
        QVERIFY(back);
        QVERIFY(*back == config);
    }

    void aFileThatCannotBeWrittenIsNamed()
    {
        Ui::ExportConfigDialog dialog(richConfig());
        const QString path = m_dir.filePath(u"no-such-folder/s.yaml"_qs);
        const Status written = dialog.writeTo(path);
        QVERIFY(!written);
        QVERIFY2(written.error().message.startsWith(path), qPrintable(written.error().message));
    }

    // The menu's whole interaction: the dialog, OK, then the save dialog; the banner text names
    // the file, and the file reads back.
    void theWholeInteraction()
    {
        const Config::FunctionConfig config = richConfig();
        const QString path = m_dir.filePath(u"interactive.yaml"_qs);
        bool sawDialog = false, sawFileDialog = false;
        QTimer driver;
        driver.setInterval(20);
        QObject::connect(&driver, &QTimer::timeout, [&]() {
            QWidget *modal = QApplication::activeModalWidget();
            if (auto *dialog = qobject_cast<Ui::ExportConfigDialog *>(modal);
                dialog && !sawDialog) {
                sawDialog = true;
                fill(*dialog, Config::ExportFormat::Fc);
                dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
            } else if (auto *files = qobject_cast<QFileDialog *>(modal); files && !sawFileDialog) {
                sawFileDialog = true;
                // Typed as a user types it: selectFile() alone races the dialog's loading of its
                // folder, after which the suggested name came back.
                files->selectFile(path);
                if (auto *name = files->findChild<QLineEdit *>(u"fileNameEdit"_qs))
                    name->setText(path);
                static_cast<QDialog *>(files)->accept(); // QFileDialog::accept() is protected
            }
        });
        driver.start();
        QApplication::setAttribute(Qt::AA_DontUseNativeDialogs);
        auto text = Ui::exportConfigInteractively(nullptr, config);
        driver.stop();
        QVERIFY(sawDialog && sawFileDialog);
        QVERIFY2(text, text ? "" : qPrintable(text.error().message));
        QVERIFY2(text->contains(u"interactive.yaml"_qs), qPrintable(*text));
        auto back = Config::loadConfigFile(path);
        QVERIFY2(back, back ? "" : qPrintable(back.error().message));
        QVERIFY(*back == config);
        QCOMPARE(*Config::detectConfigFormat(path), Config::ConfigFormat::ServerlessDevsFc);
    }
};

QTEST_MAIN(TestExportConfigDialog)
#include "TestExportConfigDialog.moc"
