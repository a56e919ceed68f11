#pragma once

#include <functional>

#include <QWidget>

class QLabel;
class QPushButton;
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
// reclaims, pre-stop calls and stops, and a legend.
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

protected:
    void paintEvent(QPaintEvent *event) override;
    bool event(QEvent *event) override;

private:
    int headerHeight() const;
    int labelWidth() const;
    qint64 endNs() const;

    InstanceTimeline *m_timeline;
    std::function<qint64()> m_clock;
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
    QTimer *m_repaint;
};

} // namespace Fcemu::Ui
