#include "InstancesInspector.h"

#include <algorithm>
#include <cmath>

#include <QHBoxLayout>
#include <QHelpEvent>
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

namespace {

using Runtime::InstanceState;

constexpr int kLaneHeight = 14;
constexpr int kLaneGap = 8;
constexpr int kMargin = 6;
constexpr qint64 kNsPerSecond = 1'000'000'000;

const InstanceState kStates[] = {InstanceState::Starting, InstanceState::Ready, InstanceState::Busy,
                                 InstanceState::Idle, InstanceState::Stopping};
const InstanceMarkerKind kMarkers[] = {InstanceMarkerKind::ColdStart, InstanceMarkerKind::Reclaim,
                                       InstanceMarkerKind::PreStop, InstanceMarkerKind::Stopped};

QString markerName(InstanceMarkerKind kind)
{
    switch (kind) {
    case InstanceMarkerKind::ColdStart:
        return QObject::tr("cold start");
    case InstanceMarkerKind::Reclaim:
        return QObject::tr("idle reclaim");
    case InstanceMarkerKind::PreStop:
        return QObject::tr("pre-stop");
    case InstanceMarkerKind::Stopped:
        return QObject::tr("stopped");
    }
    return {};
}

QColor markerColor(InstanceMarkerKind kind, const QPalette &palette)
{
    const bool dark = isDarkPalette(palette);
    switch (kind) {
    case InstanceMarkerKind::ColdStart:
        return dark ? QColor(0x5c, 0xc8, 0xf0) : QColor(0x0b, 0x6f, 0xa8);
    case InstanceMarkerKind::Reclaim:
        return dark ? QColor(0xff, 0x9e, 0x64) : QColor(0xb3, 0x4d, 0x0f);
    case InstanceMarkerKind::PreStop:
        return dark ? QColor(0xd0, 0x9c, 0xff) : QColor(0x7b, 0x3f, 0xb8);
    case InstanceMarkerKind::Stopped:
        return palette.color(QPalette::WindowText);
    }
    return {};
}

// Draws a marker centred on x, its shape telling it apart without colour: a triangle for a
// cold start, a diamond for a reclaim, a circle for pre-stop, a bar for stopped.
void drawMarker(QPainter &p, InstanceMarkerKind kind, qreal x, qreal top, qreal height,
                const QPalette &palette)
{
    const QColor color = markerColor(kind, palette);
    p.save();
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(QPen(palette.color(QPalette::Window), 1));
    p.setBrush(color);
    const qreal mid = top + height / 2;
    switch (kind) {
    case InstanceMarkerKind::ColdStart: {
        QPainterPath path;
        path.moveTo(x - 5, top - 4);
        path.lineTo(x + 5, top - 4);
        path.lineTo(x, top + 3);
        path.closeSubpath();
        p.drawPath(path);
        break;
    }
    case InstanceMarkerKind::Reclaim: {
        QPainterPath path;
        path.moveTo(x, mid - 5);
        path.lineTo(x + 5, mid);
        path.lineTo(x, mid + 5);
        path.lineTo(x - 5, mid);
        path.closeSubpath();
        p.drawPath(path);
        break;
    }
    case InstanceMarkerKind::PreStop:
        p.drawEllipse(QPointF(x, top + height + 2), 3.5, 3.5);
        break;
    case InstanceMarkerKind::Stopped:
        p.setPen(Qt::NoPen);
        p.drawRect(QRectF(x - 1, top - 2, 2.5, height + 4));
        break;
    }
    p.restore();
}

// A tick step of 1, 2 or 5 × 10^n seconds giving at least minPixels between ticks.
double tickStep(double seconds, double pixels, double minPixels)
{
    const double raw = seconds * minPixels / std::max(pixels, 1.0);
    const double magnitude = std::pow(10.0, std::floor(std::log10(std::max(raw, 1e-3))));
    for (const double m : {1.0, 2.0, 5.0, 10.0})
        if (m * magnitude >= raw)
            return m * magnitude;
    return 10 * magnitude;
}

} // namespace

InstanceLanesView::InstanceLanesView(InstanceTimeline *timeline, QWidget *parent)
    : QWidget(parent), m_timeline(timeline), m_clock(&Runtime::monotonicNs)
{
    setAttribute(Qt::WA_OpaquePaintEvent);
    setMouseTracking(true);
}

void InstanceLanesView::setClock(std::function<qint64()> clock)
{
    m_clock = std::move(clock);
    update();
}

QString InstanceLanesView::shortId(const QString &instanceId)
{
    const qsizetype dash = instanceId.lastIndexOf(u'-');
    return dash > 0 ? instanceId.left(2) + u"…"_qs + instanceId.mid(dash + 1) : instanceId;
}

int InstanceLanesView::headerHeight() const
{
    // Two legend rows (states, markers) and the axis labels.
    return 3 * (fontMetrics().height() + 4) + kMargin;
}

int InstanceLanesView::labelWidth() const
{
    return fontMetrics().horizontalAdvance(u"c-…0000000000000"_qs) + 2 * kMargin;
}

QSize InstanceLanesView::sizeHint() const
{
    const int lanes = std::max<int>(int(m_timeline->lanes().size()), 3);
    return {480, headerHeight() + lanes * (kLaneHeight + kLaneGap) + kMargin};
}

QSize InstanceLanesView::minimumSizeHint() const
{
    return {labelWidth() + 120, headerHeight() + (kLaneHeight + kLaneGap) + kMargin};
}

qint64 InstanceLanesView::endNs() const
{
    qint64 end = m_timeline->lastNs();
    if (m_timeline->activeCount() > 0)
        end = std::max(end, m_clock());
    return end;
}

void InstanceLanesView::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    const QPalette &pal = palette();
    p.fillRect(rect(), pal.color(QPalette::Base));
    const QFontMetrics metrics = fontMetrics();
    const int line = metrics.height() + 4;

    // Legend: states, then markers.
    int x = kMargin;
    int y = kMargin;
    p.setPen(pal.color(QPalette::Text));
    for (const InstanceState state : kStates) {
        const QString name = Runtime::instanceStateName(state);
        p.fillRect(QRect(x, y + (line - 10) / 2, 14, 10), instanceStateColor(state));
        p.setPen(pal.color(QPalette::Text));
        p.drawText(x + 18, y + metrics.ascent() + 2, name);
        x += 18 + metrics.horizontalAdvance(name) + 12;
    }
    x = kMargin;
    y += line;
    for (const InstanceMarkerKind kind : kMarkers) {
        const QString name = markerName(kind);
        drawMarker(p, kind, x + 7, y + (line - 10) / 2.0 + 2, 8, pal);
        p.setPen(pal.color(QPalette::Text));
        p.drawText(x + 18, y + metrics.ascent() + 2, name);
        x += 18 + metrics.horizontalAdvance(name) + 12;
    }
    y += line;

    const QList<InstanceLane> &lanes = m_timeline->lanes();
    const int left = labelWidth();
    const int right = width() - kMargin - metrics.horizontalAdvance(u"00s"_qs) / 2;
    const int plotWidth = std::max(right - left, 10);
    const qint64 origin = m_timeline->originNs();
    const qint64 end = std::max(endNs(), origin + kNsPerSecond);
    const double span = double(end - origin);
    const auto toX = [&](qint64 ns) { return left + double(ns - origin) / span * plotWidth; };
    const int lanesTop = y + line;
    const int lanesBottom = lanesTop + int(lanes.size()) * (kLaneHeight + kLaneGap);

    // Axis: seconds since the first retained change, with grid lines through the lanes.
    const double seconds = span / kNsPerSecond;
    const double step = tickStep(seconds, plotWidth, 70);
    QColor grid = pal.color(QPalette::Text);
    grid.setAlpha(36);
    for (double t = 0; t <= seconds + 1e-9; t += step) {
        const double tx = left + t / seconds * plotWidth;
        const QString label = step < 1 ? QString::number(t, 'f', 1) + u" s"_qs
                                       : QString::number(qint64(std::llround(t))) + u" s"_qs;
        p.setPen(pal.color(QPalette::PlaceholderText));
        p.drawText(QRectF(tx - 40, y, 80, line), Qt::AlignCenter, label);
        p.setPen(grid);
        p.drawLine(QPointF(tx, lanesTop - 4), QPointF(tx, std::max(lanesBottom, lanesTop + 4)));
    }
    if (lanes.isEmpty()) {
        p.setPen(pal.color(QPalette::PlaceholderText));
        p.drawText(QRect(left, lanesTop, plotWidth, line * 2), Qt::AlignLeft | Qt::AlignVCenter,
                   tr("No instances yet: invoke the function to start one."));
        return;
    }

    const qint64 now = endNs();
    int top = lanesTop + kLaneGap / 2;
    for (const InstanceLane &lane : lanes) {
        p.setPen(pal.color(QPalette::Text));
        p.drawText(QRect(kMargin, top - 2, left - 2 * kMargin, kLaneHeight + 4),
                   Qt::AlignLeft | Qt::AlignVCenter, shortId(lane.instanceId));
        for (const InstanceSegment &segment : lane.segments) {
            const double x0 = toX(segment.startNs);
            const double x1 = toX(segment.endNs < 0 ? now : segment.endNs);
            p.fillRect(QRectF(x0, top, std::max(x1 - x0, 1.5), kLaneHeight),
                       instanceStateColor(segment.state));
        }
        for (const InstanceMarker &marker : lane.markers)
            drawMarker(p, marker.kind, toX(marker.ns), top, kLaneHeight, pal);
        top += kLaneHeight + kLaneGap;
    }
}

const InstanceLane *InstanceLanesView::laneAt(const QPoint &pos) const
{
    const QList<InstanceLane> &lanes = m_timeline->lanes();
    const int lanesTop = kMargin + 3 * (fontMetrics().height() + 4);
    const int index = (pos.y() - lanesTop) / (kLaneHeight + kLaneGap);
    if (pos.y() < lanesTop || index >= lanes.size())
        return nullptr;
    return &lanes.at(index);
}

bool InstanceLanesView::event(QEvent *event)
{
    if (event->type() != QEvent::ToolTip)
        return QWidget::event(event);
    const auto *help = static_cast<QHelpEvent *>(event);
    const InstanceLane *hit = laneAt(help->pos());
    if (hit == nullptr) {
        QToolTip::hideText();
        event->ignore();
        return true;
    }
    const InstanceLane &lane = *hit;
    const qint64 origin = m_timeline->originNs();
    QString text =
        lane.instanceId + u'\n' + tr("now %1").arg(Runtime::instanceStateName(lane.state));
    for (const InstanceSegment &segment : lane.segments) {
        const double from = double(segment.startNs - origin) / kNsPerSecond;
        text += u'\n' +
                tr("%1 from %2 s")
                    .arg(Runtime::instanceStateName(segment.state), QString::number(from, 'f', 2));
    }
    QToolTip::showText(help->globalPos(), text, this);
    return true;
}

InstancesInspector::InstancesInspector(Session::FunctionSession *session, QWidget *parent)
    : QWidget(parent), m_session(session), m_timeline(new InstanceTimeline(this)),
      m_lanes(new InstanceLanesView(m_timeline, this)), m_scroll(new QScrollArea(this)),
      m_count(new QLabel(this)), m_coldStart(new QPushButton(tr("Force cold start"), this)),
      m_stopAll(new QPushButton(tr("Stop all"), this)), m_repaint(new QTimer(this))
{
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
            showInstanceMenu(this, lane->instanceId, lane->state != InstanceState::Stopped,
                             m_lanes->mapToGlobal(pos));
    });
    connect(m_coldStart, &QPushButton::clicked, m_timeline, &InstanceTimeline::noteStopRequested);
    connect(m_stopAll, &QPushButton::clicked, m_timeline, &InstanceTimeline::noteStopRequested);
    if (session) {
        connect(session, &Session::FunctionSession::instanceStateChanged, m_timeline,
                &InstanceTimeline::record);
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
    if (loaded)
        m_timeline->setPreStopConfigured(m_session->config().preStop.isSet());
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
