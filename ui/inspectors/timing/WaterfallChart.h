#pragma once

#include <QDateTime>
#include <QWidget>

#include "common/Format.h"

namespace Fcemu::Ui {

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
    bool isPinned = false; // a comparison the user chose (Compare with this)
};

// The painted waterfall of one call, or of two on one time scale: a row per phase (name, a bar
// that starts where the phases before it ended, the duration), "skipped" rows for phases the
// other call had, an unattributed row when the phases fall short of the total, and the total.
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

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;
    bool event(QEvent *event) override;

private:
    struct Row
    {
        enum Kind { Title, PhaseRow, Skipped, Unattributed, Total, Gap };
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

    QList<Row> m_rows;
    double m_scaleMs = 0;
};

} // namespace Fcemu::Ui
