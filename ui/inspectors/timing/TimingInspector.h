#pragma once

#include <optional>

#include <QWidget>

#include "WaterfallChart.h"
#include "telemetry/RecordStore.h"

class QLabel;
class QStackedWidget;

namespace Fcemu::Ui {

// The Timing inspector: the selected call's phases as a waterfall (each bar starts where the
// phases before it ended), with a call of the other kind drawn below it on the same time scale
// (a cold call is compared with the newest warm call, a warm call with the newest cold call
// before it), so what a cold start costs is visible at a glance. A legend explains each phase
// in one sentence. Like the Headers inspector it keeps copies of what it draws.
class TimingInspector final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TimingInspector)

public:
    using Column = TimingColumn;

    explicit TimingInspector(const Telemetry::RecordStore *store, QWidget *parent = nullptr);

    void showRecord(const Telemetry::InvocationRecord *record);
    // Compare any two runs: the selected call is compared with this one (by request id) instead
    // of the automatic choice, while it is in the store. "" goes back to the automatic choice.
    void setPinnedComparison(const QString &requestId);
    QString pinnedComparison() const { return m_pinned; }

    WaterfallChart *chart() const { return m_chart; }
    const std::optional<Column> &selected() const { return m_selected; }
    const std::optional<Column> &comparison() const { return m_comparison; }
    // A section under the waterfall, above the legend (the start-up profile view).
    void addSection(QWidget *section);
    // The text of the legend (phase names and explanations), for tests and screen readers.
    QString legendText() const;

    // The call the selected one is compared with: for a cold call the store's newest warm call,
    // for a warm call the newest cold call before it in the store (or the newest at all when the
    // record is not in the store). nullptr when there is none.
    static const Telemetry::InvocationRecord *
    comparisonFor(const Telemetry::RecordStore &store, const Telemetry::InvocationRecord &record);
    static Column columnOf(const Telemetry::InvocationRecord &record);

private:
    void setComparison(const Telemetry::InvocationRecord *record);
    void refresh();

    const Telemetry::RecordStore *m_store;
    QStackedWidget *m_stack;
    QLabel *m_empty;
    WaterfallChart *m_chart;
    QLabel *m_legend;
    QWidget *m_content = nullptr;
    std::optional<Column> m_selected;
    std::optional<Column> m_comparison;
    QString m_pinned;
};

} // namespace Fcemu::Ui
