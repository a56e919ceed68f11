#pragma once

#include <functional>

#include <QWidget>

#include "inspectors/instances/InstanceViewRange.h"

class QLabel;
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
// when FC will reclaim it ("reclaim in 2:47"; provisioned instances are kept).
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

    InstanceTimeline *m_timeline;
    std::function<qint64()> m_clock;
    bool m_follow = true;
    InstanceViewRange m_range; // when not following
    int m_idleTimeoutS = 180;
    std::optional<QPoint> m_dragFrom;
    mutable std::optional<std::pair<qint64, InstanceViewRange>> m_followCache;
    InstanceViewRange m_dragRange;
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
