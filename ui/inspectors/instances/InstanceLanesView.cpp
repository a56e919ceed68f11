// InstanceLanesView, the lanes of the Instances dock (declared in InstancesInspector.h).
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
    connect(m_timeline, &InstanceTimeline::changed, this, [this]() { m_followCache.reset(); });
    // New log ticks repaint at most 10 times a second (lines may come 10,000 a second).
    m_logRepaint = new QTimer(this);
    m_logRepaint->setSingleShot(true);
    m_logRepaint->setInterval(100);
    connect(m_logRepaint, &QTimer::timeout, this, qOverload<>(&QWidget::update));
    connect(m_timeline, &InstanceTimeline::logsChanged, this, [this]() {
        if (!m_logRepaint->isActive())
            m_logRepaint->start();
    });
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
    const int lanes = std::max<int>(int(visibleLanes().size()), 3);
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

int InstanceLanesView::plotWidth() const
{
    const int right = width() - kMargin - fontMetrics().horizontalAdvance(u"00s"_qs) / 2;
    return std::max(right - labelWidth(), 10);
}

InstanceViewRange InstanceLanesView::viewRange() const
{
    if (!m_follow)
        return m_range;
    // Finding the burst walks every segment (thousands under load), and a paint asks several
    // times: the answer is kept until the lanes change or the clock moves on by 50 ms.
    const qint64 now = endNs();
    const qint64 tick = now / 50'000'000;
    if (!m_followCache || m_followCache->first != tick) {
        const qint64 origin = m_timeline->originNs();
        m_followCache = {tick, followRange(m_timeline->lanes(), origin,
                                           std::max(now, origin + kNsPerSecond), kNsPerSecond)};
    }
    return m_followCache->second;
}

void InstanceLanesView::setFollowing(bool follow)
{
    if (!follow)
        m_range = viewRange(); // stay where the view is
    if (follow == m_follow)
        return;
    m_follow = follow;
    updateGeometry();
    update();
    emit followingChanged(follow);
}

void InstanceLanesView::zoom(double factor, double anchor)
{
    const InstanceViewRange range = viewRange().zoomed(factor, anchor);
    setFollowing(false);
    m_range = range;
    updateGeometry();
    update();
}

void InstanceLanesView::panByPixels(int dx)
{
    const InstanceViewRange range = viewRange();
    setFollowing(false);
    m_range = range.panned(qint64(-double(dx) / plotWidth() * double(range.spanNs())));
    updateGeometry();
    update();
}

void InstanceLanesView::showAll()
{
    setFollowing(false);
    const qint64 origin = m_timeline->originNs();
    m_range = {origin, std::max(endNs(), origin + kNsPerSecond)};
    updateGeometry();
    update();
}

QList<int> InstanceLanesView::visibleLanes() const
{
    const InstanceViewRange range = viewRange();
    const qint64 now = endNs();
    QList<int> shown;
    const QList<InstanceLane> &lanes = m_timeline->lanes();
    for (int i = 0; i < lanes.size(); ++i) {
        if (laneIntersects(lanes.at(i), range, now))
            shown.append(i);
    }
    return shown;
}

void InstanceLanesView::setIdleTimeoutS(int seconds)
{
    m_idleTimeoutS = seconds;
    update();
}

QString InstanceLanesView::laneNote(const InstanceLane &lane) const
{
    if (lane.state == InstanceState::Stopped)
        return {};
    if (lane.provisioned)
        return tr("kept (provisioned)");
    if (const std::optional<qint64> at = reclaimAtNs(lane, m_idleTimeoutS))
        return reclaimCountdown(*at - m_clock());
    return {};
}

void InstanceLanesView::wheelEvent(QWheelEvent *event)
{
    // Ctrl+wheel zooms around the pointer; the plain wheel scrolls the lanes.
    if (!(event->modifiers() & Qt::ControlModifier) || event->angleDelta().y() == 0) {
        QWidget::wheelEvent(event);
        return;
    }
    const double anchor = (event->position().x() - labelWidth()) / plotWidth();
    zoom(event->angleDelta().y() > 0 ? 0.8 : 1.25, anchor);
    event->accept();
}

void InstanceLanesView::mousePressEvent(QMouseEvent *event)
{
    if (event->button() == Qt::LeftButton && event->position().x() > labelWidth()) {
        m_dragFrom = event->position().toPoint();
        m_dragRange = viewRange();
        setCursor(Qt::ClosedHandCursor);
    }
    QWidget::mousePressEvent(event);
}

void InstanceLanesView::mouseMoveEvent(QMouseEvent *event)
{
    if (m_dragFrom) {
        const int dx = event->position().toPoint().x() - m_dragFrom->x();
        setFollowing(false);
        m_range =
            m_dragRange.panned(qint64(-double(dx) / plotWidth() * double(m_dragRange.spanNs())));
        update();
    }
    QWidget::mouseMoveEvent(event);
}

void InstanceLanesView::mouseReleaseEvent(QMouseEvent *event)
{
    if (m_dragFrom) {
        m_dragFrom.reset();
        unsetCursor();
        updateGeometry();
    }
    QWidget::mouseReleaseEvent(event);
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

    const QList<InstanceLane> &allLanes = m_timeline->lanes();
    const QList<int> shown = visibleLanes();
    const int left = labelWidth();
    const int plotWidth = this->plotWidth();
    const qint64 origin = m_timeline->originNs();
    const InstanceViewRange range = viewRange();
    const double span = double(std::max<qint64>(range.spanNs(), 1));
    const auto toX = [&](qint64 ns) {
        return left + double(ns - range.startNs) / span * plotWidth;
    };
    const int lanesTop = y + line;
    const int lanesBottom = lanesTop + int(shown.size()) * (kLaneHeight + kLaneGap);

    // Axis: seconds since the first retained change, with grid lines through the lanes.
    const double seconds = span / kNsPerSecond;
    const double step = tickStep(seconds, plotWidth, 70);
    const double firstTick =
        std::ceil(double(range.startNs - origin) / kNsPerSecond / step - 1e-9) * step;
    QColor grid = pal.color(QPalette::Text);
    grid.setAlpha(36);
    p.save();
    p.setClipRect(QRect(left - 40, 0, plotWidth + 80, height()));
    for (double t = firstTick; t <= firstTick + seconds + 1e-9; t += step) {
        const double tx = toX(origin + qint64(t * kNsPerSecond));
        const QString label = step < 1 ? QString::number(t, 'f', 1) + u" s"_qs
                                       : QString::number(qint64(std::llround(t))) + u" s"_qs;
        p.setPen(pal.color(QPalette::PlaceholderText));
        p.drawText(QRectF(tx - 40, y, 80, line), Qt::AlignCenter, label);
        p.setPen(grid);
        p.drawLine(QPointF(tx, lanesTop - 4), QPointF(tx, std::max(lanesBottom, lanesTop + 4)));
    }
    p.restore();
    if (allLanes.isEmpty()) {
        p.setPen(pal.color(QPalette::PlaceholderText));
        p.drawText(QRect(left, lanesTop, plotWidth, line * 2), Qt::AlignLeft | Qt::AlignVCenter,
                   tr("No instances yet: invoke the function to start one."));
        return;
    }

    const qint64 now = endNs();
    int top = lanesTop + kLaneGap / 2;
    const QRect plot(left, 0, plotWidth + 1, height());
    for (const int index : shown) {
        const InstanceLane &lane = allLanes.at(index);
        p.setPen(pal.color(QPalette::Text));
        p.drawText(QRect(kMargin, top - 2, left - 2 * kMargin, kLaneHeight + 4),
                   Qt::AlignLeft | Qt::AlignVCenter, shortId(lane.instanceId));
        p.save();
        p.setClipRect(plot);
        for (const InstanceSegment &segment : lane.segments) {
            const double x0 = toX(segment.startNs);
            const double x1 = toX(segment.endNs < 0 ? now : segment.endNs);
            p.fillRect(QRectF(x0, top, std::max(x1 - x0, 1.5), kLaneHeight),
                       instanceStateColor(segment.state));
        }
        paintLogTicks(p, lane, top);
        for (const InstanceMarker &marker : lane.markers)
            drawMarker(p, marker.kind, toX(marker.ns), top, kLaneHeight, pal);
        // The reclaim countdown at the lane's right end, over its idle bar.
        if (const QString note = laneNote(lane); !note.isEmpty()) {
            // Dark on the lane's light state colours in either palette (light text was
            // unreadable on the idle green of the dark theme).
            p.setPen(QColor(0x1a, 0x1a, 0x1a));
            p.drawText(QRect(left, top - 2, plotWidth - 4, kLaneHeight + 4),
                       Qt::AlignRight | Qt::AlignVCenter, note);
        }
        p.restore();
        top += kLaneHeight + kLaneGap;
    }
    if (shown.size() < allLanes.size()) {
        p.setPen(pal.color(QPalette::PlaceholderText));
        p.drawText(
            QRect(kMargin, top, width() - 2 * kMargin, line), Qt::AlignLeft,
            tr("%1 more lane(s) outside this stretch of time").arg(allLanes.size() - shown.size()));
    }
}

const InstanceLane *InstanceLanesView::laneAt(const QPoint &pos) const
{
    const QList<int> shown = visibleLanes();
    const int lanesTop = kMargin + 3 * (fontMetrics().height() + 4);
    const int index = (pos.y() - lanesTop) / (kLaneHeight + kLaneGap);
    if (pos.y() < lanesTop || index >= shown.size())
        return nullptr;
    return &m_timeline->lanes().at(shown.at(index));
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
    if (const QString tip = logTipAt(help->pos()); !tip.isEmpty()) {
        QToolTip::showText(help->globalPos(), tip, this);
        return true;
    }
    const InstanceLane &lane = *hit;
    const qint64 origin = m_timeline->originNs();
    QString text =
        lane.instanceId + u'\n' + tr("now %1").arg(Runtime::instanceStateName(lane.state));
    if (const QString note = laneNote(lane); !note.isEmpty())
        text += u" · "_qs + note;
    for (const InstanceSegment &segment : lane.segments) {
        const double from = double(segment.startNs - origin) / kNsPerSecond;
        text += u'\n' +
                tr("%1 from %2 s")
                    .arg(Runtime::instanceStateName(segment.state), QString::number(from, 'f', 2));
    }
    QToolTip::showText(help->globalPos(), text, this);
    return true;
}

} // namespace Fcemu::Ui
