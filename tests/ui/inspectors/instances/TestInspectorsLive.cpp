// The Logs, Billing and Instances inspectors on a real FunctionSession running the sample web
// function in the sandbox: two calls (one cold, one warm), then an idle reclaim with pre-stop.
// Skipped where user namespaces are unavailable, unless EMU_SANDBOX_MUST_WORK=1.
#include <QApplication>
#include <QDir>
#include <QHBoxLayout>
#include <QListView>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include "Screenshots.h"

#include "inspectors/billing/BillingInspector.h"
#include "inspectors/instances/InstanceTimeline.h"
#include "inspectors/instances/InstancesInspector.h"
#include "inspectors/logs/LogModel.h"
#include "inspectors/logs/LogsInspector.h"
#include "runtime/FunctionImage.h"
#include "sandbox/Sandbox.h"
#include "session/FunctionSession.h"
#include "SandboxTestSupport.h"

using namespace Fcemu;
using namespace Fcemu::Ui;
using Runtime::InstanceState;

class TestInspectorsLive final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_cache;
    std::shared_ptr<Runtime::PreparedImage> m_web;
    QString m_path;

private slots:
    void initTestCase();
    void followsRealSession();
};

void TestInspectorsLive::initTestCase()
{
    FCEMU_REQUIRE_SANDBOX();
    QVERIFY(m_cache.isValid());
    m_path =
        qEnvironmentVariable("FCEMU_TEST_BINARY_DIR") + u"/resources/samples/fc-sample-web.tar"_qs;
    Runtime::PrepareOptions options;
    options.cacheDirectory = m_cache.path();
    auto prepared = Runtime::prepareImage(m_path, {}, options);
    QVERIFY2(prepared, prepared ? "" : qPrintable(prepared.error().message));
    m_web = *prepared;
}

void TestInspectorsLive::followsRealSession()
{
    Session::FunctionSession session;
    session.setPreferredEndpoint(QHostAddress::LocalHost, 18600);
    QWidget window;
    auto *logs = new LogsInspector(&session, &window);
    auto *billing = new BillingInspector(&session, &window);
    auto *instances = new InstancesInspector(&session, &window);
    auto *layout = new QHBoxLayout(&window);
    layout->addWidget(logs, 3);
    layout->addWidget(billing, 2);
    layout->addWidget(instances, 2);
    window.resize(1500, 620);
    window.show();

    Config::FunctionConfig config;
    config.name = u"live-fn"_qs;
    config.timeoutS = 10;
    config.idleTimeoutS = 2;
    config.preStop.handler = u"pre-stop"_qs;
    const Status loaded = session.load(m_path, config, m_web);
    QVERIFY2(loaded, loaded ? "" : qPrintable(loaded.error().message));

    QSignalSpy finished(&session, &Session::FunctionSession::invocationFinished);
    const QString first = session.invokeEvent("cold call");
    QVERIFY(!first.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60'000);
    const QString second = session.invokeEvent("warm call");
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 60'000);

    // Logs: FC's framing of both calls, styled as framing, and the instance in the filter list.
    LogModel *model = logs->model();
    model->flush(); // the lines of the last turn

    QStringList starts;
    for (int row = 0; row < model->rowCount(); ++row)
        if (model->lineAt(row).kind == LogKind::Framing &&
            model->lineAt(row).text.startsWith(u"FC Invoke Start"_qs))
            starts << model->lineAt(row).requestId;
    QCOMPARE(starts, (QStringList{first, second}));
    QCOMPARE(model->instanceIds().size(), 1);
    logs->setSelectedRequest(second);
    logs->setFilterIndex(1);
    for (int row = 0; row < logs->view()->model()->rowCount(); ++row)
        QCOMPARE(logs->view()->model()->index(row, 0).data(LogModel::RequestIdRole).toString(),
                 second);

    // Billing: both calls in the session totals; the cold one's working shows its phases' cost.
    QCOMPARE(billing->totals().invocations(), 2);
    const Telemetry::InvocationRecord &cold = session.records()->at(0);
    QCOMPARE(cold.requestId, first);
    billing->showRecord(&cold);
    QVERIFY(!cold.billingWorking().isEmpty());
    QCOMPARE(billing->workingModel()->lines(), cold.billingWorking());
    QCOMPARE(billing->whatIfRows().size(), 9);
    QCOMPARE(billing->whatIfCurrentMB(), config.memoryMB);

    // Instances: one lane with a cold start, then (2 s idle) a reclaim with pre-stop.
    const QList<InstanceLane> &lanes = instances->timeline()->lanes();
    QCOMPARE(lanes.size(), 1);
    QCOMPARE(lanes.first().instanceId, model->instanceIds().first());
    QCOMPARE(lanes.first().markers.first().kind, InstanceMarkerKind::ColdStart);
    QVERIFY(instances->isAnimating());
    QTRY_COMPARE_WITH_TIMEOUT(instances->timeline()->lanes().first().state, InstanceState::Stopped,
                              30'000);
    QList<InstanceMarkerKind> kinds;
    for (const InstanceMarker &marker : instances->timeline()->lanes().first().markers)
        kinds << marker.kind;
    QCOMPARE(kinds,
             (QList<InstanceMarkerKind>{InstanceMarkerKind::ColdStart, InstanceMarkerKind::Reclaim,
                                        InstanceMarkerKind::PreStop, InstanceMarkerKind::Stopped}));
    QVERIFY(!instances->isAnimating());

    // A third call starts a new instance; "Force cold start" stops it: pre-stop as configured,
    // and no reclaim marker (the user asked for it).
    QTRY_COMPARE_WITH_TIMEOUT(session.instanceCount(), 0, 10'000);
    session.invokeEvent("after the reclaim");
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 3, 60'000);
    QCOMPARE(instances->timeline()->lanes().size(), 2);
    QPushButton *forceCold = nullptr;
    for (QPushButton *button : instances->findChildren<QPushButton *>())
        if (button->text() == u"Force cold start"_qs)
            forceCold = button;
    QVERIFY(forceCold && forceCold->isEnabled());
    forceCold->click();
    QTRY_COMPARE_WITH_TIMEOUT(instances->timeline()->lanes().at(1).state, InstanceState::Stopped,
                              30'000);
    kinds.clear();
    for (const InstanceMarker &marker : instances->timeline()->lanes().at(1).markers)
        kinds << marker.kind;
    QCOMPARE(kinds,
             (QList<InstanceMarkerKind>{InstanceMarkerKind::ColdStart, InstanceMarkerKind::PreStop,
                                        InstanceMarkerKind::Stopped}));
    // The next call is a cold start on a new instance.
    session.invokeEvent("cold again");
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 4, 60'000);
    QCOMPARE(instances->timeline()->lanes().size(), 3);
    QVERIFY(session.records()->at(3).coldStart);
    QCOMPARE(instances->timeline()->lanes().at(2).markers.first().kind,
             InstanceMarkerKind::ColdStart);

    logs->setFilterIndex(0);
    QVERIFY(Test::saveScreenshot(&window, u"live.png"_qs));

    // Another function: the session totals start again.
    config.name = u"other-fn"_qs;
    const Status reloaded = session.load(m_path, config, m_web);
    QVERIFY2(reloaded, reloaded ? "" : qPrintable(reloaded.error().message));
    QCOMPARE(billing->totals().invocations(), 0);
    QCOMPARE(billing->totalsText(u"Invocations"_qs), u"0"_qs);
}

QTEST_MAIN(TestInspectorsLive)
#include "TestInspectorsLive.moc"
