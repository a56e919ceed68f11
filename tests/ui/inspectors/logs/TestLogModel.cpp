#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

#include "inspectors/logs/LogModel.h"

using namespace Fcemu::Ui;

class TestLogModel final : public QObject
{
    Q_OBJECT

private slots:
    void kindOfLine_data();
    void kindOfLine();
    void appendsOncePerEventLoopTurn();
    void storesEveryField();
    void capDropsOldestBeforeInserting();
    void capKeepsNewestOfOversizedBatch();
    void loweringCapDropsAtOnce();
    void clearResets();
    void reportsInstancesOnce();
    void filtersByRequestAndInstance();
    void filtersByText();
    void filterFollowsAppends();
    void linesStayInTimeOrder();
    void startupOutputJoinsItsColdStart();
};

void TestLogModel::linesStayInTimeOrder()
{
    LogModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.appendLine(u"r1"_qs, u"i1"_qs, 105, u"FC Invoke Start RequestId: r1"_qs);
    model.flush();
    // The function's start-up lines, read late: written at 100 and 101, before the start line.
    model.appendLine(u"r1"_qs, u"i1"_qs, 101, u"listening on 9000"_qs);
    model.appendLine(u"r1"_qs, u"i1"_qs, 100, u"starting"_qs);
    model.appendLine(u"r1"_qs, u"i1"_qs, 110, u"FC Invoke End RequestId: r1"_qs);
    model.flush();
    QStringList texts;
    for (int row = 0; row < model.rowCount(); ++row)
        texts << model.lineAt(row).text;
    QCOMPARE(texts,
             (QStringList{u"starting"_qs, u"listening on 9000"_qs,
                          u"FC Invoke Start RequestId: r1"_qs, u"FC Invoke End RequestId: r1"_qs}));
    // Same millisecond: arrival order is kept.
    model.appendLine(u"r2"_qs, u"i1"_qs, 120, u"a"_qs);
    model.appendLine(u"r2"_qs, u"i1"_qs, 120, u"b"_qs);
    model.flush();
    QCOMPARE(model.lineAt(4).text, u"a"_qs);
    QCOMPARE(model.lineAt(5).text, u"b"_qs);
}

void TestLogModel::startupOutputJoinsItsColdStart()
{
    LogModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    // An Express image (concurrency > 1): start-up output comes without a request id.
    model.appendLine({}, u"i1"_qs, 100, u"Example app listening on port 9000"_qs);
    model.flush();
    QCOMPARE(model.lineAt(0).requestId, QString());
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.appendLine(u"cold"_qs, u"i1"_qs, 150, u"FC Invoke Start RequestId: cold"_qs);
    model.appendLine({}, u"i1"_qs, 140, u"connected to db"_qs); // before the call: start-up
    model.appendLine({}, u"i1"_qs, 300, u"background tick"_qs); // after it: not start-up
    model.appendLine({}, u"i2"_qs, 130, u"other instance"_qs);
    model.flush();
    QCOMPARE(changed.size(), 1);
    QCOMPARE(model.rowCount(), 5);
    QCOMPARE(model.lineAt(0).requestId, u"cold"_qs);
    QCOMPARE(model.lineAt(1).text, u"other instance"_qs);
    QCOMPARE(model.lineAt(1).requestId, QString());
    QCOMPARE(model.lineAt(2).text, u"connected to db"_qs);
    QCOMPARE(model.lineAt(2).requestId, u"cold"_qs);
    QCOMPARE(model.lineAt(4).text, u"background tick"_qs);
    QCOMPARE(model.lineAt(4).requestId, QString());

    LogFilterModel filter;
    filter.setSourceModel(&model);
    filter.setRequestFilter(u"cold"_qs);
    QCOMPARE(filter.rowCount(), 3);
}

void TestLogModel::kindOfLine_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<int>("kind");
    const auto row = [](const char *name, const QString &line, LogKind kind) {
        QTest::addRow("%s", name) << line << int(kind);
    };
    row("Invoke start is framing", u"FC Invoke Start RequestId: 1-abc"_qs, LogKind::Framing);
    row("Invoke end is framing", u"FC Invoke End RequestId: 1-abc"_qs, LogKind::Framing);
    row("Initialize start is framing", u"FC Initialize Start RequestId: 1-abc"_qs,
        LogKind::Framing);
    row("Initialize end is framing", u"FC Initialize End RequestId: 1-abc"_qs, LogKind::Framing);
    row("Pre-stop is framing", u"FC PreStop Start RequestId: 1-abc"_qs, LogKind::Framing);
    row("Pre-freeze is framing", u"FC PreFreeze End RequestId: 1-abc"_qs, LogKind::Framing);
    row("An end with an error is an error",
        u"FC Invoke End RequestId: 1-abc, Error: Function timed out"_qs, LogKind::Error);
    row("The summary is a summary",
        u"Duration: 117.33 ms, Billed Duration: 118 ms, Memory Size: 128 MB, Max Memory Used: "
        "13.16 MB"_qs,
        LogKind::Summary);
    row("Output that starts like framing is output", u"FC Invoke Started by me"_qs,
        LogKind::Output);
    row("Output mentioning Duration is output", u"Duration: a long time"_qs, LogKind::Output);
    row("Plain output is output", u"listening on :9000"_qs, LogKind::Output);
    row("Indented framing is output", u" FC Invoke Start RequestId: 1"_qs, LogKind::Output);
}

void TestLogModel::kindOfLine()
{
    QFETCH(QString, line);
    QFETCH(int, kind);
    QCOMPARE(int(logKindOf(line)), kind);
}

void TestLogModel::appendsOncePerEventLoopTurn()
{
    LogModel model;
    QAbstractItemModelTester tester(&model);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    for (int i = 0; i < 250; ++i)
        model.appendLine(u"r1"_qs, u"c-1"_qs, 1000 + i, u"line "_qs + QString::number(i));
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.pendingCount(), 250);
    QTRY_COMPARE(inserted.count(), 1);
    QCOMPARE(inserted.at(0).at(1).toInt(), 0);
    QCOMPARE(inserted.at(0).at(2).toInt(), 249);
    QCOMPARE(model.rowCount(), 250);

    model.appendLine(u"r1"_qs, u"c-1"_qs, 2000, u"one more"_qs);
    model.flush();
    QCOMPARE(inserted.count(), 2);
    QCOMPARE(inserted.at(1).at(1).toInt(), 250);
    // The queued flush finds nothing left to do.
    QTest::qWait(10);
    QCOMPARE(inserted.count(), 2);
}

void TestLogModel::storesEveryField()
{
    LogModel model;
    QAbstractItemModelTester tester(&model);
    model.appendLine(u"1-req"_qs, u"c-inst"_qs, 1'700'000'000'123,
                     u"FC Invoke Start RequestId: 1-req"_qs);
    model.appendLine(u"1-req"_qs, u"c-inst"_qs, 1'700'000'000'124, u"hello"_qs);
    model.flush();
    const QModelIndex first = model.index(0);
    QCOMPARE(first.data(LogModel::TimestampRole).toLongLong(), 1'700'000'000'123);
    QCOMPARE(first.data(LogModel::RequestIdRole).toString(), u"1-req"_qs);
    QCOMPARE(first.data(LogModel::InstanceIdRole).toString(), u"c-inst"_qs);
    QCOMPARE(first.data(LogModel::TextRole).toString(), u"FC Invoke Start RequestId: 1-req"_qs);
    QCOMPARE(first.data(Qt::DisplayRole).toString(), u"FC Invoke Start RequestId: 1-req"_qs);
    QCOMPARE(first.data(LogModel::KindRole).toInt(), int(LogKind::Framing));
    QCOMPARE(model.index(1).data(LogModel::KindRole).toInt(), int(LogKind::Output));
    QVERIFY(model.roleNames().contains(LogModel::KindRole));
}

void TestLogModel::capDropsOldestBeforeInserting()
{
    LogModel model;
    model.setCap(100);
    QAbstractItemModelTester tester(&model);
    for (int i = 0; i < 100; ++i)
        model.appendLine({}, {}, i, QString::number(i));
    model.flush();
    QCOMPARE(model.rowCount(), 100);

    QStringList events;
    connect(&model, &QAbstractItemModel::rowsRemoved, this,
            [&events](const QModelIndex &, int first, int last) {
                events << u"removed %1-%2"_qs.arg(first).arg(last);
            });
    connect(&model, &QAbstractItemModel::rowsInserted, this,
            [&events](const QModelIndex &, int first, int last) {
                events << u"inserted %1-%2"_qs.arg(first).arg(last);
            });
    for (int i = 100; i < 105; ++i)
        model.appendLine({}, {}, i, QString::number(i));
    model.flush();
    // 5 over the cap, plus a tenth of the cap so that the next 10 lines drop nothing.
    QCOMPARE(events, (QStringList{u"removed 0-14"_qs, u"inserted 85-89"_qs}));
    QCOMPARE(model.rowCount(), 90);
    QCOMPARE(model.index(0).data().toString(), u"15"_qs);
    QCOMPARE(model.index(89).data().toString(), u"104"_qs);

    events.clear();
    for (int i = 105; i < 115; ++i)
        model.appendLine({}, {}, i, QString::number(i));
    model.flush();
    QCOMPARE(events, (QStringList{u"inserted 90-99"_qs}));
    QCOMPARE(model.rowCount(), 100);
}

void TestLogModel::capKeepsNewestOfOversizedBatch()
{
    LogModel model;
    model.setCap(10);
    QAbstractItemModelTester tester(&model);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    for (int i = 0; i < 25; ++i)
        model.appendLine({}, {}, i, QString::number(i));
    model.flush();
    QCOMPARE(removed.count(), 0);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(model.rowCount(), 10);
    QCOMPARE(model.index(0).data().toString(), u"15"_qs);
    QCOMPARE(model.index(9).data().toString(), u"24"_qs);
}

void TestLogModel::loweringCapDropsAtOnce()
{
    LogModel model;
    QCOMPARE(model.cap(), 200'000);
    QAbstractItemModelTester tester(&model);
    for (int i = 0; i < 50; ++i)
        model.appendLine({}, {}, i, QString::number(i));
    model.flush();
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    model.setCap(20);
    QCOMPARE(removed.count(), 1);
    QCOMPARE(removed.at(0).at(2).toInt(), 29);
    QCOMPARE(model.rowCount(), 20);
    QCOMPARE(model.index(0).data().toString(), u"30"_qs);
    model.setCap(3);
    QCOMPARE(model.cap(), 10); // never below 10
}

void TestLogModel::clearResets()
{
    LogModel model;
    QAbstractItemModelTester tester(&model);
    model.appendLine({}, {}, 1, u"a"_qs);
    model.flush();
    model.appendLine({}, {}, 2, u"queued"_qs);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    model.clear();
    QCOMPARE(reset.count(), 1);
    QCOMPARE(model.rowCount(), 0);
    QTest::qWait(10);
    QCOMPARE(inserted.count(), 0); // the queued line went with the rest
    model.clear();
    QCOMPARE(reset.count(), 1); // nothing to clear, no reset
}

void TestLogModel::reportsInstancesOnce()
{
    LogModel model;
    QSignalSpy seen(&model, &LogModel::instanceSeen);
    model.appendLine(u"r1"_qs, u"c-a"_qs, 1, u"x"_qs);
    model.appendLine(u"r1"_qs, u"c-a"_qs, 2, u"y"_qs);
    model.appendLine(u"r2"_qs, u"c-b"_qs, 3, u"z"_qs);
    model.appendLine(u"r2"_qs, {}, 4, u"no instance"_qs);
    QCOMPARE(seen.count(), 2);
    QCOMPARE(model.instanceIds(), (QStringList{u"c-a"_qs, u"c-b"_qs}));
}

namespace {
void feed(LogModel &model)
{
    model.appendLine(u"r1"_qs, u"c-a"_qs, 1, u"FC Invoke Start RequestId: r1"_qs);
    model.appendLine(u"r1"_qs, u"c-a"_qs, 2, u"handling GET /"_qs);
    model.appendLine(u"r2"_qs, u"c-b"_qs, 3, u"FC Invoke Start RequestId: r2"_qs);
    model.appendLine(u"r2"_qs, u"c-b"_qs, 4, u"handling POST /Echo"_qs);
    model.appendLine(u"r1"_qs, u"c-a"_qs, 5, u"FC Invoke End RequestId: r1"_qs);
    model.appendLine(u"r3"_qs, u"c-a"_qs, 6, u"FC Invoke Start RequestId: r3"_qs);
    model.flush();
}
QStringList texts(const QAbstractItemModel &model)
{
    QStringList out;
    for (int row = 0; row < model.rowCount(); ++row)
        out << model.index(row, 0).data().toString();
    return out;
}
} // namespace

void TestLogModel::filtersByRequestAndInstance()
{
    LogModel model;
    LogFilterModel filter;
    filter.setSourceModel(&model);
    QAbstractItemModelTester tester(&filter);
    feed(model);
    QCOMPARE(filter.rowCount(), 6);

    filter.setRequestFilter(u"r1"_qs);
    QCOMPARE(texts(filter), (QStringList{u"FC Invoke Start RequestId: r1"_qs, u"handling GET /"_qs,
                                         u"FC Invoke End RequestId: r1"_qs}));
    filter.setRequestFilter({});
    filter.setInstanceFilter(u"c-a"_qs);
    QCOMPARE(filter.rowCount(), 4);
    filter.setRequestFilter(u"r3"_qs);
    QCOMPARE(texts(filter), QStringList{u"FC Invoke Start RequestId: r3"_qs});
    filter.setInstanceFilter(u"c-b"_qs);
    QCOMPARE(filter.rowCount(), 0);
}

void TestLogModel::filtersByText()
{
    LogModel model;
    LogFilterModel filter;
    filter.setSourceModel(&model);
    QAbstractItemModelTester tester(&filter);
    feed(model);
    filter.setTextFilter(u"handling"_qs);
    QCOMPARE(filter.rowCount(), 2);
    filter.setTextFilter(u"ECHO"_qs); // case-insensitive
    QCOMPARE(texts(filter), QStringList{u"handling POST /Echo"_qs});
}

void TestLogModel::filterFollowsAppends()
{
    LogModel model;
    LogFilterModel filter;
    filter.setSourceModel(&model);
    filter.setRequestFilter(u"r2"_qs);
    QAbstractItemModelTester tester(&filter);
    QSignalSpy inserted(&filter, &QAbstractItemModel::rowsInserted);
    feed(model);
    QCOMPARE(filter.rowCount(), 2);
    QCOMPARE(inserted.count(), 1);
    model.appendLine(u"r1"_qs, u"c-a"_qs, 7, u"not shown"_qs);
    model.flush();
    QCOMPARE(inserted.count(), 1);
    model.appendLine(u"r2"_qs, u"c-b"_qs, 8, u"shown"_qs);
    model.flush();
    QCOMPARE(inserted.count(), 2);
    QCOMPARE(filter.index(2, 0).data().toString(), u"shown"_qs);
}

QTEST_MAIN(TestLogModel)
#include "TestLogModel.moc"
