#include "RecordStore.h"

namespace Fcemu::Telemetry {

RecordStore::RecordStore(qsizetype capacity, QObject *parent)
    : QObject(parent), m_capacity(std::max<qsizetype>(1, capacity))
{
}

qsizetype RecordStore::rowOfSerial(quint64 serial) const
{
    if (serial < m_firstSerial || serial >= m_firstSerial + quint64(m_size))
        return -1;
    return qsizetype(serial - m_firstSerial);
}

qsizetype RecordStore::rowOf(const QString &requestId) const
{
    for (qsizetype row = size() - 1; row >= 0; --row) {
        if (at(row).requestId == requestId)
            return row;
    }
    return -1;
}

void RecordStore::append(InvocationRecord record)
{
    if (m_size >= m_capacity) {
        // Out of view at once; its memory goes when the new record takes its slot below.
        emit aboutToRemoveOldest(1);
        m_head = (m_head + 1) % m_capacity;
        --m_size;
        ++m_firstSerial;
        emit oldestRemoved(1);
    }
    emit aboutToAppend(m_size);
    if (qsizetype(m_ring.size()) < m_capacity)
        m_ring.push_back(std::move(record)); // still growing: the oldest is in slot 0
    else
        m_ring[slot(m_size)] = std::move(record);
    ++m_size;
    emit appended(m_size - 1);
}

void RecordStore::clear()
{
    if (m_size == 0)
        return;
    emit aboutToClear();
    m_firstSerial += quint64(m_size);
    m_ring.clear();
    m_head = 0;
    m_size = 0;
    emit cleared();
}

} // namespace Fcemu::Telemetry
