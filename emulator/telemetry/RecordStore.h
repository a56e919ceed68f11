#pragma once

#include <vector>

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
    qsizetype size() const { return m_size; }
    bool isEmpty() const { return m_size == 0; }
    const InvocationRecord &at(qsizetype row) const { return m_ring[slot(row)]; }
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
    size_t slot(qsizetype row) const { return size_t((m_head + row) % qsizetype(m_ring.size())); }

    qsizetype m_capacity;
    // A ring: it grows to capacity, then each new record takes the oldest one's slot (no
    // allocation per record, as a deque of records this size made).
    std::vector<InvocationRecord> m_ring;
    qsizetype m_head = 0; // the slot of the oldest record
    qsizetype m_size = 0;
    quint64 m_firstSerial = 1;
};

} // namespace Fcemu::Telemetry
