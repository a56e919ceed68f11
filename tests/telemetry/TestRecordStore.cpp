// The session's bounded record store: the exact order of its paired signals (what a model's
// begin/end calls follow), dropping the oldest record past capacity, serials that outlive the
// rows they were given to, and lookups by serial and by request id.
#include <QSignalSpy>
#include <QTest>

#include "telemetry/RecordStore.h"

using namespace Fcemu::Telemetry;

namespace {

InvocationRecord record(const QString &requestId)
{
    InvocationRecord r;
    r.requestId = requestId;
    return r;
}

} // namespace

class TestRecordStore final : public QObject
{
    Q_OBJECT

    // Every signal, in order, with its argument and the store's size at the time.
    QStringList m_events;
    RecordStore *m_store = nullptr;

    void watch(RecordStore &store)
    {
        m_store = &store;
        m_events.clear();
        const auto log = [this](const QString &name, qsizetype arg) {
            m_events << name + u'(' + QString::number(arg) + u") size " +
                            QString::number(m_store->size());
        };
        connect(&store, &RecordStore::aboutToRemoveOldest, this,
                [log](qsizetype n) { log(u"aboutToRemoveOldest"_qs, n); });
        connect(&store, &RecordStore::oldestRemoved, this,
                [log](qsizetype n) { log(u"oldestRemoved"_qs, n); });
        connect(&store, &RecordStore::aboutToAppend, this,
                [log](qsizetype row) { log(u"aboutToAppend"_qs, row); });
        connect(&store, &RecordStore::appended, this,
                [log](qsizetype row) { log(u"appended"_qs, row); });
        connect(&store, &RecordStore::aboutToClear, this, [log]() { log(u"aboutToClear"_qs, 0); });
        connect(&store, &RecordStore::cleared, this, [log]() { log(u"cleared"_qs, 0); });
    }

private slots:
    void appendSignalsAroundTheInsertion()
    {
        RecordStore store(3);
        watch(store);
        store.append(record(u"a"_qs));
        store.append(record(u"b"_qs));
        // aboutToAppend sees the old size (the row to come), appended the new one.
        QCOMPARE(m_events, (QStringList{u"aboutToAppend(0) size 0"_qs, u"appended(0) size 1"_qs,
                                        u"aboutToAppend(1) size 1"_qs, u"appended(1) size 2"_qs}));
        QCOMPARE(store.size(), 2);
        QCOMPARE(store.at(0).requestId, u"a"_qs);
        QCOMPARE(store.at(1).requestId, u"b"_qs);
        QCOMPARE(store.serialAt(0), 1u);
        QCOMPARE(store.serialAt(1), 2u);
        QVERIFY(!store.isEmpty());
    }

    void pastCapacityTheOldestGoesFirst()
    {
        RecordStore store(2);
        store.append(record(u"a"_qs));
        store.append(record(u"b"_qs));
        watch(store);
        store.append(record(u"c"_qs));
        QCOMPARE(m_events,
                 (QStringList{u"aboutToRemoveOldest(1) size 2"_qs, u"oldestRemoved(1) size 1"_qs,
                              u"aboutToAppend(1) size 1"_qs, u"appended(1) size 2"_qs}));
        QCOMPARE(store.size(), 2);
        QCOMPARE(store.capacity(), 2);
        QCOMPARE(store.at(0).requestId, u"b"_qs);
        QCOMPARE(store.at(1).requestId, u"c"_qs);
        // Serials stay with their records: "b" keeps 2 though it moved to row 0.
        QCOMPARE(store.serialAt(0), 2u);
        QCOMPARE(store.serialAt(1), 3u);
    }

    void aCapacityBelowOneKeepsOne()
    {
        RecordStore store(0);
        QCOMPARE(store.capacity(), 1);
        store.append(record(u"a"_qs));
        store.append(record(u"b"_qs));
        QCOMPARE(store.size(), 1);
        QCOMPARE(store.at(0).requestId, u"b"_qs);
        QCOMPARE(store.serialAt(0), 2u);
    }

    void serialsAreNeverReused()
    {
        RecordStore store(10);
        store.append(record(u"a"_qs));
        store.append(record(u"b"_qs));
        watch(store);
        store.clear();
        QCOMPARE(m_events, (QStringList{u"aboutToClear(0) size 2"_qs, u"cleared(0) size 0"_qs}));
        QVERIFY(store.isEmpty());
        QCOMPARE(store.rowOfSerial(1), -1);
        QCOMPARE(store.rowOfSerial(2), -1);
        store.append(record(u"c"_qs));
        QCOMPARE(store.serialAt(0), 3u);
        QCOMPARE(store.rowOfSerial(3), 0);
    }

    void clearingAnEmptyStoreSaysNothing()
    {
        RecordStore store(10);
        watch(store);
        store.clear();
        QVERIFY(m_events.isEmpty());
        QCOMPARE(store.size(), 0);
    }

    void rowOfSerial()
    {
        RecordStore store(3);
        for (const QString &id : {u"a"_qs, u"b"_qs, u"c"_qs, u"d"_qs, u"e"_qs})
            store.append(record(id)); // a and b are dropped: c, d, e are serials 3, 4, 5
        QCOMPARE(store.rowOfSerial(0), -1);
        QCOMPARE(store.rowOfSerial(1), -1);
        QCOMPARE(store.rowOfSerial(2), -1);
        QCOMPARE(store.rowOfSerial(3), 0);
        QCOMPARE(store.rowOfSerial(4), 1);
        QCOMPARE(store.rowOfSerial(5), 2);
        QCOMPARE(store.rowOfSerial(6), -1);
        QCOMPARE(store.at(store.rowOfSerial(4)).requestId, u"d"_qs);
    }

    void rowOfRequestIdFindsTheNewest()
    {
        RecordStore store(4);
        store.append(record(u"x"_qs));
        store.append(record(u"y"_qs));
        store.append(record(u"x"_qs)); // an id seen twice: the newest wins
        QCOMPARE(store.rowOf(u"x"_qs), 2);
        QCOMPARE(store.rowOf(u"y"_qs), 1);
        QCOMPARE(store.rowOf(u"z"_qs), -1);
        store.append(record(u"z"_qs));
        store.append(record(u"w"_qs)); // drops the first "x"
        QCOMPARE(store.rowOf(u"x"_qs), 1);
        QCOMPARE(store.rowOf(u"y"_qs), 0);
        QCOMPARE(store.rowOf(u"w"_qs), 3);
    }

    void wrapsAroundInOrderAndAfterClear()
    {
        RecordStore store(4);
        QStringList seenAtRemoval, seenAtAppend;
        connect(&store, &RecordStore::oldestRemoved, this,
                [&](qsizetype) { seenAtRemoval << store.at(0).requestId; });
        connect(&store, &RecordStore::appended, this,
                [&](qsizetype row) { seenAtAppend << store.at(row).requestId; });
        for (int i = 0; i < 11; ++i)
            store.append(record(QString::number(i)));
        QCOMPARE(store.size(), 4);
        for (qsizetype row = 0; row < 4; ++row) {
            QCOMPARE(store.at(row).requestId, QString::number(7 + row));
            QCOMPARE(store.rowOf(QString::number(7 + row)), row);
            QCOMPARE(store.rowOfSerial(8 + quint64(row)), row);
        }
        QCOMPARE(store.rowOf(u"6"_qs), -1);
        QCOMPARE(store.rowOfSerial(7), -1);
        // Between the signals the store is consistent: the new oldest, then the new record.
        QCOMPARE(seenAtRemoval,
                 (QStringList{u"1"_qs, u"2"_qs, u"3"_qs, u"4"_qs, u"5"_qs, u"6"_qs, u"7"_qs}));
        QCOMPARE(seenAtAppend.size(), 11);
        QCOMPARE(seenAtAppend.last(), u"10"_qs);

        store.clear();
        for (int i = 0; i < 6; ++i)
            store.append(record(u"x"_qs + QString::number(i)));
        QCOMPARE(store.size(), 4);
        QCOMPARE(store.at(0).requestId, u"x2"_qs);
        QCOMPARE(store.at(3).requestId, u"x5"_qs);
        QCOMPARE(store.serialAt(0), 14u); // 11 before the clear, then x0..x5 as 12..17
    }

    void signalCountsOverManyAppends()
    {
        RecordStore store(5);
        QSignalSpy removing(&store, &RecordStore::aboutToRemoveOldest);
        QSignalSpy removed(&store, &RecordStore::oldestRemoved);
        QSignalSpy appending(&store, &RecordStore::aboutToAppend);
        QSignalSpy appended(&store, &RecordStore::appended);
        for (int i = 0; i < 12; ++i)
            store.append(record(QString::number(i)));
        QCOMPARE(appending.size(), 12);
        QCOMPARE(appended.size(), 12);
        QCOMPARE(removing.size(), 7);
        QCOMPARE(removed.size(), 7);
        QCOMPARE(appended.last().first().value<qsizetype>(), 4);
        QCOMPARE(store.at(0).requestId, u"7"_qs);
        QCOMPARE(store.serialAt(0), 8u);
        QCOMPARE(store.serialAt(4), 12u);
    }
};

QTEST_GUILESS_MAIN(TestRecordStore)
#include "TestRecordStore.moc"
