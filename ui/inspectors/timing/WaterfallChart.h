#pragma once

#include <QDateTime>
#include <QWidget>

#include "common/Format.h"

class QMouseEvent;
class QPainter;

namespace Fcemu::Ui {

// One log line of a call at its time on the waterfall's axis (WaterfallLogs.cpp).
struct TimingLogMark
{
    double ms = 0;          // from the start of the call, on the waterfall's axis
    int line = 0;           // its index in the record's logs
    qint64 timestampMs = 0; // when it was written (ms since the epoch)
    QString text;
    bool startup = false; // printed while the instance started: placed inside the start-up bar
};

// The record's log lines on the waterfall's time axis, in time order; empty when its lines
// carry no times (an imported HAR). The axis draws the image phases of a cold start (which ran
// before the call arrived) after its queue, so a line's time since the call arrived is moved past
// them; the lines before FC's first framing line of a cold start are its start-up output and sit
// inside the start-up bar.
QList<TimingLogMark> logMarksOf(const Telemetry::InvocationRecord &record);

// One call as the Timing inspector draws it.
struct TimingColumn
{
    QString requestId;
    bool coldStart = false;
    QDateTime startedAt;
    QList<PhaseSpan> phases; // the non-zero phases, in order
    double phaseSumMs = 0;
    double totalMs = 0;
    double unattributedMs = 0; // totalMs - phaseSumMs when that is more than 1% of the sum
    QList<Phase> skipped;      // phases the other call had and this one did not
    QList<Phase> cached;       // a cold start's image phases it did not need: "cached, 0 ms"
    bool isComparison = false;
    bool isPinned = false;         // a comparison the user chose (Compare with this)
    QList<TimingLogMark> logMarks; // drawn for the selected call (not the comparison)
};

// The painted waterfall of one call, or of two on one time scale: a row per phase (name, a bar
// that starts where the phases before it ended, the duration), "skipped" rows for phases the
// other call had, an unattributed row when the phases fall short of the total, and the total.
// Below the selected call's phases, a "Logs" row marks each of its log lines at its time (a
// tooltip gives the text, a click asks for the line in the Logs inspector); lines closer than
// kLogClusterPx share one marker with their count.
class WaterfallChart final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WaterfallChart)

public:
    explicit WaterfallChart(QWidget *parent = nullptr);

    void setColumns(const QList<TimingColumn> &columns);
    // One line per drawn row, "name<TAB>right-hand text", for tests.
    QStringList rowTexts() const;
    // The longest call drawn (the time the full bar width stands for).
    double scaleMs() const { return m_scaleMs; }

    // Log lines closer than this many pixels share one marker.
    static constexpr int kLogClusterPx = 3;
    struct LogCluster
    {
        double x = 0;  // where the marker is drawn: the time of its first line
        int first = 0; // index into logMarks()
        int count = 0;
    };
    // The selected call's log lines as drawn at the current width, and their markers.
    const QList<TimingLogMark> &logMarks() const { return m_logMarks; }
    QList<LogCluster> logClusters() const;
    // The x of a time on the axis (widget coordinates).
    double xOfMs(double ms) const;
    // The Logs row's vertical centre, -1 when there is none.
    int logRowCenterY() const;
    // The tooltip of the marker at x on the Logs row ("" when there is none there).
    QString logTipAt(double x) const;

signals:
    // A log marker was clicked: its (first) line.
    void logLineClicked(const QString &requestId, qint64 timestampMs, const QString &text);

public:
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;
    bool event(QEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;

private:
    struct Row
    {
        enum Kind { Title, PhaseRow, Skipped, Unattributed, Total, Gap, Logs };
        Kind kind = Gap;
        QString name;
        QString right;
        Phase phase = Phase::Queue;
        double offsetMs = 0;
        double ms = 0;
        QString tip;
        bool emphasis = false;
    };
    int rowHeight() const;
    int rowTop(int index) const;
    int nameWidth() const;
    int rightWidth() const;
    int logRowIndex() const;
    const LogCluster *clusterAt(const QList<LogCluster> &clusters, double x) const;
    void paintLogs(QPainter &p, const QRect &line) const;

    QList<Row> m_rows;
    QList<TimingLogMark> m_logMarks; // of the Logs row
    QString m_logRequestId;
    double m_scaleMs = 0;
};

} // namespace Fcemu::Ui
