// View ▸ Presentation against the real engine: the main window opens the built-in sample web
// function, View ▸ Presentation opens the full-screen view, and the built-in scenario (with a
// two-second idle timeout to keep the test short) plays itself through the Invoke panel's Send:
// a cold call, three warm calls on the same instance, the idle instance reclaimed, a cold call
// again, and a burst that starts more instances and meets 429. Leaving puts the function's own
// settings back. Starts instances: label sandbox.
#include <QAction>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "SandboxTestSupport.h"
#include "Screenshots.h"
#include "invoke/InvokePanel.h"
#include "presentation/ColdWarmCard.h"
#include "presentation/PresentationView.h"
#include "presentation/Scenario.h"
#include "presentation/ScenarioRunner.h"
#include "sandbox/Sandbox.h"
#include "session/FunctionSession.h"
#include "window/LayoutCheck.h"
#include "window/MainWindow.h"

using namespace Fcemu;

class TestPresentationSession final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(u"fcemu-test"_qs);
        QCoreApplication::setApplicationName(u"test_presentation_session"_qs);
        FCEMU_REQUIRE_SANDBOX();
        QVERIFY(m_cache.isValid());
        qputenv("FCEMU_CACHE_DIR", m_cache.path().toUtf8());
    }

    void defaultScenarioAgainstTheSample()
    {
        Ui::MainWindow window;
        window.session()->setPreferredEndpoint(QHostAddress::LocalHost, 0);
        window.show();
        QSignalSpy loaded(&window, &Ui::MainWindow::loaded);
        window.openSample();
        QVERIFY(loaded.wait(60000));
        const Config::FunctionConfig own = window.session()->config();

        auto *action = window.findChild<QAction *>(u"presentationAction"_qs);
        QVERIFY(action);
        QVERIFY(action->shortcuts().contains(QKeySequence(Qt::Key_F11)));
        action->trigger();
        auto *view = window.findChild<Ui::PresentationView *>();
        QVERIFY(view);
        QVERIFY(QTest::qWaitForWindowExposed(view));
        QVERIFY(view->isFullScreen() || view->isVisible());

        Ui::Scenario scenario = Ui::Scenario::builtIn();
        scenario.idleTimeoutS = 2;
        scenario.holdMs = 300;
        view->setScenario(scenario);
        // Sent by the Invoke panel: its response view shows the calls too.
        QSignalSpy sentByPanel(window.invokePanel(), &Ui::InvokePanel::requestSent);
        Ui::ScenarioRunner *runner = view->runner();
        runner->play();
        QCOMPARE(window.session()->config().idleTimeoutS, 2);
        QCOMPARE(window.session()->config().maxInstances, 3);
        QTRY_COMPARE_WITH_TIMEOUT(runner->state(), Ui::ScenarioRunner::State::Finished, 180'000);
        for (int step = 0; step < scenario.steps.size(); ++step)
            qInfo().noquote() << step + 1 << runner->resultText(step);

        const auto first = runner->stepRecords(0);
        QCOMPARE(first.size(), 1);
        QVERIFY(first.at(0).coldStart);
        QCOMPARE(first.at(0).statusCode, 200);
        const auto warm = runner->stepRecords(1);
        QCOMPARE(warm.size(), 3);
        for (const auto &r : warm) {
            QVERIFY2(!r.coldStart, qPrintable(runner->resultText(1)));
            QCOMPARE(r.instanceId, first.at(0).instanceId);
        }
        QVERIFY2(runner->resultText(2).startsWith(u"reclaimed after"_qs),
                 qPrintable(runner->resultText(2)));
        const auto again = runner->stepRecords(3);
        QCOMPARE(again.size(), 1);
        QVERIFY(again.at(0).coldStart);
        QVERIFY(again.at(0).instanceId != first.at(0).instanceId);
        const auto burst = runner->stepRecords(4);
        QCOMPARE(burst.size(), 10);
        int throttled = 0;
        QSet<QString> instances;
        for (const auto &r : burst) {
            if (r.statusCode == 429)
                ++throttled;
            else if (r.statusCode == 200)
                instances.insert(r.instanceId);
        }
        QVERIFY2(throttled >= 1, qPrintable(runner->resultText(4)));
        QVERIFY2(instances.size() >= 2, qPrintable(runner->resultText(4))); // scaled out
        QVERIFY(instances.size() <= 3);
        QVERIFY(runner->resultText(4).contains(u"refused with 429"_qs));
        QCOMPARE(sentByPanel.count(), 1 + 3 + 1 + 10);

        // The card compares the newest cold and warm calls of the session.
        QTRY_VERIFY(view->card()->comparison().factor > 1);
        QVERIFY(view->card()->factorText().startsWith(u"Cold took "_qs));
        QVERIFY(view->card()->whyText().contains(u"is not billed in fc2"_qs));

        // As a class sees it, at two projector sizes.
        for (const QSize size : {QSize(1280, 720), QSize(1920, 1080)}) {
            view->showNormal();
            view->resize(size);
            QTest::qWait(300);
            QStringList problems;
            for (const Ui::CutText &cut : Ui::findCutText(view))
                problems << cut.toString();
            QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
            QVERIFY(Test::saveScreenshot(view, QStringLiteral("fcemu-presentation-run-%1x%2.png")
                                                   .arg(size.width())
                                                   .arg(size.height())));
        }

        // Leaving puts the function's own settings back and unchecks the menu item.
        QTest::keyClick(view, Qt::Key_Escape);
        QVERIFY(!view->isVisible());
        QVERIFY(!action->isChecked());
        QVERIFY(window.session()->config() == own);
    }

private:
    QTemporaryDir m_cache;
};

QTEST_MAIN(TestPresentationSession)
#include "TestPresentationSession.moc"
