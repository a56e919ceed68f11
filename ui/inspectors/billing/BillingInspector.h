#pragma once

#include <QAbstractTableModel>
#include <QList>
#include <QWidget>

#include "billing/Billing.h"
#include "billing/SessionTotals.h"

class QCheckBox;
class QLabel;
class QTableView;

namespace Fcemu::Session {
class FunctionSession;
}
namespace Fcemu::Telemetry {
struct InvocationRecord;
}

namespace Fcemu::Ui {

class WhatIfChart;

// Billing's working lines as a table: what, quantity, × factor, = amount.
class WorkingModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WorkingModel)

public:
    enum Column { Item, Quantity, Factor, Amount, ColumnCount };

    explicit WorkingModel(QObject *parent = nullptr);

    void setLines(const QList<Billing::WorkingLine> &lines);
    const QList<Billing::WorkingLine> &lines() const { return m_lines; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QList<Billing::WorkingLine> m_lines;
};

// The Billing dock (CONTRACT §8): the selected invocation's charge with its working in the
// session's model, the session's totals (summed from exact quantities, reset when another function
// is loaded), and what the same invocation would cost at other memory sizes.
class BillingInspector final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BillingInspector)

public:
    // The memory sizes of the what-if chart (FC's sizes from 128 MB to 32 GB, doubling), plus
    // the record's own size when it is none of them.
    static QList<int> whatIfSizes(int currentMB);

    explicit BillingInspector(Session::FunctionSession *session, QWidget *parent = nullptr);
    ~BillingInspector() override;

    // The record's working and what-if; nullptr clears them. The record is copied.
    void showRecord(const Telemetry::InvocationRecord *record);

    // What is on screen, for tests and the status bar.
    WorkingModel *workingModel() const { return m_working; }
    WorkingModel *sessionWorkingModel() const { return m_sessionWorking; }
    const Billing::SessionTotals &totals() const { return m_totals; }
    const QList<Billing::WhatIfRow> &whatIfRows() const { return m_whatIf; }
    int whatIfCurrentMB() const { return m_whatIfCurrentMB; }
    // "Invocations", "GB-s", "Image pull GB-s", "CU", "Cost": the texts of the totals' labels.
    QString totalsText(const QString &field) const;
    // Why a cold call costs what it does (shown under the title; "" for a warm call).
    QString coldStartNote() const;
    // The note for a record: in fc2 a cold start's start-up is not billed, only the request.
    static QString coldStartNoteFor(const Telemetry::InvocationRecord &record);

public slots:
    // What invocationFinished feeds: adds the record's charge to the session totals. A charge of
    // another model (the function was reconfigured) starts the totals afresh in that model.
    void addInvocation(const Fcemu::Telemetry::InvocationRecord &record);
    void resetTotals(Fcemu::Billing::Model model);

private:
    void functionLoaded();
    void updateTotals();
    void updateWhatIf();

    Session::FunctionSession *m_session;
    WorkingModel *m_working;
    WorkingModel *m_sessionWorking;
    QLabel *m_title;
    QLabel *m_coldNote;
    QTableView *m_workingView;
    QTableView *m_sessionView;
    QList<QPair<QString, QLabel *>> m_totalLabels;
    QCheckBox *m_cpuBound;
    WhatIfChart *m_chart;
    Billing::SessionTotals m_totals;
    QString m_functionKey;
    std::unique_ptr<Telemetry::InvocationRecord> m_record;
    QList<Billing::WhatIfRow> m_whatIf;
    int m_whatIfCurrentMB = 0;
};

} // namespace Fcemu::Ui
