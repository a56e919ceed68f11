#pragma once

#include <QAbstractTableModel>

#include "telemetry/RecordStore.h"

namespace Fcemu::Ui {

// The session's invocation records as a browser's network panel lists them: one row per record,
// in the store's order (oldest first). Rows follow the store's paired signals one-to-one
// (KeePassXC's EntryModel follows its Group the same way), so a view never sees a row whose
// record is gone: the store drops its oldest record between beginRemoveRows and endRemoveRows.
class RequestModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RequestModel)

public:
    enum Column {
        Time,
        RequestId,
        Kind,
        ColdWarm,
        Status,
        Duration,
        MaxMemory,
        Cost,
        Timeline,
        ColumnCount
    };
    enum Role {
        // const Telemetry::InvocationRecord *: valid until the store drops the record.
        RecordRole = Qt::UserRole + 1,
        // The record's serial (RecordStore::serialAt), a stable key across drops.
        SerialRole,
        // A number for numeric columns, text otherwise: what the proxy sorts by.
        SortRole,
        // Everything the filter box matches (id, kind, status, method and path, error code),
        // lower-case; the same for every column.
        FilterRole,
        // true for a record with an error or a 4xx/5xx status.
        ErrorRole,
        // The record's Outcome (common/Format.h) as an int.
        OutcomeRole,
    };

    explicit RequestModel(Telemetry::RecordStore *store, QObject *parent = nullptr);

    const Telemetry::RecordStore *store() const { return m_store; }
    // The record of a row of this model, or nullptr.
    const Telemetry::InvocationRecord *record(int row) const;
    // The row of a request id, or -1.
    int rowOf(const QString &requestId) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // The Status column's text: "200", or "500 FunctionTimeoutError" when the record failed.
    static QString statusText(const Telemetry::InvocationRecord &record);
    static bool isError(const Telemetry::InvocationRecord &record);
    // The filter text of a record (see FilterRole).
    static QString filterText(const Telemetry::InvocationRecord &record);

    // The duration the Timeline column's full width stands for, shown in its header
    // ("Timeline 0–16.2 ms"); 0 shows no scale. The view sets it: it depends on the rows shown.
    void setTimelineScaleMs(double ms);
    double timelineScaleMs() const { return m_timelineScaleMs; }

private:
    Telemetry::RecordStore *m_store;
    double m_timelineScaleMs = 0;
};

} // namespace Fcemu::Ui
