// View ▸ Presentation without an engine: the window at a projector's sizes (1280x720 and
// 1920x1080) with a session's calls in its store, nothing cut (Ui::findCutText), type larger
// than the desktop's; the narration edited in the steps table; a bad scenario file refused in
// one line; Esc leaves.
#include <QApplication>
#include <QLabel>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include "PresentationFixtures.h"
#include "Screenshots.h"
#include "inspectors/instances/InstanceTimeline.h"
#include "presentation/ColdWarmCard.h"
#include "presentation/PresentationView.h"
#include "presentation/Scenario.h"
#include "presentation/ScenarioRunner.h"
#include "session/FunctionSession.h"
#include "window/LayoutCheck.h"

using namespace Fcemu;
using Test::presentationCall;

class TestPresentationView final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void nothingCutAtProjectorSizes_data()
    {
        QTest::addColumn<QSize>("size");
        QTest::addRow("1280x720") << QSize(1280, 720);
        QTest::addRow("1920x1080") << QSize(1920, 1080);
    }

    void nothingCutAtProjectorSizes()
    {
        QFETCH(QSize, size);
        Session::FunctionSession session;
        Ui::InstanceTimeline timeline;
        // A cold call on one instance, three warm ones, a burst on three instances.
        const qint64 t0 = Runtime::monotonicNs();
        const QString a = u"c-6603951e-15f440b6-2df37e4bf046"_qs;
        timeline.record(a, Runtime::InstanceState::Starting, t0);
        timeline.record(a, Runtime::InstanceState::Busy, t0 + 1'200'000'000);
        timeline.record(a, Runtime::InstanceState::Idle, t0 + 1'240'000'000);
        session.records()->append(presentationCall(
            1,
            {.cold = true, .sandboxMs = 50, .startupMs = 1150, .initializeMs = 30, .waitMs = 39}));
        for (int n = 2; n <= 4; ++n)
            session.records()->append(presentationCall(n, {.queueMs = 0.2, .waitMs = 59}));
        session.records()->append(Test::throttledCall(5));

        Ui::PresentationView view(&session, &timeline, {});
        view.resize(size);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QTRY_COMPARE(view.card()->comparison().warm.has_value(), true);
        // Type for the back row: larger than the desktop's, more so on the larger screen.
        QVERIFY(view.font().pointSizeF() >= QApplication::font().pointSizeF() * 1.25);
        QCOMPARE(view.font().pointSizeF(),
                 QApplication::font().pointSizeF() * Ui::PresentationView::scaleFor(size.height()));
        QVERIFY(view.findChild<QLabel *>(u"narration"_qs)->font().pointSizeF() >
                view.font().pointSizeF());
        QVERIFY(!view.findChild<QWidget *>(u"play"_qs)->isEnabled()); // nothing loaded
        QVERIFY(view.findChild<QLabel *>(u"note"_qs)->text().startsWith(u"No function loaded"_qs));

        // The first steps as they look after running (results in the table).
        QCoreApplication::processEvents();
        QStringList problems;
        for (const Ui::CutText &cut : Ui::findCutText(&view))
            problems << cut.toString();
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
        // Every widget inside the window.
        for (const QWidget *w : view.findChildren<QWidget *>()) {
            if (!w->isVisibleTo(&view) || w->parentWidget() != &view)
                continue;
            const QRect r(w->mapTo(&view, QPoint(0, 0)), w->size());
            QVERIFY2(view.rect().contains(r), qPrintable(Ui::describeWidget(w)));
        }
        QVERIFY(Test::saveScreenshot(
            &view,
            QStringLiteral("fcemu-presentation-%1x%2.png").arg(size.width()).arg(size.height())));
    }

    void narrationIsEditedInTheTable()
    {
        Session::FunctionSession session;
        Ui::InstanceTimeline timeline;
        Ui::PresentationView view(&session, &timeline, {});
        auto *steps = view.findChild<QTableWidget *>(u"steps"_qs);
        QVERIFY(steps);
        QCOMPARE(steps->rowCount(), Ui::Scenario::builtIn().steps.size());
        QCOMPARE(steps->item(2, 0)->text(), u"3. Wait for reclaim"_qs);
        QCOMPARE(steps->item(4, 0)->text(), u"5. Burst ×10"_qs);
        steps->item(1, 1)->setText(u"Watch: no start-up this time."_qs);
        QCOMPARE(view.runner()->scenario().steps.at(1).narration,
                 u"Watch: no start-up this time."_qs);
        QVERIFY(!(steps->item(0, 0)->flags() & Qt::ItemIsEditable));

        // Saved with the teacher's words and read back.
        QTemporaryDir dir;
        const QString path = dir.filePath(u"mine.json"_qs);
        QVERIFY(view.saveScenario(path));
        auto loaded = Ui::loadScenario(path);
        QVERIFY(loaded);
        QCOMPARE(loaded->steps.at(1).narration, u"Watch: no start-up this time."_qs);
        Ui::Scenario other = *loaded;
        other.title = u"Other"_qs;
        other.steps.removeLast();
        QVERIFY(Ui::saveScenario(other, path));
        QVERIFY(view.openScenario(path));
        QCOMPARE(steps->rowCount(), 4);
        QCOMPARE(view.findChild<QLabel *>(u"title"_qs)->text(), u"Other"_qs);
    }

    void badFileShowsOneLine()
    {
        Session::FunctionSession session;
        Ui::PresentationView view(&session, nullptr, {});
        QTemporaryDir dir;
        const QString path = dir.filePath(u"broken.json"_qs);
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(R"({"fcemuScenario": 1, "steps": [{"kind": "dance"}]})");
        file.close();
        const auto before = view.runner()->scenario();
        QVERIFY(!view.openScenario(path));
        QCOMPARE(view.errorText(),
                 path + u": step 1: unknown kind \"dance\" (invoke, waitForReclaim or burst)"_qs);
        QCOMPARE(view.runner()->scenario(), before); // the scenario is kept
    }

    void escapeLeaves()
    {
        Session::FunctionSession session;
        Ui::PresentationView view(&session, nullptr, {});
        view.resize(800, 600);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        // Ctrl++ / Ctrl+- scale the presentation's own type.
        const qreal before = view.font().pointSizeF();
        view.zoomBy(1.1);
        QVERIFY(qAbs(view.font().pointSizeF() - before * 1.1) < 0.01);
        view.zoomBy(1 / 1.1);
        QVERIFY(qAbs(view.font().pointSizeF() - before) < 0.01);
        QSignalSpy closed(&view, &Ui::PresentationView::closed);
        QTest::keyClick(&view, Qt::Key_Escape);
        QCOMPARE(closed.count(), 1);
        QVERIFY(!view.isVisible());
    }
};

QTEST_MAIN(TestPresentationView)
#include "TestPresentationView.moc"
