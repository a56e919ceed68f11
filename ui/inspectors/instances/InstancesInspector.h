#pragma once

#include <functional>

#include <QWidget>

#include "inspectors/instances/InstanceViewRange.h"

class QLabel;
class QPainter;
class QPushButton;
class QToolButton;
class QScrollArea;
class QTimer;

namespace Fcemu::Session {
class FunctionSession;
}

namespace Fcemu::Ui {

class InstanceTimeline;
struct InstanceLane;

// The lanes: a time axis in seconds from the first retained change, one lane per instance
// labelled with the tail of its id, segments in instanceStateColor, markers for cold starts,
// reclaims, pre-stop calls and stops, and a legend. By default the view follows the newest
// burst (from just before it to now); Ctrl+wheel zooms around the pointer, dragging pans, and
// either stops following. Only the lanes with something in view are drawn. An idle lane shows
// when FC will reclaim it ("reclaim in 2:47"; provisioned instances are kept). Each log line of
// an instance is a tick at the foot of its lane; lines closer than kLogTickPx share one (a
// tooltip gives their number and text). Only the ticks in view are looked at (found by binary
// search), so 100,000 lines cost a paint no more than the pixels they fall on.
class InstanceLanesView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(InstanceLanesView)

public:
    explicit InstanceLanesView(InstanceTimeline *timeline, QWidget *parent = nullptr);

    // Where "now" is for lanes that have not stopped (Runtime::monotonicNs by default).
    void setClock(std::function<qint64()> clock);
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;
    // "c-…2df37e4bf046"
    static QString shortId(const QString &instanceId);
    // The lane at pos (widget coordinates); null when there is none.
    const InstanceLane *laneAt(const QPoint &pos) const;

    // The time shown: the newest burst while following, else what zoom and pan made it.
    InstanceViewRange viewRange() const;
    bool isFollowing() const { return m_follow; }
    void setFollowing(bool follow);
    // factor < 1 zooms in around `anchor` (0..1 across the plot); stops following.
    void zoom(double factor, double anchor = 0.5);
    void panByPixels(int dx);
    // The whole session (stops following).
    void showAll();
    // The lanes with something in view, as indexes into the timeline's lanes.
    QList<int> visibleLanes() const;
    // FC's idle timeout, for the reclaim countdown.
    void setIdleTimeoutS(int seconds);
    // "reclaim in 2:47" for an idle lane, "kept (provisioned)" for a provisioned one, else "".
    QString laneNote(const InstanceLane &lane) const;

    static constexpr int kLogTickPx = 3;
    struct LogTick
    {
        double x = 0;  // the time of its first line
        int first = 0; // index into the lane's logNs
        int count = 0;
    };
    // The lane's log ticks in view, left to right.
    QList<LogTick> logTicks(const InstanceLane &lane) const;
    // The x of a monotonic time in the current view (widget coordinates).
    double xOfNs(qint64 ns) const;
    // The top of the shownIndex-th lane drawn (widget coordinates).
    int laneTop(int shownIndex) const;
    // The tooltip of the log tick at pos ("" when there is none there).
    QString logTipAt(const QPoint &pos) const;

signals:
    void followingChanged(bool following);

protected:
    void paintEvent(QPaintEvent *event) override;
    bool event(QEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;

private:
    int headerHeight() const;
    int labelWidth() const;
    int plotWidth() const;
    qint64 endNs() const;
    void paintLogTicks(QPainter &p, const InstanceLane &lane, int top) const;

    InstanceTimeline *m_timeline;
    std::function<qint64()> m_clock;
    bool m_follow = true;
    InstanceViewRange m_range; // when not following
    int m_idleTimeoutS = 180;
    std::optional<QPoint> m_dragFrom;
    mutable std::optional<std::pair<qint64, InstanceViewRange>> m_followCache;
    InstanceViewRange m_dragRange;
    QTimer *m_logRepaint = nullptr;
};

// The Instances dock: the lanes, a count, and the two actions FC's console lacks locally.
class InstancesInspector final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(InstancesInspector)

public:
    explicit InstancesInspector(Session::FunctionSession *session, QWidget *parent = nullptr);

    InstanceTimeline *timeline() const { return m_timeline; }
    InstanceLanesView *lanesView() const { return m_lanes; }
    QString countText() const;
    // Whether the lanes repaint on their own (~10 Hz while an instance is not stopped).
    bool isAnimating() const;

private:
    void timelineChanged();
    void sessionLoaded();

    Session::FunctionSession *m_session;
    InstanceTimeline *m_timeline;
    InstanceLanesView *m_lanes;
    QScrollArea *m_scroll;
    QLabel *m_count;
    QPushButton *m_coldStart;
    QPushButton *m_stopAll;
    QToolButton *m_follow;
    QTimer *m_repaint;
};

} // namespace Fcemu::Ui
