#include <QApplication>
#include <QDir>
#include <QFile>
#include <QPushButton>
#include <QTemporaryDir>
#include <QToolButton>
#include <QWheelEvent>
#include <QTest>

#include "Screenshots.h"

#include "inspectors/instances/InstanceTimeline.h"
#include "inspectors/instances/InstanceViewRange.h"
#include "inspectors/instances/InstancesInspector.h"
#include "inspectors/instances/OpenShell.h"
#include "session/FunctionSession.h"

using namespace Fcemu::Ui;
using Fcemu::Runtime::InstanceState;

namespace {

constexpr qint64 s = 1'000'000'000;

QPalette darkPalette()
{
    QPalette p;
    p.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
    p.setColor(QPalette::WindowText, QColor(0xe6, 0xe6, 0xe6));
    p.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
    p.setColor(QPalette::Text, QColor(0xe6, 0xe6, 0xe6));
    p.setColor(QPalette::PlaceholderText, QColor(0x8a, 0x8a, 0x8a));
    p.setColor(QPalette::Button, QColor(0x35, 0x35, 0x35));
    p.setColor(QPalette::ButtonText, QColor(0xe6, 0xe6, 0xe6));
    for (const QPalette::ColorRole role :
         {QPalette::ButtonText, QPalette::WindowText, QPalette::Text})
        p.setColor(QPalette::Disabled, role, QColor(0x80, 0x80, 0x80));
    return p;
}

QPushButton *button(QWidget *parent, const QString &text)
{
    const auto buttons = parent->findChildren<QPushButton *>();
    for (QPushButton *b : buttons)
        if (b->text() == text)
            return b;
    return nullptr;
}

} // namespace

class TestInstancesInspector final : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void recordsSessionStates();
    void countsAndAnimatesWhileRunning();
    void actionsNeedLoadedFunction();
    void shortensIds();
    void lanesAreFoundByPosition();
    void openShellRunsFcemuExecInTheDesktopTerminal();
    void rendersLightAndDark();
    void newestBurstIsFound_data();
    void newestBurstIsFound();
    void followsTheNewestBurst();
    void zoomAndPanStopFollowing();
    void idleLanesCountDownToReclaim();

private:
    Fcemu::Session::FunctionSession *m_session = nullptr;
    InstancesInspector *m_inspector = nullptr;
};

void TestInstancesInspector::init()
{
    m_session = new Fcemu::Session::FunctionSession;
    m_inspector = new InstancesInspector(m_session);
}

void TestInstancesInspector::cleanup()
{
    delete m_inspector;
    delete m_session;
}

void TestInstancesInspector::recordsSessionStates()
{
    emit m_session->instanceStateChanged(u"c-1"_qs, InstanceState::Starting, 5 * s);
    emit m_session->instanceStateChanged(u"c-1"_qs, InstanceState::Ready, 6 * s);
    QCOMPARE(m_inspector->timeline()->lanes().size(), 1);
    QCOMPARE(m_inspector->timeline()->lanes().first().segments.size(), 2);
}

void TestInstancesInspector::countsAndAnimatesWhileRunning()
{
    InstanceTimeline *timeline = m_inspector->timeline();
    QCOMPARE(m_inspector->countText(), u"0 instances running · 0 lanes"_qs);
    QVERIFY(!m_inspector->isAnimating());
    timeline->record(u"c-1"_qs, InstanceState::Starting, 1 * s);
    QCOMPARE(m_inspector->countText(), u"1 instance running · 1 lane"_qs);
    QVERIFY(m_inspector->isAnimating());
    timeline->record(u"c-2"_qs, InstanceState::Starting, 2 * s);
    QCOMPARE(m_inspector->countText(), u"2 instances running · 2 lanes"_qs);
    timeline->record(u"c-1"_qs, InstanceState::Stopped, 3 * s);
    QVERIFY(m_inspector->isAnimating());
    timeline->record(u"c-2"_qs, InstanceState::Stopped, 4 * s);
    QCOMPARE(m_inspector->countText(), u"0 instances running · 2 lanes"_qs);
    QVERIFY(!m_inspector->isAnimating());
}

void TestInstancesInspector::actionsNeedLoadedFunction()
{
    QPushButton *cold = button(m_inspector, u"Force cold start"_qs);
    QPushButton *stop = button(m_inspector, u"Stop all"_qs);
    QVERIFY(cold && stop);
    QVERIFY(!cold->isEnabled());
    QVERIFY(!stop->isEnabled());
}

void TestInstancesInspector::shortensIds()
{
    QCOMPARE(InstanceLanesView::shortId(u"c-6603951e-15f440b6-2df37e4bf046"_qs),
             u"c-…2df37e4bf046"_qs);
    QCOMPARE(InstanceLanesView::shortId(u"plain"_qs), u"plain"_qs);
}

void TestInstancesInspector::lanesAreFoundByPosition()
{
    InstanceTimeline *timeline = m_inspector->timeline();
    timeline->record(u"c-1-a"_qs, InstanceState::Starting, 1 * s);
    timeline->record(u"c-2-b"_qs, InstanceState::Starting, 2 * s);
    InstanceLanesView *view = m_inspector->lanesView();
    view->resize(600, 300);
    QVERIFY(!view->laneAt({50, 2}));   // the legend
    QVERIFY(!view->laneAt({50, 290})); // below the lanes
    const int top = 6 + 3 * (view->fontMetrics().height() + 4);
    const InstanceLane *first = view->laneAt({50, top + 4});
    const InstanceLane *second = view->laneAt({50, top + 22 + 4});
    QVERIFY(first && second);
    QCOMPARE(first->instanceId, u"c-1-a"_qs);
    QCOMPARE(second->instanceId, u"c-2-b"_qs);
    QCOMPARE(view->contextMenuPolicy(), Qt::CustomContextMenu);
}

void TestInstancesInspector::openShellRunsFcemuExecInTheDesktopTerminal()
{
    QTemporaryDir dir;
    const auto tool = [&dir](const QString &name) {
        QFile f(dir.filePath(name));
        f.open(QIODevice::WriteOnly);
        f.write("#!/bin/sh\n");
        f.close();
        f.setPermissions(QFileDevice::ReadOwner | QFileDevice::ExeOwner);
        return f.fileName();
    };
    QProcessEnvironment env;
    env.insert(u"PATH"_qs, dir.path());
    QVERIFY(shellInTerminal(u"c-1"_qs, env).program.isEmpty()); // no terminal at all
    const QString gnome = tool(u"gnome-terminal"_qs);
    TerminalLaunch launch = shellInTerminal(u"c-1"_qs, env);
    QCOMPARE(launch.program, gnome);
    QCOMPARE(launch.arguments, (QStringList{u"--"_qs, fcemuCommandPath(), u"exec"_qs, u"c-1"_qs}));
    const QString debian = tool(u"x-terminal-emulator"_qs);
    launch = shellInTerminal(u"c-1"_qs, env);
    QCOMPARE(launch.program, debian);
    QCOMPARE(launch.arguments.first(), u"-e"_qs);
    env.insert(u"TERMINAL"_qs, tool(u"my-term"_qs));
    QCOMPARE(shellInTerminal(u"c-1"_qs, env).program, dir.filePath(u"my-term"_qs));
}

void TestInstancesInspector::rendersLightAndDark()
{
    InstanceTimeline *timeline = m_inspector->timeline();
    timeline->setPreStopConfigured(true);
    const QString a = u"c-6603951e-15f440b6-2df37e4bf046"_qs;
    const QString b = u"c-6603951f-15f440b6-9ab1c2d3e4f5"_qs;
    const QString c = u"c-66039520-15f440b6-0c0ffee00042"_qs;
    // a: cold start, two requests, idle, reclaimed with pre-stop.
    timeline->record(a, InstanceState::Starting, 0);
    timeline->record(a, InstanceState::Ready, s * 12 / 10);
    timeline->record(a, InstanceState::Busy, s * 13 / 10);
    timeline->record(a, InstanceState::Idle, 2 * s);
    timeline->record(a, InstanceState::Busy, 4 * s);
    timeline->record(a, InstanceState::Idle, s * 45 / 10);
    timeline->record(a, InstanceState::Stopping, 12 * s);
    timeline->record(a, InstanceState::Stopped, s * 125 / 10);
    // b: started under load, still busy.
    timeline->record(b, InstanceState::Starting, 3 * s);
    timeline->record(b, InstanceState::Ready, s * 42 / 10);
    timeline->record(b, InstanceState::Busy, s * 43 / 10);
    timeline->record(b, InstanceState::Idle, 6 * s);
    timeline->record(b, InstanceState::Busy, 13 * s);
    // c: starting now.
    timeline->record(c, InstanceState::Starting, 14 * s);
    m_inspector->lanesView()->setClock([] { return 15 * s; });
    m_inspector->resize(640, 260);
    m_inspector->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_inspector));
    QVERIFY(Fcemu::Test::saveScreenshot(m_inspector, u"instances-light.png"_qs));

    const QPalette light = QApplication::palette();
    QApplication::setPalette(darkPalette());
    QTRY_COMPARE(m_inspector->palette().color(QPalette::Base), QColor(0x1e, 0x1e, 0x1e));
    QVERIFY(Fcemu::Test::saveScreenshot(m_inspector, u"instances-dark.png"_qs));
    timeline->clear();
    QVERIFY(Fcemu::Test::saveScreenshot(m_inspector, u"instances-empty.png"_qs));
    QApplication::setPalette(light);
}

void TestInstancesInspector::newestBurstIsFound_data()
{
    QTest::addColumn<QList<qint64>>("busy"); // start, end pairs (end -1: still busy)
    QTest::addColumn<qint64>("now");
    QTest::addColumn<qint64>("burst"); // -1: none
    QTest::addRow("no busy segment: no burst") << QList<qint64>{} << 10 * s << qint64(-1);
    QTest::addRow("one call: its start") << QList<qint64>{3 * s, 4 * s} << 10 * s << 3 * s;
    QTest::addRow("calls 1 s apart chain into one burst")
        << QList<qint64>{1 * s, 2 * s, 3 * s, 4 * s, 5 * s, 6 * s} << 10 * s << 1 * s;
    QTest::addRow("a 30 s quiet spell starts a new burst")
        << QList<qint64>{1 * s, 2 * s, 32 * s, 33 * s, 34 * s, -1} << 40 * s << 32 * s;
}

void TestInstancesInspector::newestBurstIsFound()
{
    QFETCH(QList<qint64>, busy);
    QFETCH(qint64, now);
    QFETCH(qint64, burst);
    QList<InstanceLane> lanes;
    for (int i = 0; i + 1 < busy.size(); i += 2) {
        InstanceLane lane;
        lane.instanceId = u"c-"_qs + QString::number(i);
        lane.segments = {{InstanceState::Busy, busy.at(i), busy.at(i + 1)}};
        lanes.append(lane);
    }
    const std::optional<qint64> found = newestBurstStartNs(lanes, now);
    QCOMPARE(found.value_or(-1), burst);
}

// One instance served a call a minute ago and stopped; a burst of two starts now. The lanes
// show from just before the burst to now, and only the burst's lanes.
void TestInstancesInspector::followsTheNewestBurst()
{
    InstanceTimeline *timeline = m_inspector->timeline();
    InstanceLanesView *view = m_inspector->lanesView();
    timeline->record(u"c-old"_qs, InstanceState::Starting, 0);
    timeline->record(u"c-old"_qs, InstanceState::Busy, 1 * s);
    timeline->record(u"c-old"_qs, InstanceState::Idle, 2 * s);
    timeline->record(u"c-old"_qs, InstanceState::Stopped, 10 * s);
    timeline->record(u"c-b"_qs, InstanceState::Starting, 60 * s);
    timeline->record(u"c-b"_qs, InstanceState::Busy, 61 * s);
    timeline->record(u"c-c"_qs, InstanceState::Starting, 60 * s + s / 2);
    view->setClock([] { return 62 * s; });
    QVERIFY(view->isFollowing());
    const InstanceViewRange range = view->viewRange();
    QVERIFY2(range.startNs > 55 * s && range.startNs <= 60 * s,
             qPrintable(QString::number(double(range.startNs) / s)));
    QCOMPARE(range.endNs, 62 * s);
    QCOMPARE(view->visibleLanes(), (QList<int>{1, 2}));
    // The whole session shows every lane again.
    view->showAll();
    QVERIFY(!view->isFollowing());
    QCOMPARE(view->viewRange().startNs, 0);
    QCOMPARE(view->visibleLanes(), (QList<int>{0, 1, 2}));
    m_inspector->resize(640, 260);
    m_inspector->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_inspector));
    QVERIFY(Fcemu::Test::saveScreenshot(m_inspector, u"instances-all.png"_qs));
    // The button follows again.
    auto *follow = m_inspector->findChild<QToolButton *>(u"followBurst"_qs);
    QVERIFY(follow && !follow->isChecked());
    follow->click();
    QVERIFY(view->isFollowing());
    QCOMPARE(view->visibleLanes(), (QList<int>{1, 2}));
    QVERIFY(Fcemu::Test::saveScreenshot(m_inspector, u"instances-burst.png"_qs));
}

void TestInstancesInspector::zoomAndPanStopFollowing()
{
    InstanceTimeline *timeline = m_inspector->timeline();
    InstanceLanesView *view = m_inspector->lanesView();
    timeline->record(u"c-1"_qs, InstanceState::Starting, 0);
    timeline->record(u"c-1"_qs, InstanceState::Busy, 1 * s);
    view->setClock([] { return 20 * s; });
    m_inspector->resize(640, 260);
    m_inspector->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_inspector));
    const InstanceViewRange before = view->viewRange();
    QCOMPARE(before.spanNs(), 20 * s);
    auto *follow = m_inspector->findChild<QToolButton *>(u"followBurst"_qs);
    auto *zoomIn = m_inspector->findChild<QToolButton *>(u"lanesZoomIn"_qs);
    QVERIFY(follow && zoomIn);
    zoomIn->click();
    QVERIFY(!view->isFollowing());
    QVERIFY(!follow->isChecked());
    QCOMPARE(view->viewRange().spanNs(), 10 * s); // around the middle
    QCOMPARE(view->viewRange().startNs, 5 * s);
    // Dragging to the left shows later times.
    const InstanceViewRange zoomed = view->viewRange();
    const QPoint from(view->width() - 60, view->height() - 10);
    QTest::mousePress(view, Qt::LeftButton, {}, from);
    QTest::mouseMove(view, from - QPoint(100, 0));
    QTest::mouseRelease(view, Qt::LeftButton, {}, from - QPoint(100, 0));
    QVERIFY(view->viewRange().startNs > zoomed.startNs);
    QCOMPARE(view->viewRange().spanNs(), zoomed.spanNs());
    // Ctrl+wheel zooms out around the pointer.
    QWheelEvent wheel(QPointF(view->width() / 2, 40),
                      view->mapToGlobal(QPointF(view->width() / 2, 40)), {}, QPoint(0, -120),
                      Qt::NoButton, Qt::ControlModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(view, &wheel);
    QVERIFY(view->viewRange().spanNs() > zoomed.spanNs());
}

void TestInstancesInspector::idleLanesCountDownToReclaim()
{
    InstanceTimeline *timeline = m_inspector->timeline();
    InstanceLanesView *view = m_inspector->lanesView();
    view->setIdleTimeoutS(180);
    timeline->expectProvisioned(1);
    timeline->record(u"c-kept"_qs, InstanceState::Starting, 0); // provisioned: first after load
    timeline->record(u"c-kept"_qs, InstanceState::Idle, 1 * s);
    timeline->record(u"c-idle"_qs, InstanceState::Starting, 2 * s);
    timeline->record(u"c-idle"_qs, InstanceState::Busy, 3 * s);
    timeline->record(u"c-idle"_qs, InstanceState::Idle, 4 * s);
    timeline->record(u"c-busy"_qs, InstanceState::Starting, 4 * s);
    timeline->record(u"c-busy"_qs, InstanceState::Busy, 5 * s);
    view->setClock([] { return 5 * s; });
    const QList<InstanceLane> &lanes = timeline->lanes();
    QVERIFY(lanes.at(0).provisioned);
    QVERIFY(!lanes.at(1).provisioned);
    QCOMPARE(view->laneNote(lanes.at(0)), u"kept (provisioned)"_qs);
    QCOMPARE(view->laneNote(lanes.at(1)), u"reclaim in 2:59"_qs); // idle since 4 s, 180 s
    QCOMPARE(view->laneNote(lanes.at(2)), QString());
    view->setClock([] { return 180 * s; });
    QCOMPARE(view->laneNote(lanes.at(1)), u"reclaim in 4 s"_qs);
    view->setClock([] { return 200 * s; });
    QCOMPARE(view->laneNote(lanes.at(1)), u"reclaim due"_qs);
    QCOMPARE(reclaimCountdown(61 * s), u"reclaim in 1:01"_qs);
}

QTEST_MAIN(TestInstancesInspector)
#include "TestInstancesInspector.moc"
