#include "RecordStore.h"

namespace Fcemu::Telemetry {

RecordStore::RecordStore(qsizetype capacity, QObject *parent)
    : QObject(parent), m_capacity(std::max<qsizetype>(1, capacity))
{
}

qsizetype RecordStore::rowOfSerial(quint64 serial) const
{
    if (serial < m_firstSerial || serial >= m_firstSerial + m_records.size())
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
    if (size() >= m_capacity) {
        emit aboutToRemoveOldest(1);
        m_records.pop_front();
        ++m_firstSerial;
        emit oldestRemoved(1);
    }
    emit aboutToAppend(size());
    m_records.push_back(std::move(record));
    emit appended(size() - 1);
}

void RecordStore::clear()
{
    if (m_records.empty())
        return;
    emit aboutToClear();
    m_firstSerial += m_records.size();
    m_records.clear();
    emit cleared();
}

} // namespace Fcemu::Telemetry
