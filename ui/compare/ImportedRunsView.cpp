#include "ImportedRunsView.h"

#include <QHeaderView>

#include "requests/RequestModel.h"
#include "requests/WaterfallDelegate.h"

namespace Fcemu::Ui {

namespace {

double barLengthMs(const Telemetry::InvocationRecord &record)
{
    double sum = 0;
    for (const PhaseSpan &span : phasesOf(record))
        sum += span.ms;
    return std::max(sum, record.timings.totalMs);
}

} // namespace

ImportedRunsView::ImportedRunsView(QWidget *parent) : QTreeWidget(parent)
{
    setObjectName(u"importedRuns"_qs);
    setColumnCount(ColumnCount);
    setHeaderLabels({tr("Imported run"), tr("Cold/Warm"), tr("Status"), tr("Timeline"),
                     tr("Duration"), tr("Cost"), tr("Kind"), tr("Request ID")});
    setSelectionMode(QAbstractItemView::ExtendedSelection);
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    setUniformRowHeights(true);
    setAlternatingRowColors(true);
    setContextMenuPolicy(Qt::CustomContextMenu);
    setToolTip(tr("Runs read from HAR files: select one here and one above (Ctrl+click), "
                  "then Compare (Ctrl+D)"));
    setItemDelegateForColumn(Timeline, new WaterfallDelegate([this]() { return scaleMs(); }, this));
    QHeaderView *h = header();
    h->setStretchLastSection(true);
    const QFontMetrics metrics = fontMetrics();
    const auto width = [&metrics](const QString &sample) {
        return metrics.horizontalAdvance(sample) + 24;
    };
    h->resizeSection(Time, width(u"00:00:00.000 (chrome.har)"_qs));
    h->resizeSection(ColdWarm, width(tr("Cold/Warm")));
    h->resizeSection(Status, width(u"502 FunctionTimeout"_qs));
    h->resizeSection(Timeline, 120);
    h->resizeSection(Duration, width(u"1234.5 ms"_qs));
    h->resizeSection(Cost, width(u"$0.0000000241"_qs));
    h->resizeSection(Kind, width(u"http GET /path?q"_qs));
}

ImportedRunsView::~ImportedRunsView() = default;

void ImportedRunsView::addGroup(const QString &title, Gateway::ImportedHar har)
{
    auto group = std::make_unique<Group>(Group{title, std::move(har)});
    const Gateway::ImportedHar &h = group->har;
    const int index = int(m_groups.size());
    bool platform = false;
    for (const Gateway::HarRun &run : h.runs)
        platform = platform || run.hasPlatformData;

    auto *top = new QTreeWidgetItem(this);
    QString creator = h.creatorName;
    if (!h.creatorVersion.isEmpty())
        creator += u' ' + h.creatorVersion;
    top->setText(Time, tr("%1 — %n run(s)%2", nullptr, int(h.runs.size()))
                           .arg(title, platform ? QString() : tr(", HTTP only")));
    top->setToolTip(Time, tr("Imported from %1 (written by %2)")
                              .arg(title, creator.isEmpty() ? tr("an unknown tool") : creator));
    top->setFirstColumnSpanned(true);
    QFont bold = top->font(Time);
    bold.setBold(true);
    top->setFont(Time, bold);
    top->setData(Time, GroupRole, index);
    top->setData(Time, RunRole, -1);

    for (int i = 0; i < h.runs.size(); ++i) {
        const Gateway::HarRun &run = h.runs[i];
        const Telemetry::InvocationRecord &r = run.record;
        auto *item = new QTreeWidgetItem(top);
        item->setText(Time, formatClock(r.startedAt));
        item->setText(ColdWarm,
                      run.hasPlatformData ? (r.coldStart ? tr("cold") : tr("warm")) : u"—"_qs);
        item->setText(Status, RequestModel::statusText(r));
        item->setText(Duration, formatDuration(r.timings.totalMs));
        item->setText(Cost, run.hasPlatformData ? formatMoney(r.billing.cost) : u"—"_qs);
        QString kind = r.kind;
        if (r.client && r.kind == u"http"_qs)
            kind += u' ' + r.client->method + u' ' + r.client->target;
        item->setText(Kind, kind);
        item->setToolTip(Kind, kind);
        item->setText(RequestId, r.requestId);
        item->setData(Timeline, RequestModel::RecordRole, QVariant::fromValue(&r));
        item->setTextAlignment(Duration, Qt::AlignRight | Qt::AlignVCenter);
        item->setTextAlignment(Cost, Qt::AlignRight | Qt::AlignVCenter);
        if (RequestModel::isError(r)) {
            const QColor color = outcomeColor(outcomeOf(r), palette());
            item->setForeground(Status, color);
            item->setToolTip(Status, outcomeName(outcomeOf(r)));
        }
        for (int c = 0; c < ColumnCount; ++c) {
            item->setData(c, GroupRole, index);
            item->setData(c, RunRole, i);
        }
    }
    m_groups.push_back(std::move(group));
    top->setExpanded(true);
    emit groupsChanged();
}

void ImportedRunsView::removeGroup(int group)
{
    if (group < 0 || group >= groupCount())
        return;
    delete takeTopLevelItem(group);
    m_groups.erase(m_groups.begin() + group);
    renumber();
    viewport()->update();
    emit groupsChanged();
}

void ImportedRunsView::renumber()
{
    for (int g = 0; g < topLevelItemCount(); ++g) {
        QTreeWidgetItem *top = topLevelItem(g);
        top->setData(Time, GroupRole, g);
        for (int i = 0; i < top->childCount(); ++i)
            for (int c = 0; c < ColumnCount; ++c)
                top->child(i)->setData(c, GroupRole, g);
    }
}

QString ImportedRunsView::groupTitle(int group) const
{
    return group >= 0 && group < groupCount() ? m_groups[size_t(group)]->title : QString();
}

int ImportedRunsView::runCount(int group) const
{
    return group >= 0 && group < groupCount() ? int(m_groups[size_t(group)]->har.runs.size()) : 0;
}

CompareRun ImportedRunsView::run(int group, int index) const
{
    if (index < 0 || index >= runCount(group))
        return {};
    const Group &g = *m_groups[size_t(group)];
    const Gateway::HarRun &run = g.har.runs[index];
    return {&run.record, g.title, run.hasPlatformData};
}

CompareRun ImportedRunsView::runOf(const QTreeWidgetItem *item) const
{
    if (!item)
        return {};
    return run(item->data(Time, GroupRole).toInt(), item->data(Time, RunRole).toInt());
}

int ImportedRunsView::groupOf(const QTreeWidgetItem *item) const
{
    return item ? item->data(Time, GroupRole).toInt() : -1;
}

QList<CompareRun> ImportedRunsView::selectedRuns() const
{
    QList<CompareRun> runs;
    for (const QTreeWidgetItem *item : selectedItems()) {
        const CompareRun r = runOf(item);
        if (r.record)
            runs.append(r);
    }
    return runs;
}

double ImportedRunsView::scaleMs() const
{
    double scale = 0;
    for (const auto &group : m_groups)
        for (const Gateway::HarRun &run : group->har.runs)
            scale = std::max(scale, barLengthMs(run.record));
    return scale;
}

} // namespace Fcemu::Ui
