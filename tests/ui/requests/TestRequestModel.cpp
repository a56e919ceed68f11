#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTest>

#include "common/Format.h"
#include "requests/RequestModel.h"

using namespace Fcemu;
using Fcemu::Ui::RequestModel;

namespace {

Telemetry::InvocationRecord makeRecord(const QString &id, bool cold, double totalMs,
                                       qint64 costPico = 0)
{
    Telemetry::InvocationRecord r;
    r.requestId = id;
    r.instanceId = u"c-1"_qs;
    r.kind = u"event"_qs;
    r.coldStart = cold;
    r.startedAt = QDateTime(QDate(2026, 1, 2), QTime(3, 4, 5, 678), Qt::UTC);
    r.timings.invokeMs = totalMs;
    r.timings.totalMs = totalMs;
    r.memorySizeMB = 128;
    r.maxUsedMB = 13.16;
    r.billing.cost = Billing::Money::fromPico(costPico, u"USD"_qs);
    return r;
}

} // namespace

class TestRequestModel final : public QObject
{
    Q_OBJECT

private slots:
    void followsTheStoreWhenItDropsItsOldest();
    void clearingResets();
    void columnTexts();
    void errorRowsAreMarked();
    void numericColumnsSortNumerically_data();
    void numericColumnsSortNumerically();
    void recordRoleAndFilterText();
};

void TestRequestModel::followsTheStoreWhenItDropsItsOldest()
{
    Telemetry::RecordStore store(3);
    RequestModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);

    for (int i = 1; i <= 3; ++i)
        store.append(makeRecord(u"r%1"_qs.arg(i), i == 1, 10.0 * i));
    QCOMPARE(inserted.count(), 3);
    QCOMPARE(removed.count(), 0);
    QCOMPARE(inserted.at(2).at(1).toInt(), 2);
    QCOMPARE(inserted.at(2).at(2).toInt(), 2);
    QCOMPARE(model.rowCount(), 3);

    store.append(makeRecord(u"r4"_qs, false, 40));
    QCOMPARE(removed.count(), 1);
    QCOMPARE(removed.at(0).at(1).toInt(), 0);
    QCOMPARE(removed.at(0).at(2).toInt(), 0);
    QCOMPARE(inserted.count(), 4);
    QCOMPARE(inserted.at(3).at(1).toInt(), 2);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.index(0, RequestModel::RequestId).data().toString(), u"r2"_qs);
    QCOMPARE(model.index(2, RequestModel::RequestId).data().toString(), u"r4"_qs);

    store.append(makeRecord(u"r5"_qs, false, 50));
    QCOMPARE(removed.count(), 2);
    QCOMPARE(inserted.count(), 5);
    QCOMPARE(changed.count(), 0);
    QCOMPARE(reset.count(), 0);
    QCOMPARE(model.index(0, RequestModel::RequestId).data().toString(), u"r3"_qs);
    QCOMPARE(model.rowOf(u"r5"_qs), 2);
    QCOMPARE(model.rowOf(u"r1"_qs), -1);
}

void TestRequestModel::clearingResets()
{
    Telemetry::RecordStore store(3);
    RequestModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    store.append(makeRecord(u"a"_qs, true, 1));
    store.append(makeRecord(u"b"_qs, false, 1));
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    store.clear();
    QCOMPARE(reset.count(), 1);
    QCOMPARE(removed.count(), 0);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.record(0), nullptr);
}

void TestRequestModel::columnTexts()
{
    Telemetry::RecordStore store(3);
    RequestModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    store.append(makeRecord(u"1-cold"_qs, true, 1250, 241'664));
    Telemetry::InvocationRecord http = makeRecord(u"1-warm"_qs, false, 7.5);
    http.kind = u"http"_qs;
    http.client.emplace();
    http.client->method = u"GET"_qs;
    http.client->target = u"/hello?x=1"_qs;
    store.append(http);

    const auto text = [&model](int row, int column) {
        return model.index(row, column).data().toString();
    };
    QCOMPARE(text(0, RequestModel::Time), Ui::formatClock(store.at(0).startedAt));
    QCOMPARE(text(0, RequestModel::RequestId), u"1-cold"_qs);
    QCOMPARE(text(0, RequestModel::Kind), u"event"_qs);
    QCOMPARE(text(1, RequestModel::Kind), u"http GET /hello?x=1"_qs);
    QCOMPARE(text(0, RequestModel::ColdWarm), u"cold"_qs);
    QCOMPARE(text(1, RequestModel::ColdWarm), u"warm"_qs);
    QCOMPARE(text(0, RequestModel::Status), u"200"_qs);
    QCOMPARE(text(0, RequestModel::Duration), u"1.25 s"_qs);
    QCOMPARE(text(1, RequestModel::Duration), u"7.5 ms"_qs);
    QCOMPARE(text(0, RequestModel::MaxMemory), u"13.2 MB"_qs);
    QCOMPARE(text(0, RequestModel::Cost), u"$0.000000241664"_qs);
    QCOMPARE(text(1, RequestModel::Cost), u"$0"_qs);
    QCOMPARE(text(0, RequestModel::Timeline), QString());
    QCOMPARE(model.headerData(RequestModel::ColdWarm, Qt::Horizontal).toString(), u"Cold/Warm"_qs);
    QCOMPARE(model.headerData(RequestModel::Timeline, Qt::Horizontal).toString(), u"Timeline"_qs);
    QCOMPARE(model.columnCount(), 9);
}

void TestRequestModel::errorRowsAreMarked()
{
    Telemetry::RecordStore store(3);
    RequestModel model(&store);
    store.append(makeRecord(u"ok"_qs, true, 5));
    Telemetry::InvocationRecord failed = makeRecord(u"bad"_qs, false, 3000);
    failed.statusCode = 502;
    failed.error = Telemetry::InvocationError{u"FunctionTimeoutError"_qs, u"timed out"_qs};
    store.append(failed);
    Telemetry::InvocationRecord notFound = makeRecord(u"nf"_qs, false, 3);
    notFound.statusCode = 404;
    store.append(notFound);

    QCOMPARE(model.index(1, RequestModel::Status).data().toString(),
             u"502 FunctionTimeoutError"_qs);
    QCOMPARE(model.index(1, RequestModel::Status).data(Qt::ToolTipRole).toString(),
             u"Timeout — FunctionTimeoutError: timed out"_qs);
    QCOMPARE(model.index(0, RequestModel::Status).data(RequestModel::ErrorRole).toBool(), false);
    QCOMPARE(model.index(1, RequestModel::Status).data(RequestModel::ErrorRole).toBool(), true);
    QCOMPARE(model.index(2, RequestModel::Status).data(RequestModel::ErrorRole).toBool(), true);
    QVERIFY(!model.index(0, RequestModel::Status).data(Qt::ForegroundRole).isValid());
    QVERIFY(model.index(1, RequestModel::RequestId).data(Qt::ForegroundRole).canConvert<QColor>());
    QVERIFY(model.index(2, RequestModel::Status).data(Qt::ForegroundRole).isValid());
}

void TestRequestModel::numericColumnsSortNumerically_data()
{
    QTest::addColumn<int>("column");
    QTest::addRow("Duration sorts 9 ms < 25 ms < 100 ms, not as text")
        << int(RequestModel::Duration);
    QTest::addRow("Timeline sorts by the total as Duration does") << int(RequestModel::Timeline);
    QTest::addRow("Cost sorts by pico-units, not as text") << int(RequestModel::Cost);
    QTest::addRow("Max memory sorts by MB") << int(RequestModel::MaxMemory);
}

void TestRequestModel::numericColumnsSortNumerically()
{
    QFETCH(int, column);
    Telemetry::RecordStore store(10);
    RequestModel model(&store);
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.setSortRole(RequestModel::SortRole);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    // Text order would be "100 ms" < "25.0 ms" < "9.0 ms" and "$0.0000001" < "$0.00000025" <
    // "$0.0000009"; numbers put b (9) first, then c (25), then a (100).
    Telemetry::InvocationRecord a = makeRecord(u"a"_qs, true, 100, 900'000);
    a.maxUsedMB = 100;
    Telemetry::InvocationRecord b = makeRecord(u"b"_qs, false, 9, 100'000);
    b.maxUsedMB = 9;
    Telemetry::InvocationRecord c = makeRecord(u"c"_qs, false, 25, 250'000);
    c.maxUsedMB = 25;
    store.append(a);
    store.append(b);
    store.append(c);
    proxy.sort(column, Qt::AscendingOrder);
    QStringList order;
    for (int row = 0; row < proxy.rowCount(); ++row)
        order.append(proxy.index(row, RequestModel::RequestId).data().toString());
    QCOMPARE(order, (QStringList{u"b"_qs, u"c"_qs, u"a"_qs}));
    proxy.sort(column, Qt::DescendingOrder);
    QCOMPARE(proxy.index(0, RequestModel::RequestId).data().toString(), u"a"_qs);
}

void TestRequestModel::recordRoleAndFilterText()
{
    Telemetry::RecordStore store(3);
    RequestModel model(&store);
    Telemetry::InvocationRecord r = makeRecord(u"1-ABC"_qs, true, 5);
    r.kind = u"http"_qs;
    r.client.emplace();
    r.client->method = u"PUT"_qs;
    r.client->target = u"/Items/7"_qs;
    r.statusCode = 503;
    r.error = Telemetry::InvocationError{u"FunctionNotStarted"_qs, u"x"_qs};
    store.append(r);
    const QModelIndex index = model.index(0, RequestModel::Cost);
    QCOMPARE(index.data(RequestModel::RecordRole).value<const Telemetry::InvocationRecord *>(),
             &store.at(0));
    QCOMPARE(model.record(0), &store.at(0));
    QCOMPARE(index.data(RequestModel::SerialRole).toULongLong(), store.serialAt(0));
    QCOMPARE(index.data(RequestModel::FilterRole).toString(),
             u"1-abc http 503 cold put /items/7 functionnotstarted"_qs);
}

QTEST_MAIN(TestRequestModel)
#include "TestRequestModel.moc"
