#include <QApplication>
#include <QPlainTextEdit>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

#include "Screenshots.h"

#include "invoke/InvokePanel.h"
#include "invoke/ResponseView.h"
#include "runtime/FunctionImage.h"
#include "sandbox/Sandbox.h"
#include "session/FunctionSession.h"
#include "SandboxTestSupport.h"

using namespace Fcemu;

// Send ×N against a real FunctionSession running the sample web image: the panel's
// bookkeeping (N requests, at most C in flight, one more submitted as each finishes).
class TestInvokePanelSession final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(u"fcemu-tests"_qs);
        QCoreApplication::setApplicationName(u"test_invoke_panel_session"_qs);
        FCEMU_REQUIRE_SANDBOX();
        QVERIFY(m_cache.isValid());
        qputenv("FCEMU_CACHE_DIR", m_cache.path().toUtf8());
        Runtime::PrepareOptions options;
        options.cacheDirectory = m_cache.path();
        auto prepared = Runtime::prepareImage(m_imagePath, {}, options);
        QVERIFY2(prepared, prepared ? "" : qPrintable(prepared.error().message));
        m_image = *prepared;
    }

    void sendManyKeepsAtMostCInFlight()
    {
        Session::FunctionSession session;
        session.setPreferredEndpoint(QHostAddress::LocalHost, 18400);
        Config::FunctionConfig config;
        config.name = u"invoke-panel-fn"_qs;
        config.instanceConcurrency = 2;
        config.maxInstances = 3;
        config.timeoutS = 30;

        // Connected before the panel exists, so for each finished record this runs before the
        // panel's slot submits the next request: the count never includes a request that
        // replaces one not yet counted out.
        QSet<QString> sent;
        QSet<QString> inFlight;
        int maxInFlight = 0;
        QList<Telemetry::InvocationRecord> finished;
        connect(&session, &Session::FunctionSession::invocationFinished, this,
                [&](const Telemetry::InvocationRecord &record) {
                    if (inFlight.remove(record.requestId))
                        finished.append(record);
                });

        QVERIFY(session.load(m_imagePath, config, m_image));
        Ui::InvokePanel panel(&session);
        int panelMaxInFlight = 0;
        connect(&panel, &Ui::InvokePanel::requestSent, this, [&](const QString &id) {
            QVERIFY(!sent.contains(id));
            sent.insert(id);
            inFlight.insert(id);
            maxInFlight = std::max(maxInFlight, int(inFlight.size()));
            panelMaxInFlight = std::max(panelMaxInFlight, panel.batchInFlight() + 1);
        });
        auto *tabs = panel.findChild<QTabWidget *>(u"requestTabs"_qs);
        QVERIFY(tabs->isTabEnabled(1)); // web-server mode: HTTP available
        panel.setMode(Ui::InvokePanel::Mode::Http);
        QCOMPARE(panel.mode(), Ui::InvokePanel::Mode::Http);
        // Each request holds its slot for 400 ms, so the three overlap.
        panel.setHttpRequest("GET", "/", "sleep=400");

        panel.sendMany(6, 3);
        QVERIFY(panel.isBatchRunning());
        QCOMPARE(sent.size(), 3);
        QCOMPARE(panel.progressText(), u"0 of 6 done, 3 in flight"_qs);
        QTRY_VERIFY_WITH_TIMEOUT(!panel.isBatchRunning(), 180'000);

        QCOMPARE(sent.size(), 6);
        QCOMPARE(finished.size(), 6);
        QCOMPARE(maxInFlight, 3);
        QVERIFY(panelMaxInFlight <= 3);
        QCOMPARE(panel.batchDone(), 6);
        QCOMPARE(panel.batchInFlight(), 0);
        QSet<QString> instances;
        for (const Telemetry::InvocationRecord &r : std::as_const(finished)) {
            QCOMPARE(r.statusCode, 200);
            QCOMPARE(r.kind, u"http"_qs);
            instances.insert(r.instanceId);
        }
        // Concurrency 2 per instance and 3 in flight: at least a second instance started.
        QVERIFY2(instances.size() >= 2, qPrintable(QString::number(instances.size())));
        QVERIFY(instances.size() <= 3);
        QVERIFY2(panel.progressText().startsWith(u"6 of 6 done in "_qs),
                 qPrintable(panel.progressText()));
        QCOMPARE(panel.responseView()->statusText(), u"200 OK"_qs);
        int cold = 0;
        for (const Telemetry::InvocationRecord &r : std::as_const(finished))
            cold += r.coldStart ? 1 : 0;
        qInfo().noquote() << panel.progressText() << "on" << instances.size() << "instances,"
                          << cold << "cold starts";

        // Look at the composer and a real response, in a light and a dark palette.
        panel.setHttpRequest("POST", "/orders", "sleep=400", {{"Content-Type", "application/json"}},
                             "{\"item\": 42}");
        panel.resize(760, 860);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QCoreApplication::processEvents();
        QVERIFY(Test::saveScreenshot(&panel, u"fcemu-invoke-http-light.png"_qs));
        const QPalette light = QApplication::palette();
        QPalette dark;
        dark.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
        dark.setColor(QPalette::WindowText, QColor(0xe0, 0xe0, 0xe0));
        dark.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
        dark.setColor(QPalette::Text, QColor(0xe0, 0xe0, 0xe0));
        dark.setColor(QPalette::Button, QColor(0x3a, 0x3a, 0x3a));
        dark.setColor(QPalette::ButtonText, QColor(0xe0, 0xe0, 0xe0));
        dark.setColor(QPalette::PlaceholderText, QColor(0x9a, 0x9a, 0x9a));
        QApplication::setPalette(dark);
        QCoreApplication::processEvents();
        QVERIFY(Test::saveScreenshot(&panel, u"fcemu-invoke-http-dark.png"_qs));
        QApplication::setPalette(light);

        // Send (Ctrl+Return) sends one event on the event tab.
        panel.setMode(Ui::InvokePanel::Mode::Event);
        panel.show();
        QVERIFY(QTest::qWaitForWindowActive(&panel));
        panel.eventEditor()->setFocus();
        panel.eventEditor()->setPlainText(u"hello event"_qs);
        QSignalSpy one(&panel, &Ui::InvokePanel::requestSent);
        QTest::keyClick(panel.eventEditor(), Qt::Key_Return, Qt::ControlModifier);
        QCOMPARE(one.count(), 1);
        const QString id = one.at(0).at(0).toString();
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 7, 60'000);
        QCOMPARE(finished.last().requestId, id);
        QCOMPARE(finished.last().body, QByteArray("hello event")); // the sample echoes events
        QCOMPARE(panel.responseView()->bodyText(), u"hello event"_qs);

        // Switching web-server mode off (reconfigure emits endpointChanged) disables HTTP and
        // says why; switching it back on enables it again.
        panel.setMode(Ui::InvokePanel::Mode::Http);
        Config::FunctionConfig job = config;
        job.webServerMode = false;
        QVERIFY(session.reconfigure(job));
        QVERIFY(!tabs->isTabEnabled(1));
        QCOMPARE(panel.mode(), Ui::InvokePanel::Mode::Event);
        QCOMPARE(tabs->tabToolTip(1),
                 u"HTTP requests need web-server mode: this function runs as a job (web-server "
                 u"mode off), which takes events only."_qs);
        QVERIFY(session.reconfigure(config));
        QVERIFY(tabs->isTabEnabled(1));
    }

private:
    QTemporaryDir m_cache;
    QString m_imagePath =
        qEnvironmentVariable("FCEMU_TEST_BINARY_DIR") + u"/resources/samples/fc-sample-web.tar"_qs;
    std::shared_ptr<Runtime::PreparedImage> m_image;
};

QTEST_MAIN(TestInvokePanelSession)
#include "TestInvokePanelSession.moc"
