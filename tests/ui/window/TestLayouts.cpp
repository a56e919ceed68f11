// The main window's default layout at the screen sizes people have (issue 13 item 4): 1280×720,
// 1366×768, 1920×1080 and 2560×1440, and 1280×720 at QT_SCALE_FACTOR=2 (640×360 logical). At
// each, with a session's worth of calls shown (a cold call, warm calls, a timeout, log lines,
// instance lanes), every dock is raised in turn and no label, button, header section, tab or
// dock title may be cut (Ui::findCutText), the request list's waterfall column must be on
// screen, and the window must not be wider or taller than the screen. No sandbox: the records
// are put into the session's store as the engine would.
#include <QDockWidget>
#include <QHeaderView>
#include <QLabel>
#include <QMainWindow>
#include <QScrollArea>
#include <QSettings>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>

#include "Screenshots.h"
#include "inspectors/instances/InstanceTimeline.h"
#include "inspectors/instances/InstancesInspector.h"
#include "requests/RequestListView.h"
#include "requests/RequestModel.h"
#include "runtime/InstanceSetup.h"
#include "session/FunctionSession.h"
#include "window/LayoutCheck.h"
#include "window/MainWindow.h"

using namespace Fcemu;

namespace {

Telemetry::InvocationRecord call(int n, bool cold, const QDateTime &at)
{
    Telemetry::InvocationRecord r;
    r.requestId = QStringLiteral("1-6603951e-157f3f32-7fe6f248d7d%1").arg(n);
    r.instanceId = u"c-6603951e-15f440b6-2df37e4bf046"_qs;
    r.kind = u"http"_qs;
    r.coldStart = cold;
    r.startedAt = at;
    r.startedNs = Runtime::monotonicNs();
    Telemetry::ClientRequest client;
    client.method = u"GET"_qs;
    client.target = u"/api/items?page="_qs + QString::number(n);
    client.headers = {{"Host", "127.0.0.1:8000"}, {"Accept", "*/*"}};
    r.client = client;
    r.requestHeaders = client.headers;
    r.requestHeaders.append({QByteArray("x-fc-request-id"), r.requestId.toUtf8()});
    r.requestHeaders.append({QByteArray("x-fc-function-initializer"), QByteArray()});
    r.requestHeaders.append({QByteArray("x-fc-function-memory"), QByteArray("512")});
    r.responseHeaders = {{"Content-Type", "application/json"},
                         {"X-Fc-Request-Id", r.requestId.toUtf8()}};
    r.body = R"({"ok":true})";
    r.logs = {u"FC Invoke Start RequestId: "_qs + r.requestId, u"served /api/items"_qs,
              u"FC Invoke End RequestId: "_qs + r.requestId};
    r.timings.invokeMs = 18.4;
    r.timings.sendMs = 0.1;
    r.timings.waitMs = 18.2;
    r.timings.receiveMs = 0.1;
    if (cold) {
        r.timings.pullMs = 9.1;
        r.timings.unpackMs = 91.7;
        r.timings.sandboxMs = 50.9;
        r.timings.startupMs = 77.5;
    }
    r.timings.totalMs = r.timings.invokeMs + r.timings.pullMs + r.timings.unpackMs +
                        r.timings.sandboxMs + r.timings.startupMs;
    if (n == 3) { // a timeout: FC answers 200 with X-Fc-Error-Type
        r.error = Telemetry::InvocationError{u"FunctionTimeoutError"_qs,
                                             u"Function timed out after 3 seconds"_qs};
        r.timings.invokeMs = r.timings.totalMs = 3000;
    }
    r.memorySizeMB = 512;
    r.maxUsedMB = 13.16;
    r.memoryAccounting = u"cgroup-v1"_qs;
    Billing::InvocationUsage usage;
    usage.memoryMB = 512;
    usage.vcpu = 0.35;
    usage.diskMB = 512;
    usage.durationMs = r.timings.invokeMs;
    usage.imageCached = !cold;
    usage.pullMs = r.timings.pullMs;
    r.billingUsage = usage;
    r.billing = Billing::charge(usage, r.billingOptions, Billing::PriceTable::builtIn());
    return r;
}

// Fills the window's session as a short session would.
void fill(Ui::MainWindow &window)
{
    Session::FunctionSession *session = window.session();
    const QDateTime start = QDateTime::currentDateTime();
    const QString instance = u"c-6603951e-15f440b6-2df37e4bf046"_qs;
    const qint64 ns = Runtime::monotonicNs();
    emit session->instanceStateChanged(instance, Runtime::InstanceState::Starting, ns);
    emit session->instanceStateChanged(instance, Runtime::InstanceState::Busy, ns + 200'000'000);
    for (int n = 0; n < 6; ++n) {
        Telemetry::InvocationRecord record = call(n, n == 0, start.addMSecs(n * 300));
        for (const QString &line : std::as_const(record.logs))
            emit session->logLine(record.requestId, instance, record.startedAt.toMSecsSinceEpoch(),
                                  line);
        session->records()->append(record);
        emit session->invocationFinished(session->records()->at(n));
    }
    emit session->instanceStateChanged(instance, Runtime::InstanceState::Idle, ns + 900'000'000);
}

// Each dock of a tab group raised in turn (the check sees only what is shown).
const QList<QStringList> kViews = {
    {u"invokeDock"_qs, u"headersDock"_qs, u"logsDock"_qs},
    {u"settingsDock"_qs, u"timingDock"_qs, u"instancesDock"_qs},
    {u"invokeDock"_qs, u"billingDock"_qs, u"logsDock"_qs},
    {u"settingsDock"_qs, u"headersDock"_qs, u"imageDock"_qs},
};

void raise(QMainWindow &window, const QStringList &docks)
{
    for (const QString &name : docks) {
        auto *dock = window.findChild<QDockWidget *>(name);
        QVERIFY2(dock, qPrintable(name));
        dock->raise();
    }
    QTest::qWait(60); // layouts settle through posted events
}

QString report(const QList<Ui::CutText> &cuts)
{
    QStringList lines;
    for (const Ui::CutText &cut : cuts)
        lines << cut.toString();
    return lines.join(u'\n');
}

} // namespace

class TestLayouts final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(u"fcemu-test-layouts"_qs);
        QCoreApplication::setApplicationName(u"fcemu-test-layouts"_qs);
        QSettings().clear();
    }

    void nothingIsCut_data()
    {
        QTest::addColumn<QSize>("size");
        QTest::addRow("1280x720 laptop") << QSize(1280, 720);
        QTest::addRow("1366x768 laptop") << QSize(1366, 768);
        QTest::addRow("1920x1080 desktop") << QSize(1920, 1080);
        QTest::addRow("2560x1440 desktop") << QSize(2560, 1440);
    }

    // The default layout at each size: nothing cut, the waterfall on screen, the request list
    // and Logs with usable room.
    void nothingIsCut()
    {
        QFETCH(QSize, size);
        QSettings().clear();
        Ui::MainWindow window;
        window.resize(size);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.applyDefaultDockSizes(size);
        fill(window);
        window.requestList()->selectRequest(window.session()->records()->at(0).requestId);
        QTest::qWait(250); // the inspectors redraw at most every 200 ms
        QCOMPARE(window.size(), size);
        for (auto *dock : window.findChildren<QDockWidget *>())
            qInfo() << dock->objectName() << "minimum" << dock->minimumSizeHint() << "panel"
                    << static_cast<QScrollArea *>(dock->widget())->widget()->minimumSizeHint()
                    << "size" << dock->size();

        for (const QStringList &view : kViews) {
            raise(window, view);
            const QList<Ui::CutText> cuts = Ui::findCutText(&window);
            Test::saveScreenshot(&window, QStringLiteral("layout-%1x%2-%3.png")
                                              .arg(size.width())
                                              .arg(size.height())
                                              .arg(view.at(1)));
            if (!cuts.isEmpty())
                qWarning().noquote() << view.join(u", "_qs) + u":\n"_qs + report(cuts);
            QVERIFY2(cuts.isEmpty(), qPrintable(QStringLiteral("%1 cut").arg(cuts.size())));
        }

        // The waterfall column is whole on screen.
        QTableView *table = window.requestList()->table();
        QHeaderView *header = table->horizontalHeader();
        const int x = header->sectionViewportPosition(Ui::RequestModel::Timeline);
        QVERIFY2(x >= 0 && x + header->sectionSize(Ui::RequestModel::Timeline) <=
                               table->viewport()->width(),
                 qPrintable(QStringLiteral("waterfall at %1..%2 of %3 px")
                                .arg(x)
                                .arg(x + header->sectionSize(Ui::RequestModel::Timeline))
                                .arg(table->viewport()->width())));
        // Room to work: the list shows ~10 rows and ~500 px, Logs a dozen lines.
        QVERIFY2(window.requestList()->width() >= std::min(470, size.width() * 36 / 100),
                 qPrintable(QString::number(window.requestList()->width())));
        auto *logs = window.findChild<QDockWidget *>(u"logsDock"_qs);
        QVERIFY2(logs->height() >= 160, qPrintable(QString::number(logs->height())));
    }

    // QT_SCALE_FACTOR=2 on a 1280×720 screen leaves 640×360 logical pixels: the window still
    // fits (every panel scrolls rather than pushing the window past the screen), the request
    // list keeps its waterfall, and every dock can be reached.
    void highDpiSmallScreenStillFits()
    {
        const QSize size(640, 360);
        QSettings().clear();
        Ui::MainWindow window;
        window.resize(size);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.applyDefaultDockSizes(size);
        fill(window);
        QTest::qWait(250);
        QVERIFY2(window.minimumSizeHint().width() <= size.width() &&
                     window.minimumSizeHint().height() <= size.height(),
                 qPrintable(QStringLiteral("minimum %1x%2")
                                .arg(window.minimumSizeHint().width())
                                .arg(window.minimumSizeHint().height())));
        QCOMPARE(window.size(), size);
        for (const QStringList &view : kViews) {
            raise(window, view);
            // Nothing is outside the window: what does not fit scrolls inside its dock.
            for (const Ui::CutText &cut : Ui::findCutText(&window))
                QVERIFY2(!cut.why.startsWith(u"cut off"_qs) || cut.where.contains(u"Dock > "_qs),
                         qPrintable(cut.toString()));
            for (const QString &name : view) {
                auto *dock = window.findChild<QDockWidget *>(name);
                QVERIFY2(dock->isVisible() && dock->width() >= 150 && dock->height() >= 100,
                         qPrintable(name));
            }
            Test::saveScreenshot(&window, QStringLiteral("layout-640x360-%1.png").arg(view.at(1)));
        }
        QVERIFY(window.isCompactLayout());
        QVERIFY(window.requestList()->isVisible());
        QVERIFY(window.requestList()->width() >= 200);
        // The waterfall moves next to the time, so it stays on screen.
        QTableView *table = window.requestList()->table();
        QHeaderView *header = table->horizontalHeader();
        const int x = header->sectionViewportPosition(Ui::RequestModel::Timeline);
        QVERIFY2(
            x >= 0 &&
                x + header->sectionSize(Ui::RequestModel::Timeline) <= table->viewport()->width(),
            qPrintable(
                QStringLiteral("waterfall at %1 of %2 px").arg(x).arg(table->viewport()->width())));
    }

    // Zoom for a projector scales every panel and stays within the window.
    void zoomKeepsTheWindowOnScreen()
    {
        const QSize size(1280, 720);
        QSettings().clear();
        Ui::MainWindow window;
        window.resize(size);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.applyDefaultDockSizes(size);
        fill(window);
        const qreal base = window.font().pointSizeF();
        for (int i = 0; i < 5; ++i)
            window.zoomIn();
        QCOMPARE(window.zoomPercent(), 150);
        QVERIFY(qAbs(window.font().pointSizeF() - base * 1.5) < 0.01);
        QTest::qWait(100);
        QCOMPARE(window.size(), size);
        // What does not fit scrolls inside its dock; nothing leaves the window.
        for (const Ui::CutText &cut : Ui::findCutText(&window))
            QVERIFY2(!cut.why.startsWith(u"cut off"_qs) || cut.where.contains(u"Dock > "_qs),
                     qPrintable(cut.toString()));
        Test::saveScreenshot(&window, u"layout-1280x720-zoom150.png"_qs);
        window.resetZoom();
        QCOMPARE(window.zoomPercent(), 100);
    }

    // The check itself: a label narrower than its text is found, and one that elides on
    // purpose is not.
    void theCheckFindsCutText()
    {
        QMainWindow window;
        auto *dock = new QDockWidget(u"A dock with a title"_qs, &window);
        dock->setObjectName(u"testDock"_qs);
        auto *panel = new QWidget;
        panel->setMinimumSize(300, 100);
        auto *label = new QLabel(u"A label much wider than the room it is given"_qs, panel);
        label->setObjectName(u"wide"_qs);
        label->setGeometry(0, 0, 60, 20);
        auto *elided = new QLabel(u"Another label much wider than its room"_qs, panel);
        elided->setProperty("fcemuElides", true);
        elided->setGeometry(0, 30, 60, 20);
        dock->setWidget(panel);
        window.addDockWidget(Qt::LeftDockWidgetArea, dock);
        window.setCentralWidget(new QWidget);
        window.resize(400, 300);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const QList<Ui::CutText> cuts = Ui::findCutText(&window);
        QCOMPARE(cuts.size(), 1);
        QCOMPARE(cuts.first().where, u"testDock > QLabel#wide"_qs);
        QVERIFY(cuts.first().why.startsWith(u"needs"_qs));
    }
};

QTEST_MAIN(TestLayouts)
#include "TestLayouts.moc"
