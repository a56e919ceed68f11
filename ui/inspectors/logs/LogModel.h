#pragma once

#include <deque>
#include <unordered_map>
#include <unordered_set>

#include <QAbstractListModel>
#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QSortFilterProxyModel>
#include <QString>
#include <QStringList>

namespace Fcemu::Ui {

// What a log line is, for styling: the function's own output, FC's framing lines
// ("FC Invoke Start RequestId: ...", "FC Initialize End ...", pre-freeze and pre-stop too), the
// summary ("Duration: ..."), or an error (a framing end line with ", Error: ...").
enum class LogKind { Output, Framing, Summary, Error };
LogKind logKindOf(QStringView line);

struct LogLine
{
    qint64 timestampMs = 0;
    QString requestId;
    QString instanceId;
    QString text;
    LogKind kind = LogKind::Output;
};

// The Logs inspector's lines: a capped list model after qBittorrent's logmodel.cpp.
//
// Lines arrive one signal each, possibly 10,000 a second; appendLine() only queues them and the
// queue is applied once per event-loop turn (flush()), at most every kMinFlushIntervalMs, so a
// burst is one rowsInserted, not one per line. When the cap would be exceeded the oldest rows are
// removed first (begin/endRemoveRows before begin/endInsertRows: a view never sees rows that are
// about to vanish), and then a tenth of the cap more, so that a full log drops rows once every
// cap/10 lines rather than with every batch (each removal costs the filter proxy a pass over its
// mapping).
class LogModel final : public QAbstractListModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LogModel)

public:
    enum Role {
        TimestampRole = Qt::UserRole + 1, // qint64 ms since the epoch
        RequestIdRole,
        InstanceIdRole,
        TextRole,
        KindRole, // int(LogKind)
    };
    static constexpr int kDefaultCap = 200'000;
    static constexpr qint64 kMinFlushIntervalMs = 25;
    // How far back a late line (or a start-up line given its request) is looked for.
    static constexpr std::size_t kMaxReorder = 2000;

    explicit LogModel(QObject *parent = nullptr);

    int cap() const { return m_cap; }
    // At least 10 lines; a smaller cap than the current row count drops the oldest at once.
    void setCap(int cap);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    const LogLine &lineAt(int row) const { return m_lines[std::size_t(row)]; }
    // Instance ids in the order they were first seen (kept when their lines are dropped).
    const QStringList &instanceIds() const { return m_instanceIds; }
    int pendingCount() const { return int(m_pending.size()); }

public slots:
    // Queues a line; it appears at the next event-loop turn or flush().
    void appendLine(const QString &requestId, const QString &instanceId, qint64 timestampMs,
                    const QString &text);
    // Applies the queued lines now: at most one rowsRemoved and one rowsInserted.
    void flush();
    void clear();

signals:
    void instanceSeen(const QString &instanceId);

private:
    void dropOldest(int count);
    void attachStartupLines();
    QString intern(const QString &id);

    std::deque<LogLine> m_lines;
    QList<LogLine> m_pending;
    bool m_flushQueued = false;
    QElapsedTimer m_sinceFlush;
    int m_cap = kDefaultCap;
    // Request and instance ids repeat on every line of a request: one shared copy each.
    std::unordered_set<QString> m_ids;
    QStringList m_instanceIds;
    // Per instance: when its first request's first line was written, and that request's id.
    std::unordered_map<QString, qint64> m_firstRequest;
    QHash<QString, QString> m_firstRequestId;
    // Per instance without a request yet: how many of its lines wait for one.
    QHash<QString, int> m_unattached;
};

// Filters the lines of one request and/or one instance, and optionally by text
// (case-insensitive substring). Empty filters pass everything.
class LogFilterModel final : public QSortFilterProxyModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LogFilterModel)

public:
    explicit LogFilterModel(QObject *parent = nullptr);

    QString requestFilter() const { return m_requestId; }
    QString instanceFilter() const { return m_instanceId; }
    QString textFilter() const { return m_text; }
    void setRequestFilter(const QString &requestId);
    void setInstanceFilter(const QString &instanceId);
    void setTextFilter(const QString &text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_requestId;
    QString m_instanceId;
    QString m_text;
};

} // namespace Fcemu::Ui
