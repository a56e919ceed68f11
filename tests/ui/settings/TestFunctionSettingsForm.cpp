#include <QAbstractItemModelTester>
#include <QApplication>
#include <QCheckBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include "Screenshots.h"

#include "config/ConfigFile.h"
#include "settings/FunctionSettingsForm.h"
#include "settings/FunctionSettingsStore.h"
#include "window/Theme.h"

using namespace Fcemu;
using Fcemu::Ui::darkPalette; // the app's own dark theme

namespace {

Config::FunctionConfig everythingChanged()
{
    Config::FunctionConfig c;
    c.name = u"orders-api"_qs;
    c.serviceName = u"shop"_qs;
    c.region = u"cn-shanghai"_qs; // no widget: must survive setConfig/config()
    c.handler = u"main.handler"_qs;
    c.memoryMB = 1024;
    c.cpu = 0.5;
    c.timeoutS = 60;
    c.caPort = 8080;
    c.webServerMode = true;
    c.command = {u"python3"_qs, u"app.py"_qs};
    c.args = {u"--port"_qs, u"8080"_qs};
    c.env = {{u"STAGE"_qs, u"test"_qs}, {u"GREETING"_qs, u"ni hao"_qs}};
    c.initializer = {u"init.handler"_qs, 10};
    c.preFreeze = {u"preFreeze"_qs, 5};
    c.preStop = {u"stop-it"_qs, 20};
    c.instanceConcurrency = 5;
    c.maxInstances = 4;
    c.provisioned = 1;
    c.idleTimeoutS = 300;
    c.instanceType = Config::InstanceType::Gpu;
    c.diskSizeMB = 10240;
    c.startupTimeoutS = 60;
    c.pullBandwidthMBps = 12.5;
    c.imageAcceleration = false; // both away from their defaults: the round trip keeps them
    c.profileStartup = true;
    c.billing = Config::BillingModel::Fc3;
    c.mounts = {{u"/tmp"_qs, u"/mnt/scratch"_qs, true, {}, {}}};
    c.nasConfig = {10003, 10003, {{u"abc.cn-hangzhou.nas.aliyuncs.com:/"_qs, u"/mnt/nas"_qs}}};
    c.nasRoot = u"/tmp"_qs;
    c.debugPorts = {9229};
    c.debugArgs = u"--inspect=0.0.0.0:9229"_qs;
    return c;
}

QPushButton *button(QWidget *form, const QString &text)
{
    for (QPushButton *b : form->findChildren<QPushButton *>())
        if (b->text() == text)
            return b;
    return nullptr;
}

} // namespace

class TestFunctionSettingsForm final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(u"fcemu-tests"_qs);
        QCoreApplication::setApplicationName(u"test_function_settings_form"_qs);
    }

    void init() { QSettings().clear(); }

    void roundTripsEveryOption()
    {
        Ui::FunctionSettingsForm form;
        const Config::FunctionConfig c = everythingChanged();
        form.setConfig(c);
        QCOMPARE(form.config(), c);
        QVERIFY(form.isValid());
        QVERIFY(!button(&form, u"Apply"_qs)->isEnabled()); // unchanged
        QVERIFY(!button(&form, u"Revert"_qs)->isEnabled());

        // Defaults too (cpu and pull bandwidth unset, no hooks, no command).
        form.setConfig(Config::FunctionConfig());
        QCOMPARE(form.config(), Config::FunctionConfig());
    }

    void invalidMemoryIsShownUnderItsField()
    {
        Ui::FunctionSettingsForm form;
        form.resize(600, 900);
        form.show();
        QVERIFY(QTest::qWaitForWindowExposed(&form));
        QPushButton *apply = button(&form, u"Apply"_qs);
        auto *memory = qobject_cast<QSpinBox *>(form.fieldWidget(u"memorySize"_qs));
        QVERIFY(memory);
        auto *message = form.findChild<QLabel *>(u"message:memorySize"_qs);
        QVERIFY(message);
        QVERIFY(!message->isVisible());

        // Typed, as a user does: every keystroke validates.
        memory->setFocus();
        memory->selectAll();
        QTest::keyClicks(memory, u"100"_qs);
        QCOMPARE(memory->value(), 100);
        const QString expected =
            u"--memory must be a multiple of 64 MB between 128 and 32768 (got 100)"_qs;
        QCOMPARE(form.messageFor(u"memorySize"_qs), expected);
        QVERIFY(message->isVisible());
        QCOMPARE(message->text(), expected);
        // Under the memory field: same cell, below the field's frame.
        QCOMPARE(message->parentWidget(), memory->parentWidget()->parentWidget());
        QVERIFY(message->geometry().top() >= memory->parentWidget()->geometry().bottom());
        QVERIFY(!form.isValid());
        QVERIFY(!apply->isEnabled());
        QCOMPARE(form.findChild<QLabel *>(u"summary"_qs)->text(), u"1 problem to fix"_qs);
        // Only the memory field complains.
        QCOMPARE(form.messageFor(u"cpu"_qs), QString());

        memory->selectAll();
        QTest::keyClicks(memory, u"1024"_qs);
        QCOMPARE(memory->value(), 1024);
        QCOMPARE(form.messageFor(u"memorySize"_qs), QString());
        QVERIFY(!message->isVisible());
        QVERIFY(form.isValid());
        QVERIFY(apply->isEnabled());
        QCOMPARE(form.findChild<QLabel *>(u"summary"_qs)->text(), u"Valid; not applied yet"_qs);

        QList<Config::FunctionConfig> applied;
        connect(&form, &Ui::FunctionSettingsForm::applied, this,
                [&](const Config::FunctionConfig &c) { applied.append(c); });
        QTest::mouseClick(apply, Qt::LeftButton);
        QCOMPARE(applied.size(), 1);
        QCOMPARE(applied.at(0).memoryMB, 1024);
        QCOMPARE(applied.at(0), form.config());
        QVERIFY(!apply->isEnabled()); // applied is the new unchanged state
    }

    void hooksNeedWebServerMode()
    {
        Ui::FunctionSettingsForm form;
        auto *web = qobject_cast<QCheckBox *>(form.fieldWidget(u"webServerMode"_qs));
        QVERIFY(web);
        web->setChecked(false);
        QVERIFY(form.isValid());
        QCheckBox *initializer = form.fieldWidget(u"initializer"_qs)->findChild<QCheckBox *>();
        QVERIFY(initializer);
        initializer->setChecked(true);
        QCOMPARE(form.config().initializer.handler, u"initializer"_qs);
        QCOMPARE(form.messageFor(u"initializer"_qs),
                 u"--initializer cannot be used with --web-server-mode false: without a web "
                 u"server FC calls no initializer or lifecycle hooks"_qs);
        web->setChecked(true);
        QCOMPARE(form.messageFor(u"initializer"_qs), QString());
    }

    void commandMustBeAJsonArray()
    {
        Ui::FunctionSettingsForm form;
        auto *command = qobject_cast<QLineEdit *>(form.fieldWidget(u"command"_qs));
        QVERIFY(command);
        command->setText(u"python3 app.py"_qs);
        QCOMPARE(form.messageFor(u"command"_qs),
                 u"--command must be a JSON array of strings, e.g. [\"python3\", \"app.py\"]"_qs);
        QVERIFY(!form.isValid());
        command->setText(u"[\"python3\", \"app.py\"]"_qs);
        QVERIFY(form.isValid());
        QCOMPARE(form.config().command, QStringList({u"python3"_qs, u"app.py"_qs}));
    }

    void environmentTable()
    {
        Ui::FunctionSettingsForm form;
        auto *table = form.fieldWidget(u"environmentVariables"_qs)->findChild<QTableWidget *>();
        QVERIFY(table);
        QAbstractItemModelTester tester(table->model(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy inserted(table->model(), &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(table->model(), &QAbstractItemModel::rowsRemoved);
        Config::FunctionConfig c;
        c.env = {{u"A"_qs, u"1"_qs}, {u"B"_qs, u"2"_qs}};
        form.setConfig(c);
        QCOMPARE(inserted.count(), 2);
        QCOMPARE(removed.count(), 0);
        QCOMPARE(table->rowCount(), 2);
        table->item(1, 0)->setText(u"FC_SECRET"_qs);
        QCOMPARE(form.messageFor(u"environmentVariables"_qs),
                 u"--env FC_SECRET: variable names starting with FC_ are reserved for FC's own "
                 u"variables; FC refuses them, pick another name"_qs);
        form.setConfig(Config::FunctionConfig());
        QCOMPARE(removed.count(), 1);
        QCOMPARE(table->rowCount(), 0);
    }

    void revertRestoresTheLastConfig()
    {
        Ui::FunctionSettingsForm form;
        form.setConfig(everythingChanged());
        qobject_cast<QSpinBox *>(form.fieldWidget(u"timeout"_qs))->setValue(0);
        QVERIFY(!form.isValid());
        QVERIFY(button(&form, u"Revert"_qs)->isEnabled());
        QTest::mouseClick(button(&form, u"Revert"_qs), Qt::LeftButton);
        QCOMPARE(form.config(), everythingChanged());
        QVERIFY(form.isValid());
    }

    void savesAndLoadsPerImage()
    {
        const Config::FunctionConfig c = everythingChanged();
        QVERIFY(!Ui::loadFunctionSettings(u"sha256:abc"_qs));
        Ui::saveFunctionSettings(u"sha256:abc"_qs, c);
        const auto loaded = Ui::loadFunctionSettings(u"sha256:abc"_qs);
        QVERIFY(loaded);
        QCOMPARE(*loaded, c);
        QCOMPARE(Ui::functionSettingsGroup(u"sha256:abc"_qs), u"functions/sha256:abc"_qs);

        // Paths are keys too, and "/tmp/a.tar" is not "tmp/a.tar".
        Config::FunctionConfig other;
        other.memoryMB = 2048;
        Ui::saveFunctionSettings(u"/tmp/a.tar"_qs, other);
        QVERIFY(!Ui::loadFunctionSettings(u"tmp/a.tar"_qs));
        QCOMPARE(Ui::loadFunctionSettings(u"/tmp/a.tar"_qs)->memoryMB, 2048);
        QCOMPARE(Ui::loadFunctionSettings(u"sha256:abc"_qs)->memoryMB, 1024);

        // A damaged entry reads as "nothing saved", not as an exception.
        QSettings().setValue(Ui::functionSettingsGroup(u"bad"_qs) + u"/config"_qs, u"{"_qs);
        QVERIFY(!Ui::loadFunctionSettings(u"bad"_qs));
    }

    void mountsRootsAndDebuggingAreShownAndEdited()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString data = QDir(dir.path()).canonicalPath() + u"/data"_qs;
        const QString nas = QDir(dir.path()).canonicalPath() + u"/nas"_qs;
        QVERIFY(QDir().mkpath(data) && QDir().mkpath(nas + u"/share/sub"_qs));
        const QString yaml = dir.filePath(u"s.yaml"_qs);
        {
            QFile f(yaml);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("edition: 3.0.0\n"
                    "resources:\n"
                    "  fn:\n"
                    "    component: fc3\n"
                    "    props:\n"
                    "      functionName: fn\n"
                    "      runtime: custom-container\n"
                    "      customContainerConfig: {image: x, port: 9000}\n"
                    "      nasConfig:\n"
                    "        userId: 10003\n"
                    "        groupId: 10003\n"
                    "        mountPoints:\n"
                    "          - {serverAddr: 'abc.nas.aliyuncs.com:/share/sub', "
                    "mountDir: /mnt/nas}\n");
        }
        const auto loaded = Config::loadConfigFile(yaml);
        QVERIFY2(loaded, loaded ? "" : qPrintable(loaded.error().message));
        QCOMPARE(loaded->ignoredProperties.size(), 1);

        Ui::FunctionSettingsForm form;
        form.setConfig(*loaded);
        QCOMPARE(form.config(), *loaded); // nothing of the file lost
        auto *nasRoot = form.fieldWidget(u"nasRoot"_qs)->findChild<QLineEdit *>();
        auto *ports = qobject_cast<QLineEdit *>(form.fieldWidget(u"debugPorts"_qs));
        auto *args = qobject_cast<QLineEdit *>(form.fieldWidget(u"debugArgs"_qs));
        auto *mounts = form.fieldWidget(u"mounts"_qs)->findChild<QTableWidget *>();
        auto *mode = qobject_cast<QLabel *>(form.fieldWidget(u"instanceMode"_qs));
        QVERIFY(nasRoot && ports && args && mounts && mode);
        QVERIFY2(mode->text().startsWith(u"Web server: requests go to port 9000"_qs),
                 qPrintable(mode->text()));
        QVERIFY(!mode->text().contains(u"Debugging"_qs));

        // A root whose mount point folder is missing: the message names both.
        nasRoot->setText(dir.path());
        QVERIFY(!form.isValid());
        QVERIFY2(form.messageFor(u"nasRoot"_qs)
                     .contains(u"abc.nas.aliyuncs.com:/share/sub (at /mnt/nas): the folder"_qs),
                 qPrintable(form.messageFor(u"nasRoot"_qs)));
        nasRoot->setText(nas);
        QCOMPARE(form.messageFor(u"nasRoot"_qs), QString());
        // The hint under it shows what the mount point became.
        QVERIFY(form.findChildren<QLabel *>().size() > 0);
        bool hinted = false;
        for (QLabel *label : form.findChildren<QLabel *>())
            hinted = hinted || label->text().contains(nas + u"/share/sub at /mnt/nas"_qs);
        QVERIFY(hinted);

        // Debug ports: a bad list is an issue under the field; a good one is taken.
        ports->setText(u"9229,abc"_qs);
        QVERIFY(form.messageFor(u"debugPorts"_qs).contains(u"ports 1-65535"_qs));
        ports->setText(u"9229, 5678"_qs);
        QCOMPARE(form.messageFor(u"debugPorts"_qs), QString());
        args->setText(u"--inspect=0.0.0.0:9229"_qs);
        QVERIFY(mode->text().contains(u"Debugging: FC's timeouts are suspended."_qs));

        // A --mount row, typed into the table.
        mounts->insertRow(0);
        mounts->setItem(0, 0, new QTableWidgetItem(data));
        mounts->setItem(0, 1, new QTableWidgetItem(u"/etc/x"_qs));
        auto *readOnly = new QTableWidgetItem;
        readOnly->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled);
        readOnly->setCheckState(Qt::Checked);
        mounts->setItem(0, 2, readOnly);
        QVERIFY(form.messageFor(u"mounts"_qs).contains(u"system folders"_qs));
        mounts->item(0, 1)->setText(u"/mnt/data"_qs);
        QCOMPARE(form.messageFor(u"mounts"_qs), QString());
        QVERIFY2(form.isValid(), qPrintable(form.findChild<QLabel *>(u"summary"_qs)->text()));

        const Config::FunctionConfig c = form.config();
        QCOMPARE(c.nasRoot, nas);
        QCOMPARE(c.ignoredProperties, QStringList()); // mapped now
        QCOMPARE(c.debugPorts, (QList<int>{9229, 5678}));
        QCOMPARE(c.debugArgs, u"--inspect=0.0.0.0:9229"_qs);
        const Config::MountSpec expected{data, u"/mnt/data"_qs, true, {}, {}};
        QCOMPARE(c.mounts, QList<Config::MountSpec>{expected});
        QCOMPARE(c.nasConfig, loaded->nasConfig);

        // Job mode: the debug port is refused as the command line refuses it.
        qobject_cast<QCheckBox *>(form.fieldWidget(u"webServerMode"_qs))->setChecked(false);
        QVERIFY(form.messageFor(u"debugPorts"_qs).contains(u"web-server mode"_qs));
        QVERIFY(mode->text().startsWith(u"Job:"_qs));
        qobject_cast<QCheckBox *>(form.fieldWidget(u"webServerMode"_qs))->setChecked(true);

        // Applied, saved and read back per image with all of it.
        QList<Config::FunctionConfig> applied;
        connect(&form, &Ui::FunctionSettingsForm::applied, this,
                [&](const Config::FunctionConfig &a) { applied.append(a); });
        QTest::mouseClick(button(&form, u"Apply"_qs), Qt::LeftButton);
        QCOMPARE(applied.size(), 1);
        Ui::saveFunctionSettings(u"sha256:mounts"_qs, applied.first());
        QCOMPARE(*Ui::loadFunctionSettings(u"sha256:mounts"_qs), applied.first());
        Ui::FunctionSettingsForm again;
        again.setConfig(applied.first());
        QCOMPARE(again.config(), applied.first());
    }

    void modeSaysHowMemoryIsLimited()
    {
        Config::FunctionConfig c;
        c.memoryMB = 1024;
        const QString cgroup = Ui::instanceModeText(c, u"cgroup-v2"_qs);
        QVERIFY2(cgroup.contains(u"Memory: 1024 MB, a cgroup v2 limit the kernel enforces"_qs),
                 qPrintable(cgroup));
        QVERIFY(cgroup.contains(u"CPU: 1 vCPU (nproc 1)."_qs));
        const QString polled = Ui::instanceModeText(c, u"polling"_qs, u"rootless"_qs);
        QVERIFY2(polled.contains(u"polled every 10 ms (no cgroup here: rootless); "
                                 u"/proc/meminfo shows 1024 MB"_qs),
                 qPrintable(polled));
        c.internetAccess = false;
        QVERIFY(Ui::instanceModeText(c, u"polling"_qs).contains(u"Network: loopback only."_qs));
    }

    void render()
    {
        for (const bool dark : {false, true}) {
            const QPalette saved = QApplication::palette();
            if (dark)
                QApplication::setPalette(darkPalette());
            {
                Ui::FunctionSettingsForm form;
                Config::FunctionConfig c = everythingChanged();
                c.memoryMB = 100;
                c.webServerMode = false;
                form.setConfig(c);
                form.resize(560, 2500);
                form.show();
                QVERIFY(QTest::qWaitForWindowExposed(&form));
                const QString path = u"fcemu-settings-%1.png"_qs.arg(dark ? u"dark" : u"light");
                QVERIFY(Test::saveScreenshot(&form, path));
            }
            QApplication::setPalette(saved);
        }
    }
};

QTEST_MAIN(TestFunctionSettingsForm)
#include "TestFunctionSettingsForm.moc"
