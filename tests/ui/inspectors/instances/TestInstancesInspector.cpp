#include <QApplication>
#include <QDir>
#include <QFile>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTest>

#include "Screenshots.h"

#include "inspectors/instances/InstanceTimeline.h"
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

QTEST_MAIN(TestInstancesInspector)
#include "TestInstancesInspector.moc"
