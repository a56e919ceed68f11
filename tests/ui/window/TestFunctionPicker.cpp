// The desktop app and an s.yaml of several functions (ui/window/MainWindowFunctions.cpp): the
// picker above the request list lists them, and choosing one loads it — its settings, and its
// own image when the file names another — with every panel following it. Offscreen; no
// function is invoked (loading needs no sandbox).
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "session/FunctionSession.h"
#include "settings/FunctionSettingsForm.h"
#include "window/MainWindow.h"

using namespace Fcemu;

namespace {

QString sample(const QString &name)
{
    return qEnvironmentVariable("FCEMU_TEST_BINARY_DIR") + u"/resources/samples/"_qs + name;
}

} // namespace

class TestFunctionPicker final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    QString write(const QString &name, const QByteArray &text)
    {
        const QString path = m_dir.filePath(name);
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly))
            qFatal("cannot write %s", qPrintable(path));
        file.write(text);
        return path;
    }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(u"fcemu-test"_qs);
        QCoreApplication::setApplicationName(u"fcemu-test-picker"_qs);
        QVERIFY(m_dir.isValid());
        qputenv("FCEMU_CACHE_DIR", m_dir.filePath(u"cache"_qs).toUtf8());
    }

    void pickerFollowsTheChosenFunction()
    {
        // front and admin share the web image; worker is a job with its own image.
        const QString yaml = write(
            u"s.yaml"_qs, QStringLiteral(R"(edition: 3.0.0
name: three
vars:
  fcemu:
    worker: {webServerMode: false}
resources:
  front:
    component: fc3
    props: {functionName: front, runtime: custom-container, memorySize: 256,
            customContainerConfig: {image: %1}}
  admin:
    component: fc3
    props: {functionName: admin, runtime: custom-container, memorySize: 1024,
            customContainerConfig: {image: %1}}
  worker:
    component: fc3
    props: {functionName: worker, runtime: custom-container, memorySize: 128,
            customContainerConfig: {image: %2}}
)")
                              .arg(sample(u"fc-sample-web.tar"_qs), sample(u"fc-sample-job.tar"_qs))
                              .toUtf8());
        Ui::MainWindow window;
        window.session()->setPreferredEndpoint(QHostAddress::LocalHost, 0);
        window.resize(1280, 800);
        window.show();
        auto *bar = window.findChild<QWidget *>(u"functionBar"_qs);
        auto *picker = window.findChild<QComboBox *>(u"functionPicker"_qs);
        QVERIFY(bar && picker);
        QVERIFY(!bar->isVisible());

        // Imported before any image: the picker lists every function, the first chosen.
        QVERIFY(window.importConfig(yaml));
        QVERIFY(bar->isVisible());
        QCOMPARE(window.configFunctions(), (QStringList{u"front"_qs, u"admin"_qs, u"worker"_qs}));
        QCOMPARE(window.currentConfigFunction(), u"front"_qs);

        // Choosing front opens the image the file names for it, with front's settings.
        QSignalSpy loaded(&window, &Ui::MainWindow::loaded);
        window.selectConfigFunction(u"front"_qs);
        QVERIFY(loaded.wait(60000));
        QCOMPARE(window.session()->imagePath(), sample(u"fc-sample-web.tar"_qs));
        QCOMPARE(window.session()->config().name, u"front"_qs);
        QCOMPARE(window.session()->config().memoryMB, 256);
        QCOMPARE(window.settingsForm()->config().name, u"front"_qs);
        QVERIFY(!window.session()->endpointUrl().isEmpty());

        // The user picks the next one, admin (the same image): its settings apply to the loaded
        // image at once, and the settings form shows admin.
        picker->setFocus();
        QTest::keyClick(picker, Qt::Key_Down);
        QCOMPARE(window.currentConfigFunction(), u"admin"_qs);
        QTRY_COMPARE(window.session()->config().name, u"admin"_qs);
        QCOMPARE(window.session()->config().memoryMB, 1024);
        QCOMPARE(window.settingsForm()->config().memoryMB, 1024);
        QCOMPARE(window.session()->imagePath(), sample(u"fc-sample-web.tar"_qs));
        QVERIFY(!window.session()->endpointUrl().isEmpty()); // (port 0 here: a new one)
        QCOMPARE(window.session()->records()->size(), 0);

        if (const QString shot = qEnvironmentVariable("FCEMU_PICKER_SCREENSHOT"); !shot.isEmpty())
            window.grab().save(shot);

        // Then worker: its own image, in non-web-server mode.
        QTest::keyClick(picker, Qt::Key_Down);
        QVERIFY(loaded.wait(60000));
        QCOMPARE(window.currentConfigFunction(), u"worker"_qs);
        QCOMPARE(window.session()->imagePath(), sample(u"fc-sample-job.tar"_qs));
        QCOMPARE(window.session()->config().name, u"worker"_qs);
        QVERIFY(!window.session()->config().webServerMode);
        QCOMPARE(window.settingsForm()->config().name, u"worker"_qs);

        // A file of one function needs no picker.
        const QString single = write(u"one.yaml"_qs, R"(edition: 3.0.0
name: one
resources:
  solo:
    component: fc3
    props: {functionName: solo, runtime: custom-container}
)");
        QVERIFY(window.importConfig(single));
        QVERIFY(!bar->isVisible());
        QCOMPARE(window.configFunctions(), QStringList());
        QCOMPARE(window.session()->config().name, u"solo"_qs);
    }
};

QTEST_MAIN(TestFunctionPicker)
#include "TestFunctionPicker.moc"
