// The presentation's scenario file: the built-in scenario's steps, a round trip through JSON and
// a file, and bad files refused with one line that names the file and what is wrong.
#include <QFile>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

#include "presentation/Scenario.h"

using namespace Fcemu;
using Kind = Ui::ScenarioStep::Kind;

class TestScenario final : public QObject
{
    Q_OBJECT

private slots:
    void builtInIsTheLesson()
    {
        const Ui::Scenario s = Ui::Scenario::builtIn();
        QList<std::pair<Kind, int>> shape;
        for (const Ui::ScenarioStep &step : s.steps) {
            shape.append({step.kind, step.count});
            QVERIFY(!step.narration.isEmpty());
        }
        // cold → warm ×3 → idle reclaim → cold → a burst beyond maxInstances × concurrency
        QCOMPARE(shape, (QList<std::pair<Kind, int>>{{Kind::Invoke, 1},
                                                     {Kind::Invoke, 3},
                                                     {Kind::WaitForReclaim, 1},
                                                     {Kind::Invoke, 1},
                                                     {Kind::Burst, 10}}));
        QVERIFY(s.steps.last().count > s.maxInstances * s.instanceConcurrency);
        // A finished step stays on screen for less than the idle timeout: playing on, the
        // warm calls find the instance still there.
        QVERIFY(s.holdMs < s.idleTimeoutS * 1000);
    }

    void roundTripsThroughJsonAndAFile()
    {
        Ui::Scenario s = Ui::Scenario::builtIn();
        s.title = u"Lesson 3: «cold» starts"_qs;
        s.steps[1].narration = u"Now the same function, warm.\nSecond line."_qs;
        s.steps[4].event = R"({"x-sample-action": "sleep=300"})";
        s.holdMs = 1500;
        auto back = Ui::Scenario::fromJson(s.toJson(), u"memory"_qs);
        QVERIFY2(back, back ? "" : qPrintable(back.error().message));
        QCOMPARE(*back, s);

        QTemporaryDir dir;
        const QString path = dir.filePath(u"lesson.json"_qs);
        QVERIFY(Ui::saveScenario(s, path));
        auto loaded = Ui::loadScenario(path);
        QVERIFY2(loaded, loaded ? "" : qPrintable(loaded.error().message));
        QCOMPARE(*loaded, s);
        // The file is what a teacher edits by hand: readable names, not numbers.
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray text = file.readAll();
        QVERIFY(text.contains("\"kind\": \"waitForReclaim\""));
        QVERIFY(text.contains("\"idleTimeout\": 10"));
    }

    void refusesBadFiles_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("error");
        QTest::addRow("not JSON") << QByteArray("{\"steps\": [") << u"not JSON (at byte"_qs;
        QTest::addRow("a list, not an object") << QByteArray("[1, 2]") << u"a JSON object"_qs;
        QTest::addRow("no fcemuScenario marker")
            << QByteArray(R"({"steps": [{"kind": "invoke"}]})") << u"not an fcemu scenario"_qs;
        QTest::addRow("unknown step kind names the step")
            << QByteArray(
                   R"({"fcemuScenario": 1, "steps": [{"kind": "invoke"}, {"kind": "sleep"}]})")
            << u"step 2: unknown kind \"sleep\""_qs;
        QTest::addRow("count out of range")
            << QByteArray(R"({"fcemuScenario": 1, "steps": [{"kind": "burst", "count": 0}]})")
            << u"step 1: \"count\" must be a whole number from 1 to 1000"_qs;
        QTest::addRow("a fractional idle timeout")
            << QByteArray(
                   R"({"fcemuScenario": 1, "settings": {"idleTimeout": 2.5}, "steps": [{"kind": "invoke"}]})")
            << u"settings: \"idleTimeout\" must be a whole number"_qs;
        QTest::addRow("no steps") << QByteArray(R"({"fcemuScenario": 1, "steps": []})")
                                  << u"\"steps\" must be a list of 1 to 200 steps"_qs;
        QTest::addRow("narration not text")
            << QByteArray(R"({"fcemuScenario": 1, "steps": [{"kind": "invoke", "narration": 3}]})")
            << u"step 1: \"narration\" must be a string"_qs;
    }

    void refusesBadFiles()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, error);
        QTemporaryDir dir;
        const QString path = dir.filePath(u"bad-lesson.json"_qs);
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(content);
        file.close();
        auto loaded = Ui::loadScenario(path);
        QVERIFY(!loaded);
        const QString message = loaded.error().message;
        QVERIFY2(message.startsWith(path + u": "_qs), qPrintable(message));
        QVERIFY2(message.contains(error), qPrintable(message));
        QVERIFY2(!message.contains(u'\n'), qPrintable(message));
    }

    void missingFileNamesIt()
    {
        auto loaded = Ui::loadScenario(u"/nonexistent/lesson.json"_qs);
        QVERIFY(!loaded);
        QVERIFY(loaded.error().message.startsWith(u"/nonexistent/lesson.json: cannot read"_qs));
    }
};

QTEST_GUILESS_MAIN(TestScenario)
#include "TestScenario.moc"
