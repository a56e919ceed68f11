#include "InstancesInspector.h"

#include <algorithm>
#include <cmath>

#include <QHBoxLayout>
#include <QHelpEvent>
#include <QMouseEvent>
#include <QToolButton>
#include <QWheelEvent>
#include <QLabel>
#include <QPainter>
#include <QPainterPath>
#include <QPushButton>
#include <QScrollArea>
#include <QTimer>
#include <QToolTip>
#include <QVBoxLayout>

#include "common/Format.h"
#include "inspectors/instances/InstanceTimeline.h"
#include "inspectors/instances/OpenShell.h"
#include "runtime/InstanceSetup.h"
#include "session/FunctionSession.h"

namespace Fcemu::Ui {

InstancesInspector::InstancesInspector(Session::FunctionSession *session, QWidget *parent)
    : QWidget(parent), m_session(session), m_timeline(new InstanceTimeline(this)),
      m_lanes(new InstanceLanesView(m_timeline, this)), m_scroll(new QScrollArea(this)),
      m_count(new QLabel(this)), m_coldStart(new QPushButton(tr("Force cold start"), this)),
      m_stopAll(new QPushButton(tr("Stop all"), this)), m_follow(new QToolButton(this)),
      m_repaint(new QTimer(this))
{
    m_follow->setText(tr("Follow newest burst"));
    m_follow->setObjectName(u"followBurst"_qs);
    m_follow->setCheckable(true);
    m_follow->setChecked(true);
    m_follow->setToolTip(tr("Show from just before the newest burst of calls to now"));
    auto *zoomIn = new QToolButton(this);
    zoomIn->setText(tr("Zoom in"));
    zoomIn->setObjectName(u"lanesZoomIn"_qs);
    zoomIn->setToolTip(tr("Zoom in (Ctrl+wheel over the lanes; drag to pan)"));
    auto *zoomOut = new QToolButton(this);
    zoomOut->setText(tr("Zoom out"));
    zoomOut->setObjectName(u"lanesZoomOut"_qs);
    auto *all = new QToolButton(this);
    all->setText(tr("Whole session"));
    all->setObjectName(u"lanesShowAll"_qs);
    connect(m_follow, &QToolButton::toggled, m_lanes, &InstanceLanesView::setFollowing);
    connect(m_lanes, &InstanceLanesView::followingChanged, m_follow, &QToolButton::setChecked);
    connect(zoomIn, &QToolButton::clicked, m_lanes, [this]() { m_lanes->zoom(0.5); });
    connect(zoomOut, &QToolButton::clicked, m_lanes, [this]() { m_lanes->zoom(2.0); });
    connect(all, &QToolButton::clicked, m_lanes, &InstanceLanesView::showAll);
    auto *viewBar = new QHBoxLayout;
    viewBar->setContentsMargins(0, 0, 0, 0);
    viewBar->addWidget(m_follow);
    viewBar->addWidget(zoomIn);
    viewBar->addWidget(zoomOut);
    viewBar->addWidget(all);
    viewBar->addStretch();
    m_coldStart->setToolTip(tr("Stop every instance (pre-stop as configured): the next call "
                               "starts a new one"));
    m_stopAll->setToolTip(tr("Stop every instance; provisioned ones come back at once"));
    m_scroll->setWidget(m_lanes);
    m_scroll->setWidgetResizable(true);
    m_scroll->setFrameShape(QFrame::NoFrame);

    auto *bar = new QHBoxLayout;
    bar->setContentsMargins(0, 0, 0, 0);
    bar->addWidget(m_count, 1);
    bar->addWidget(m_coldStart);
    bar->addWidget(m_stopAll);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(bar);
    layout->addLayout(viewBar);
    layout->addWidget(m_scroll, 1);

    // Lanes that have not stopped grow with the clock; repaint them at 10 Hz, and not at all
    // once everything has stopped.
    m_repaint->setInterval(100);
    connect(m_repaint, &QTimer::timeout, m_lanes, qOverload<>(&QWidget::update));
    connect(m_timeline, &InstanceTimeline::changed, this, &InstancesInspector::timelineChanged);

    // Right-click a lane: Open shell (fcemu exec in the desktop's terminal), Copy instance ID.
    m_lanes->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_lanes, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        if (const InstanceLane *lane = m_lanes->laneAt(pos))
            showInstanceMenu(this, lane->instanceId, lane->state != Runtime::InstanceState::Stopped,
                             m_lanes->mapToGlobal(pos));
    });
    connect(m_coldStart, &QPushButton::clicked, m_timeline, &InstanceTimeline::noteStopRequested);
    connect(m_stopAll, &QPushButton::clicked, m_timeline, &InstanceTimeline::noteStopRequested);
    // The pool starts its provisioned instances again after either (FC keeps them).
    for (QPushButton *restart : {m_coldStart, m_stopAll})
        connect(restart, &QPushButton::clicked, m_timeline, [this]() {
            if (m_session && m_session->isLoaded())
                m_timeline->expectProvisioned(m_session->config().provisioned);
        });
    if (session) {
        connect(session, &Session::FunctionSession::instanceStateChanged, m_timeline,
                &InstanceTimeline::record);
        connect(session, &Session::FunctionSession::logLine, m_timeline,
                &InstanceTimeline::recordLogLine);
        connect(m_coldStart, &QPushButton::clicked, session, [this] {
            m_session->forceColdStart();
            // forceColdStart() destroys the pool, which kills its instances without reporting
            // them stopped: close their lanes here (a no-op once the engine reports them).
            m_timeline->stopAll(Runtime::monotonicNs());
        });
        connect(m_stopAll, &QPushButton::clicked, session,
                &Session::FunctionSession::stopInstances);
        connect(session, &Session::FunctionSession::loaded, this,
                &InstancesInspector::sessionLoaded);
        connect(session, &Session::FunctionSession::unloaded, this,
                &InstancesInspector::sessionLoaded);
    }
    sessionLoaded();
    timelineChanged();
}

void InstancesInspector::sessionLoaded()
{
    const bool loaded = m_session && m_session->isLoaded();
    m_coldStart->setEnabled(loaded);
    m_stopAll->setEnabled(loaded);
    if (loaded) {
        m_timeline->setPreStopConfigured(m_session->config().preStop.isSet());
        m_timeline->expectProvisioned(m_session->config().provisioned);
        m_lanes->setIdleTimeoutS(m_session->config().idleTimeoutS);
    }
}

QString InstancesInspector::countText() const
{
    return m_count->text();
}

bool InstancesInspector::isAnimating() const
{
    return m_repaint->isActive();
}

void InstancesInspector::timelineChanged()
{
    const int active = m_timeline->activeCount();
    const int shown = int(m_timeline->lanes().size());
    // No translation files ship, so plurals are spelled out rather than left to tr()'s %n.
    m_count->setText(
        (active == 1 ? tr("1 instance running") : tr("%1 instances running").arg(active)) +
        u" · "_qs + (shown == 1 ? tr("1 lane") : tr("%1 lanes").arg(shown)));
    if (active > 0 && !m_repaint->isActive())
        m_repaint->start();
    else if (active == 0)
        m_repaint->stop();
    m_lanes->updateGeometry();
    m_lanes->update();
}

} // namespace Fcemu::Ui
