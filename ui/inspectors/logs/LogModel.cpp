#include "LogModel.h"

#include <algorithm>

#include <QTimer>

namespace Fcemu::Ui {

LogKind logKindOf(QStringView line)
{
    if (line.startsWith(u"FC ")) {
        // "FC Invoke End RequestId: <id>, Error: <message>": an invocation that failed.
        if (line.contains(u", Error: "))
            return LogKind::Error;
        static constexpr QStringView kinds[] = {u"Invoke", u"Initialize", u"PreFreeze", u"PreStop"};
        const QStringView rest = line.mid(3);
        for (const QStringView kind : kinds) {
            if (!rest.startsWith(kind))
                continue;
            const QStringView edge = rest.mid(kind.size());
            if (edge.startsWith(u" Start RequestId: ") || edge.startsWith(u" End RequestId: "))
                return LogKind::Framing;
        }
        return LogKind::Output;
    }
    if (line.startsWith(u"Duration: ") && line.contains(u"Billed Duration: "))
        return LogKind::Summary;
    return LogKind::Output;
}

LogModel::LogModel(QObject *parent) : QAbstractListModel(parent) {}

void LogModel::setCap(int cap)
{
    m_cap = std::max(cap, 10);
    flush();
    if (int(m_lines.size()) > m_cap)
        dropOldest(int(m_lines.size()) - m_cap);
}

int LogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_lines.size());
}

QVariant LogModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const LogLine &line = lineAt(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case TextRole:
        return line.text;
    case TimestampRole:
        return line.timestampMs;
    case RequestIdRole:
        return line.requestId;
    case InstanceIdRole:
        return line.instanceId;
    case KindRole:
        return int(line.kind);
    case Qt::ToolTipRole:
        // A long line can be read whole without scrolling sideways.
        return line.text.size() > 80 ? line.text : QVariant();
    default:
        return {};
    }
}

QHash<int, QByteArray> LogModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractListModel::roleNames();
    names.insert(TimestampRole, "timestamp");
    names.insert(RequestIdRole, "requestId");
    names.insert(InstanceIdRole, "instanceId");
    names.insert(TextRole, "text");
    names.insert(KindRole, "kind");
    return names;
}

QString LogModel::intern(const QString &id)
{
    if (id.isEmpty())
        return {};
    const auto it = m_ids.find(id);
    if (it != m_ids.end())
        return *it;
    // The table only grows with distinct ids (a few per request); forget it when it is large
    // rather than track which ids are still referenced.
    if (m_ids.size() > 100'000)
        m_ids.clear();
    m_ids.insert(id);
    return id;
}

void LogModel::appendLine(const QString &requestId, const QString &instanceId, qint64 timestampMs,
                          const QString &text)
{
    const QString instance = intern(instanceId);
    if (!instance.isEmpty() && !m_instanceIds.contains(instance)) {
        m_instanceIds.append(instance);
        emit instanceSeen(instance);
    }
    m_pending.append({timestampMs, intern(requestId), instance, text, logKindOf(text)});
    if (m_flushQueued)
        return;
    m_flushQueued = true;
    // The next event-loop turn, but no sooner than kMinFlushIntervalMs after the last flush:
    // every flush repaints a following view, and 40 repaints a second read as live.
    const qint64 wait = m_sinceFlush.isValid() ? kMinFlushIntervalMs - m_sinceFlush.elapsed() : 0;
    if (wait <= 0)
        QMetaObject::invokeMethod(this, &LogModel::flush, Qt::QueuedConnection);
    else
        QTimer::singleShot(std::chrono::milliseconds(wait), this, &LogModel::flush);
}

void LogModel::flush()
{
    m_flushQueued = false;
    m_sinceFlush.start();
    if (m_pending.isEmpty())
        return;
    // More queued lines than the cap holds: the oldest of them would be dropped at once.
    if (m_pending.size() > m_cap)
        m_pending.remove(0, m_pending.size() - m_cap);
    const int incoming = int(m_pending.size());
    const int overflow = int(m_lines.size()) + incoming - m_cap;
    if (overflow > 0)
        dropOldest(std::min(int(m_lines.size()), overflow + m_cap / 10));

    // Lines come in arrival order, but an instance's output is read in chunks: its start-up
    // lines can arrive after "FC Invoke Start" though they were written before it. Keep the
    // log in time order (stable: lines of the same millisecond keep their order).
    std::stable_sort(m_pending.begin(), m_pending.end(), [](const LogLine &a, const LogLine &b) {
        return a.timestampMs < b.timestampMs;
    });
    attachStartupLines();

    // Late lines go in among the last rows, each at its time (rare: a few per cold start).
    qsizetype late = 0;
    while (late < m_pending.size() && !m_lines.empty() &&
           m_pending[late].timestampMs < m_lines.back().timestampMs)
        ++late;
    for (qsizetype i = 0; i < late; ++i) {
        LogLine &line = m_pending[i];
        // Search back a bounded way: a line later than that is placed there.
        const std::size_t floor = m_lines.size() > kMaxReorder ? m_lines.size() - kMaxReorder : 0;
        std::size_t at = m_lines.size();
        while (at > floor && m_lines[at - 1].timestampMs > line.timestampMs)
            --at;
        beginInsertRows({}, int(at), int(at));
        m_lines.insert(m_lines.begin() + std::ptrdiff_t(at), std::move(line));
        endInsertRows();
    }
    if (late == m_pending.size()) {
        m_pending.clear();
        return;
    }
    const int first = int(m_lines.size());
    beginInsertRows({}, first, first + int(m_pending.size() - late) - 1);
    for (qsizetype i = late; i < m_pending.size(); ++i)
        m_lines.push_back(std::move(m_pending[i]));
    m_pending.clear();
    endInsertRows();
}

void LogModel::attachStartupLines()
{
    // An instance's own output before its first request (its start-up) belongs to the cold
    // start that request paid for: give those lines the request's id, so "Selected request"
    // shows them with it.
    for (LogLine &line : m_pending) {
        if (line.instanceId.isEmpty())
            continue;
        auto first = m_firstRequest.find(line.instanceId);
        if (line.requestId.isEmpty()) {
            if (first == m_firstRequest.end())
                m_unattached[line.instanceId] += 1;
            else if (line.timestampMs <= first->second)
                line.requestId = m_firstRequestId.value(line.instanceId);
            continue;
        }
        if (first != m_firstRequest.end())
            continue;
        m_firstRequest.emplace(line.instanceId, line.timestampMs);
        m_firstRequestId.insert(line.instanceId, line.requestId);
        if (m_unattached.remove(line.instanceId) == 0)
            continue;
        const QString requestId = line.requestId;
        const QString instanceId = line.instanceId;
        const qint64 until = line.timestampMs;
        for (LogLine &earlier : m_pending)
            if (earlier.instanceId == instanceId && earlier.requestId.isEmpty() &&
                earlier.timestampMs <= until)
                earlier.requestId = requestId;
        const std::size_t floor = m_lines.size() > kMaxReorder ? m_lines.size() - kMaxReorder : 0;
        int low = -1;
        int high = -1;
        for (std::size_t row = m_lines.size(); row > floor; --row) {
            LogLine &earlier = m_lines[row - 1];
            if (earlier.instanceId != instanceId || !earlier.requestId.isEmpty())
                continue;
            earlier.requestId = requestId;
            high = high < 0 ? int(row - 1) : high;
            low = int(row - 1);
        }
        if (low >= 0)
            emit dataChanged(index(low), index(high), {RequestIdRole});
    }
}

void LogModel::dropOldest(int count)
{
    if (count <= 0)
        return;
    beginRemoveRows({}, 0, count - 1);
    m_lines.erase(m_lines.begin(), m_lines.begin() + count);
    endRemoveRows();
}

void LogModel::clear()
{
    m_pending.clear();
    if (m_lines.empty())
        return;
    beginResetModel();
    m_lines.clear();
    m_lines.shrink_to_fit();
    m_ids.clear();
    m_firstRequest.clear();
    m_firstRequestId.clear();
    m_unattached.clear();
    endResetModel();
}

LogFilterModel::LogFilterModel(QObject *parent) : QSortFilterProxyModel(parent) {}

void LogFilterModel::setRequestFilter(const QString &requestId)
{
    if (m_requestId == requestId)
        return;
    m_requestId = requestId;
    invalidateRowsFilter();
}

void LogFilterModel::setInstanceFilter(const QString &instanceId)
{
    if (m_instanceId == instanceId)
        return;
    m_instanceId = instanceId;
    invalidateRowsFilter();
}

void LogFilterModel::setTextFilter(const QString &text)
{
    if (m_text == text)
        return;
    m_text = text;
    invalidateRowsFilter();
}

bool LogFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (sourceParent.isValid())
        return false;
    const auto *logs = qobject_cast<const LogModel *>(sourceModel());
    if (!logs)
        return true;
    const LogLine &line = logs->lineAt(sourceRow);
    if (!m_requestId.isEmpty() && line.requestId != m_requestId)
        return false;
    if (!m_instanceId.isEmpty() && line.instanceId != m_instanceId)
        return false;
    return m_text.isEmpty() || line.text.contains(m_text, Qt::CaseInsensitive);
}

} // namespace Fcemu::Ui
