#include "ColdWarmCard.h"

#include <algorithm>

#include <QEvent>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QVBoxLayout>

#include "telemetry/RecordStore.h"

namespace Fcemu::Ui {

namespace {

constexpr qint64 kMillion = 1'000'000;

bool isUsable(const Telemetry::InvocationRecord &record)
{
    // A call FC refused (429, not started) never ran on an instance: nothing to compare.
    return !record.error && !record.instanceId.isEmpty() && record.timings.totalMs > 0;
}

// Billed time solid, unbilled time hatched: the phases of one call to a scale shared by both
// columns, so the warm call's bar is as short beside the cold one as it really is.
class PhaseBar final : public QWidget
{
public:
    PhaseBar(QList<CardCall::Phase> phases, double scaleMs, QWidget *parent)
        : QWidget(parent), m_phases(std::move(phases)), m_scaleMs(scaleMs)
    {
        setMinimumWidth(60);
        setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    }
    QSize sizeHint() const override { return {240, fontMetrics().height() * 3 / 2}; }
    QSize minimumSizeHint() const override { return {60, fontMetrics().height() * 3 / 2}; }

protected:
    void paintEvent(QPaintEvent *) override
    {
        QPainter p(this);
        const QRectF area = QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5);
        p.setPen(palette().color(QPalette::Mid));
        p.setBrush(palette().color(QPalette::Base));
        p.drawRect(area);
        if (m_scaleMs <= 0)
            return;
        double x = area.left();
        for (const CardCall::Phase &phase : m_phases) {
            // At least a hairline: a 0.3 ms phase is still there.
            const double w = std::max(1.5, phase.ms / m_scaleMs * area.width());
            const QRectF span(x, area.top(), std::min(w, area.right() - x), area.height());
            const QColor color = phaseColor(phase.phase);
            if (phase.billed) {
                p.fillRect(span, color);
            } else {
                QColor faint = color;
                faint.setAlpha(70);
                p.fillRect(span, faint);
                p.fillRect(span, QBrush(color.darker(120), Qt::BDiagPattern));
            }
            x += w;
            if (x >= area.right())
                break;
        }
    }

private:
    QList<CardCall::Phase> m_phases;
    double m_scaleMs;
};

// A small square of the bar's two fills, for the legend.
class Swatch final : public QWidget
{
public:
    Swatch(bool billed, QWidget *parent) : QWidget(parent), m_billed(billed)
    {
        setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
    }
    QSize sizeHint() const override { return {fontMetrics().height(), fontMetrics().height()}; }

protected:
    void paintEvent(QPaintEvent *) override
    {
        QPainter p(this);
        const QColor color = phaseColor(Telemetry::Phase::Startup);
        if (m_billed) {
            p.fillRect(rect(), phaseColor(Telemetry::Phase::Wait));
        } else {
            QColor faint = color;
            faint.setAlpha(70);
            p.fillRect(rect(), faint);
            p.fillRect(rect(), QBrush(color.darker(120), Qt::BDiagPattern));
        }
    }

private:
    bool m_billed;
};

QString colorSquare(const QColor &color)
{
    return u"<span style=\"color:%1\">■</span> "_qs.arg(color.name());
}

} // namespace

bool CardCall::isBilled(const Telemetry::InvocationRecord &record, Telemetry::Phase phase)
{
    using Telemetry::Phase;
    switch (phase) {
    case Phase::Invoke:
    case Phase::Send:
    case Phase::Wait:
    case Phase::Receive:
        return true;
    case Phase::Pull:
        return record.billing.model == Billing::Model::Fc2 && record.billing.imagePullGbSeconds > 0;
    default:
        return false;
    }
}

CardCall CardCall::of(const Telemetry::InvocationRecord &record)
{
    CardCall call;
    call.requestId = record.requestId;
    call.cold = record.coldStart;
    call.totalMs = record.timings.totalMs;
    for (const PhaseSpan &span : phasesOf(record)) {
        const bool billed = isBilled(record, span.phase);
        call.phases.append({span.phase, span.ms, billed});
        if (billed)
            call.billedMs += span.ms;
    }
    call.unbilledMs = std::max(0.0, call.totalMs - call.billedMs);
    call.billedDurationMs = record.billing.billedDurationMs;
    call.model = record.billing.model;
    call.cost = record.billing.cost;
    call.costPerMillion = record.billing.cost * kMillion;
    return call;
}

ColdWarmComparison ColdWarmComparison::of(const Telemetry::InvocationRecord *cold,
                                          const Telemetry::InvocationRecord *warm)
{
    ColdWarmComparison c;
    if (cold)
        c.cold = CardCall::of(*cold);
    if (warm)
        c.warm = CardCall::of(*warm);
    if (c.cold && c.warm && c.warm->totalMs > 0)
        c.factor = c.cold->totalMs / c.warm->totalMs;

    if (!c.cold && !c.warm) {
        c.why = QObject::tr("No call yet: play the scenario, or send one from the Invoke panel.");
        return c;
    }
    if (!c.cold) {
        c.why = QObject::tr("Every call so far found an instance running: no cold start to "
                            "compare with.");
        return c;
    }
    const QString model = Billing::modelName(c.cold->model);
    // The cold call's time beyond the request: the sandbox, the start-up, the initializer...
    const QString startup = formatDuration(c.cold->unbilledMs);
    const QString invoke = QObject::tr("%1 ms").arg(c.cold->billedDurationMs);
    QString why = QObject::tr("The cold start's %1 of start-up is not billed in %2; only its %3 "
                              "invocation is")
                      .arg(startup, model, invoke);
    const bool pullBilled =
        std::any_of(c.cold->phases.begin(), c.cold->phases.end(), [](const CardCall::Phase &p) {
            return p.billed && p.phase == Telemetry::Phase::Pull;
        });
    if (pullBilled)
        why += QObject::tr(" (and the image pull)");
    if (!c.warm) {
        c.why = why + QObject::tr(". Call again to see a warm call beside it.");
        return c;
    }
    const QString warmInvoke = QObject::tr("%1 ms").arg(c.warm->billedDurationMs);
    const qint64 coldPico = c.cold->cost.pico();
    const qint64 warmPico = c.warm->cost.pico();
    if (coldPico < warmPico)
        why += QObject::tr(", so it cost less than the warm call, whose request took longer (%1).")
                   .arg(warmInvoke);
    else if (coldPico == warmPico)
        why += QObject::tr(", so it cost the same as the warm call (%1 billed too), though it took "
                           "%2 as long.")
                   .arg(warmInvoke, formatTimesFactor(c.factor));
    else
        why += QObject::tr(", so it cost more than the warm call (%1 billed) only because its "
                           "request took longer.")
                   .arg(warmInvoke);
    c.why = why;
    return c;
}

ColdWarmComparison ColdWarmComparison::latest(const Telemetry::RecordStore &store)
{
    const Telemetry::InvocationRecord *cold = nullptr;
    const Telemetry::InvocationRecord *warm = nullptr;
    for (qsizetype row = store.size() - 1; row >= 0 && !(cold && warm); --row) {
        const Telemetry::InvocationRecord &r = store.at(row);
        if (!isUsable(r))
            continue;
        if (r.coldStart && !cold)
            cold = &r;
        else if (!r.coldStart && !warm)
            warm = &r;
    }
    return of(cold, warm);
}

QString formatTimesFactor(double factor)
{
    if (factor <= 0)
        return u"–"_qs;
    if (factor >= 10)
        return QString::number(qRound64(factor)) + u'×';
    return QString::number(factor, 'f', 1) + u'×';
}

ColdWarmCard::ColdWarmCard(QWidget *parent) : QWidget(parent)
{
    setObjectName(u"coldWarmCard"_qs);
    m_factor = new QLabel(this);
    m_factor->setObjectName(u"factor"_qs);
    m_factor->setAlignment(Qt::AlignCenter);
    QFont big = m_factor->font();
    big.setPointSizeF(big.pointSizeF() * 1.6);
    big.setBold(true);
    m_factor->setFont(big);
    m_why = new QLabel(this);
    m_why->setObjectName(u"why"_qs);
    m_why->setWordWrap(true);
    m_grid = new QGridLayout;
    m_grid->setHorizontalSpacing(12);

    auto *legend = new QHBoxLayout;
    legend->addWidget(new Swatch(true, this));
    legend->addWidget(new QLabel(tr("billed"), this));
    legend->addSpacing(16);
    legend->addWidget(new Swatch(false, this));
    legend->addWidget(new QLabel(tr("not billed"), this));
    legend->addStretch();

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_factor);
    layout->addLayout(m_grid);
    layout->addLayout(legend);
    layout->addWidget(m_why);
    layout->addStretch();
    rebuild();
}

void ColdWarmCard::setComparison(const ColdWarmComparison &comparison)
{
    m_comparison = comparison;
    rebuild();
}

void ColdWarmCard::showLatest(const Telemetry::RecordStore &store)
{
    setComparison(ColdWarmComparison::latest(store));
}

QString ColdWarmCard::factorText() const
{
    return m_factor->text();
}

QString ColdWarmCard::whyText() const
{
    return m_why->text();
}

void ColdWarmCard::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::FontChange) {
        QFont big = font();
        big.setPointSizeF(big.pointSizeF() * 1.6);
        big.setBold(true);
        m_factor->setFont(big);
        rebuild(); // the bold titles and totals take the new size
    }
}

void ColdWarmCard::rebuild()
{
    while (QLayoutItem *item = m_grid->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    const ColdWarmComparison &c = m_comparison;
    m_factor->setText(c.factor > 0
                          ? tr("Cold took %1 as long as warm").arg(formatTimesFactor(c.factor))
                          : tr("Cold versus warm"));
    m_why->setText(c.why);
    const double scale = std::max(c.cold ? c.cold->totalMs : 0.0, c.warm ? c.warm->totalMs : 0.0);
    fillColumn(0, c.cold, scale);
    fillColumn(1, c.warm, scale);
    m_grid->setColumnMinimumWidth(3, 0);
}

void ColdWarmCard::fillColumn(int column, const std::optional<CardCall> &call, double scaleMs)
{
    // Each call takes three grid columns: the phase, its time, billed or not.
    const int x = column * 3;
    int row = 0;
    auto *title = new QLabel(column == 0 ? tr("Cold call") : tr("Warm call"), this);
    QFont bold = title->font();
    bold.setBold(true);
    title->setFont(bold);
    m_grid->addWidget(title, row++, x, 1, 3);
    if (!call) {
        auto *none = new QLabel(tr("none yet"), this);
        none->setEnabled(false);
        m_grid->addWidget(none, row, x, 1, 3);
        return;
    }
    m_grid->addWidget(new PhaseBar(call->phases, scaleMs, this), row++, x, 1, 3);
    for (const CardCall::Phase &phase : call->phases) {
        auto *name =
            new QLabel(colorSquare(phaseColor(phase.phase)) + phaseName(phase.phase), this);
        name->setTextFormat(Qt::RichText);
        auto *ms = new QLabel(formatDuration(phase.ms), this);
        ms->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
        auto *billed = new QLabel(phase.billed ? tr("billed") : tr("not billed"), this);
        billed->setEnabled(phase.billed);
        m_grid->addWidget(name, row, x);
        m_grid->addWidget(ms, row, x + 1);
        m_grid->addWidget(billed, row, x + 2);
        ++row;
    }
    const QList<std::pair<QString, QString>> totals = {
        {tr("Total"), formatDuration(call->totalMs)},
        {tr("Not billed"), formatDuration(call->unbilledMs)},
        {tr("Billed"), tr("%1 ms").arg(call->billedDurationMs)},
        {tr("Cost"), formatMoney(call->cost)},
        {tr("Per million calls"), formatMoney(call->costPerMillion)},
    };
    for (const auto &[label, value] : totals) {
        auto *l = new QLabel(label, this);
        auto *v = new QLabel(value, this);
        v->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
        if (label == tr("Total") || label == tr("Per million calls")) {
            l->setFont(bold);
            v->setFont(bold);
        }
        m_grid->addWidget(l, row, x);
        m_grid->addWidget(v, row, x + 1, 1, 2);
        ++row;
    }
}

} // namespace Fcemu::Ui
