#pragma once

#include <deque>

#include <QObject>

#include "InvocationRecord.h"

namespace Fcemu::Telemetry {

// The session's invocation records, oldest first, bounded: past capacity the oldest record is
// dropped before a new one is added (qBittorrent's logger keeps its messages the same way). The
// desktop app's request list, the inspectors and the HAR export read it; the paired signals map
// one-to-one onto a model's begin/end calls (KeePassXC's entryAboutToAdd/entryAdded).
//
// Rows are positions in the store at the time of the signal. serial() numbers records for good:
// it survives the removal of older ones, so views can hold on to a record by its serial.
class RecordStore final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RecordStore)

public:
    explicit RecordStore(qsizetype capacity = 10'000, QObject *parent = nullptr);

    qsizetype capacity() const { return m_capacity; }
    qsizetype size() const { return qsizetype(m_records.size()); }
    bool isEmpty() const { return m_records.empty(); }
    const InvocationRecord &at(qsizetype row) const { return m_records[size_t(row)]; }
    // The serial of the record at row; serials grow by one per append and are never reused.
    quint64 serialAt(qsizetype row) const { return m_firstSerial + quint64(row); }
    // The row of a serial, or -1 when that record was dropped (or never existed).
    qsizetype rowOfSerial(quint64 serial) const;
    // The row of a request id, or -1. Searches from the newest record.
    qsizetype rowOf(const QString &requestId) const;

    void append(InvocationRecord record);
    void clear();

signals:
    void aboutToRemoveOldest(qsizetype count);
    void oldestRemoved(qsizetype count);
    void aboutToAppend(qsizetype row);
    void appended(qsizetype row);
    void aboutToClear();
    void cleared();

private:
    qsizetype m_capacity;
    std::deque<InvocationRecord> m_records;
    quint64 m_firstSerial = 1;
};

} // namespace Fcemu::Telemetry
