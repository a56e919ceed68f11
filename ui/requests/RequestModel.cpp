#include "RequestModel.h"

#include <QGuiApplication>
#include <QPalette>

#include "common/Format.h"

namespace Fcemu::Ui {

namespace {

QColor errorColor()
{
    return errorTextColor(QGuiApplication::palette());
}

QString phaseSummary(const Telemetry::InvocationRecord &record)
{
    QStringList lines;
    for (const PhaseSpan &span : phasesOf(record))
        lines.append(phaseName(span.phase) + u": "_qs + formatDuration(span.ms));
    lines.append(QObject::tr("Total: %1").arg(formatDuration(record.timings.totalMs)));
    return lines.join(u'\n');
}

} // namespace

RequestModel::RequestModel(Telemetry::RecordStore *store, QObject *parent)
    : QAbstractTableModel(parent), m_store(store)
{
    using Telemetry::RecordStore;
    connect(store, &RecordStore::aboutToAppend, this,
            [this](qsizetype row) { beginInsertRows({}, int(row), int(row)); });
    connect(store, &RecordStore::appended, this, [this]() { endInsertRows(); });
    connect(store, &RecordStore::aboutToRemoveOldest, this,
            [this](qsizetype count) { beginRemoveRows({}, 0, int(count) - 1); });
    connect(store, &RecordStore::oldestRemoved, this, [this]() { endRemoveRows(); });
    connect(store, &RecordStore::aboutToClear, this, [this]() { beginResetModel(); });
    connect(store, &RecordStore::cleared, this, [this]() { endResetModel(); });
}

const Telemetry::InvocationRecord *RequestModel::record(int row) const
{
    if (row < 0 || row >= m_store->size())
        return nullptr;
    return &m_store->at(row);
}

int RequestModel::rowOf(const QString &requestId) const
{
    return int(m_store->rowOf(requestId));
}

int RequestModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_store->size());
}

int RequestModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString RequestModel::statusText(const Telemetry::InvocationRecord &record)
{
    QString text = QString::number(record.statusCode);
    if (record.error)
        text += u' ' + record.error->code;
    return text;
}

bool RequestModel::isError(const Telemetry::InvocationRecord &record)
{
    return record.error.has_value() || record.statusCode >= 400;
}

QString RequestModel::filterText(const Telemetry::InvocationRecord &record)
{
    QString text = record.requestId + u' ' + record.kind + u' ' +
                   QString::number(record.statusCode) + u' ' +
                   (record.coldStart ? u"cold"_qs : u"warm"_qs);
    if (record.client)
        text += u' ' + record.client->method + u' ' + record.client->target;
    if (record.error)
        text += u' ' + record.error->code;
    return text.toLower();
}

QVariant RequestModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Telemetry::InvocationRecord &r = m_store->at(index.row());
    const int column = index.column();

    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case Time:
            return formatClock(r.startedAt);
        case RequestId:
            return r.requestId;
        case Kind:
            if (r.kind == u"http"_qs && r.client)
                return QString(r.kind + u' ' + r.client->method + u' ' + r.client->target);
            return r.kind;
        case ColdWarm:
            return r.coldStart ? tr("cold") : tr("warm");
        case Status:
            return statusText(r);
        case Duration:
            return formatDuration(r.timings.totalMs);
        case MaxMemory:
            return formatMegabytes(r.maxUsedMB);
        case Cost:
            return formatMoney(r.billing.cost);
        default:
            return {};
        }
    case Qt::TextAlignmentRole:
        if (column == Duration || column == MaxMemory || column == Cost)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
    case Qt::ForegroundRole:
        if (isError(r) && column != Timeline)
            return errorColor();
        return {};
    case Qt::BackgroundRole:
        // A failed call's whole row is tinted in its outcome's colour, so errors stand out in
        // a long list even where the status code says 200.
        if (isError(r)) {
            QColor tint = outcomeColor(outcomeOf(r), QGuiApplication::palette());
            tint.setAlpha(isDarkPalette(QGuiApplication::palette()) ? 55 : 35);
            return tint;
        }
        return {};
    case Qt::ToolTipRole:
        switch (column) {
        case Status:
            if (r.error)
                return QString(outcomeName(outcomeOf(r)) + u" — "_qs + r.error->code + u": "_qs +
                               r.error->message);
            return outcomeName(outcomeOf(r));
        case Kind:
            if (r.client)
                return QString(r.client->method + u' ' + r.client->target +
                               (r.client->async ? tr(" (asynchronous)") : QString()));
            return {};
        case Duration:
            return tr("Total %1 (invoke %2, billed %3 ms)")
                .arg(formatDuration(r.timings.totalMs), formatDuration(r.timings.invokeMs))
                .arg(r.billing.billedDurationMs);
        case MaxMemory:
            return QString(tr("%1 of %2 MB").arg(formatMegabytes(r.maxUsedMB)).arg(r.memorySizeMB) +
                           (r.memoryAccounting.isEmpty()
                                ? QString()
                                : tr(" (measured by %1)").arg(r.memoryAccounting)));
        case Timeline:
            return phaseSummary(r);
        default:
            return {};
        }
    case SortRole:
        switch (column) {
        case Time:
            return r.startedAt.toMSecsSinceEpoch();
        case RequestId:
            return r.requestId;
        case Kind:
            return r.kind;
        case ColdWarm:
            return r.coldStart ? 1 : 0;
        case Status:
            return r.statusCode;
        case Duration:
        case Timeline:
            return r.timings.totalMs;
        case MaxMemory:
            return r.maxUsedMB;
        case Cost:
            return r.billing.cost.pico();
        default:
            return {};
        }
    case RecordRole:
        return QVariant::fromValue(&r);
    case SerialRole:
        return m_store->serialAt(index.row());
    case FilterRole:
        return filterText(r);
    case ErrorRole:
        return isError(r);
    case OutcomeRole:
        return int(outcomeOf(r));
    default:
        return {};
    }
}

void RequestModel::setTimelineScaleMs(double ms)
{
    if (ms == m_timelineScaleMs)
        return;
    m_timelineScaleMs = ms;
    emit headerDataChanged(Qt::Horizontal, Timeline, Timeline);
}

QVariant RequestModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Horizontal && section == Timeline && role == Qt::ToolTipRole)
        return tr("Each bar is drawn to this scale: the whole width is the longest request "
                  "shown, its phases in their colours.");
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Time:
        return tr("Time");
    case RequestId:
        return tr("Request ID");
    case Kind:
        return tr("Kind");
    case ColdWarm:
        return tr("Cold/Warm");
    case Status:
        return tr("Status");
    case Duration:
        return tr("Duration");
    case MaxMemory:
        return tr("Max memory");
    case Cost:
        return tr("Cost");
    case Timeline:
        return m_timelineScaleMs > 0 ? tr("Timeline 0–%1").arg(formatDuration(m_timelineScaleMs))
                                     : tr("Timeline");
    default:
        return {};
    }
}

} // namespace Fcemu::Ui
