#include "TimingInspector.h"

#include <algorithm>
#include <QLabel>
#include <QScrollArea>
#include <QStackedWidget>
#include <QVBoxLayout>

namespace Fcemu::Ui {

TimingInspector::TimingInspector(const Telemetry::RecordStore *store, QWidget *parent)
    : QWidget(parent), m_store(store), m_stack(new QStackedWidget(this)),
      m_empty(new QLabel(tr("Select a request to see where its time went."), this)),
      m_chart(new WaterfallChart(this)), m_legend(new QLabel(this))
{
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setWordWrap(true);
    m_empty->setEnabled(false);
    m_legend->setWordWrap(true);
    m_legend->setTextFormat(Qt::RichText);
    m_legend->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_legend->setContentsMargins(8, 4, 8, 8);

    auto *content = m_content = new QWidget(this);
    auto *contentLayout = new QVBoxLayout(content);
    contentLayout->setContentsMargins(0, 0, 0, 0);
    contentLayout->setSpacing(0);
    contentLayout->addWidget(m_chart);
    contentLayout->addWidget(m_legend);
    contentLayout->addStretch(1);
    auto *scroll = new QScrollArea(this);
    scroll->setWidget(content);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);

    m_stack->addWidget(m_empty);
    m_stack->addWidget(scroll);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_stack);

    // A cold call is compared with the newest warm call: a warm call arriving later replaces it.
    connect(store, &Telemetry::RecordStore::appended, this, [this](qsizetype row) {
        if (!m_selected || !m_selected->coldStart || !m_pinned.isEmpty())
            return;
        const Telemetry::InvocationRecord &record = m_store->at(row);
        if (!record.coldStart && record.requestId != m_selected->requestId) {
            setComparison(&record);
            refresh();
        }
    });
}

const Telemetry::InvocationRecord *
TimingInspector::comparisonFor(const Telemetry::RecordStore &store,
                               const Telemetry::InvocationRecord &record)
{
    qsizetype from = store.size() - 1;
    if (!record.coldStart) {
        const qsizetype row = store.rowOf(record.requestId);
        if (row >= 0)
            from = row - 1;
    }
    for (qsizetype row = from; row >= 0; --row) {
        const Telemetry::InvocationRecord &other = store.at(row);
        if (other.coldStart != record.coldStart && other.requestId != record.requestId)
            return &other;
    }
    return nullptr;
}

TimingInspector::Column TimingInspector::columnOf(const Telemetry::InvocationRecord &record)
{
    Column c;
    c.requestId = record.requestId;
    c.coldStart = record.coldStart;
    c.startedAt = record.startedAt;
    c.phases = phasesOf(record);
    for (const PhaseSpan &span : c.phases)
        c.phaseSumMs += span.ms;
    c.totalMs = record.timings.totalMs;
    c.logMarks = logMarksOf(record);
    // A cold start on a cached image pulls and unpacks nothing: those phases read "cached".
    if (record.coldStart) {
        if (record.timings.pullMs <= 0)
            c.cached.append(Phase::Pull);
        if (record.timings.unpackMs <= 0)
            c.cached.append(Phase::Unpack);
    }
    if (c.totalMs - c.phaseSumMs > c.phaseSumMs * 0.01)
        c.unattributedMs = c.totalMs - c.phaseSumMs;
    return c;
}

void TimingInspector::showRecord(const Telemetry::InvocationRecord *record)
{
    if (!record) {
        m_selected.reset();
        m_comparison.reset();
    } else {
        m_selected = columnOf(*record);
        const qsizetype pinned = m_pinned.isEmpty() ? -1 : m_store->rowOf(m_pinned);
        if (pinned >= 0 && m_pinned != record->requestId) {
            setComparison(&m_store->at(pinned));
            m_comparison->isPinned = true;
        } else {
            setComparison(comparisonFor(*m_store, *record));
        }
    }
    refresh();
}

void TimingInspector::setPinnedComparison(const QString &requestId)
{
    m_pinned = requestId;
    if (!m_selected)
        return;
    const qsizetype row = m_store->rowOf(m_selected->requestId);
    showRecord(row >= 0 ? &m_store->at(row) : nullptr);
}

void TimingInspector::setComparison(const Telemetry::InvocationRecord *record)
{
    m_selected->skipped.clear();
    if (!record) {
        m_comparison.reset();
        return;
    }
    m_comparison = columnOf(*record);
    m_comparison->isComparison = true;
    const auto has = [](const Column &c, Phase phase) {
        return std::any_of(c.phases.cbegin(), c.phases.cend(),
                           [phase](const PhaseSpan &s) { return s.phase == phase; });
    };
    for (const PhaseSpan &span : m_comparison->phases) {
        if (!has(*m_selected, span.phase) && !m_selected->cached.contains(span.phase))
            m_selected->skipped.append(span.phase);
    }
    for (const PhaseSpan &span : m_selected->phases) {
        if (!has(*m_comparison, span.phase) && !m_comparison->cached.contains(span.phase))
            m_comparison->skipped.append(span.phase);
    }
}

void TimingInspector::addSection(QWidget *section)
{
    auto *layout = static_cast<QVBoxLayout *>(m_content->layout());
    layout->insertWidget(layout->indexOf(m_legend), section);
}

QString TimingInspector::legendText() const
{
    return m_legend->text();
}

void TimingInspector::refresh()
{
    if (!m_selected) {
        m_chart->setColumns({});
        m_legend->clear();
        m_stack->setCurrentWidget(m_empty);
        return;
    }
    m_stack->setCurrentIndex(1);
    QList<Column> columns{*m_selected};
    if (m_comparison)
        columns.append(*m_comparison);
    m_chart->setColumns(columns);

    // The legend teaches: every phase drawn above, in order, with its one-line explanation.
    QList<Phase> phases;
    for (const Column &c : columns) {
        for (const PhaseSpan &span : c.phases)
            phases.append(span.phase);
    }
    std::sort(phases.begin(), phases.end());
    phases.erase(std::unique(phases.begin(), phases.end()), phases.end());
    QString html;
    if (!m_comparison) {
        html += u"<p><i>"_qs +
                (m_selected->coldStart
                     ? tr("No warm call yet: invoke again to compare with a warm call.")
                     : tr("No cold start before this call in the session."))
                    .toHtmlEscaped() +
                u"</i></p>"_qs;
    }
    html += u"<table cellspacing=\"0\" cellpadding=\"2\">"_qs;
    for (const Phase phase : phases) {
        html += u"<tr><td valign=\"top\"><span style=\"color:"_qs + phaseColor(phase).name() +
                u"\">&#9632;</span></td><td valign=\"top\"><b>"_qs +
                phaseName(phase).toHtmlEscaped() + u"</b></td><td>"_qs +
                phaseExplanation(phase).toHtmlEscaped() + u"</td></tr>"_qs;
    }
    const bool unattributed =
        m_selected->unattributedMs > 0 || (m_comparison && m_comparison->unattributedMs > 0);
    if (unattributed) {
        html += u"<tr><td valign=\"top\">&#9636;</td><td valign=\"top\"><b>"_qs +
                tr("Unattributed").toHtmlEscaped() + u"</b></td><td>"_qs +
                tr("Time inside the total that no phase measured (scheduling, the gateway's "
                   "own work); shown when it is more than 1% of the phases.")
                    .toHtmlEscaped() +
                u"</td></tr>"_qs;
    }
    html += u"</table>"_qs;
    m_legend->setText(html);
}

} // namespace Fcemu::Ui
