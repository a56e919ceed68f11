// The request list's part in Compare (docs/gui-workbench.md "Compare any two runs"): the
// imported HAR groups, choosing two runs, and opening the compare view.

#include "RequestListView.h"

#include <QAction>
#include <QFileInfo>
#include <QMenu>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTreeWidget>

#include "RequestModel.h"
#include "compare/ChooseRunDialog.h"
#include "compare/CompareView.h"
#include "compare/ImportedRunsView.h"
#include "gateway/HarImport.h"

namespace Fcemu::Ui {

void RequestListView::showImportedMenu(const QPoint &pos)
{
    QTreeWidgetItem *item = m_imported->itemAt(pos);
    if (!item)
        return;
    if (!item->isSelected()) {
        m_imported->clearSelection();
        m_table->clearSelection();
        item->setSelected(true);
    }
    QMenu menu(this);
    const CompareRun run = m_imported->runOf(item);
    if (run.record)
        addCompareActions(menu, run);
    const int group = m_imported->groupOf(item);
    menu.addSeparator();
    menu.addAction(tr("Remove %1 from the List").arg(m_imported->groupTitle(group)), this,
                   [this, group]() { m_imported->removeGroup(group); });
    menu.exec(m_imported->viewport()->mapToGlobal(pos));
}

void RequestListView::addCompareActions(QMenu &menu, const CompareRun &clicked)
{
    const QList<CompareRun> selected = selectedRuns();
    if (selected.size() == 2) {
        // The menu's own entry (the shared action keeps its name in Function ▸), showing the
        // same shortcut.
        QAction *both = menu.addAction(tr("Compare the Two Selected Runs"), this,
                                       &RequestListView::compareSelected);
        both->setShortcut(m_compareAction->shortcut());
    }
    menu.addAction(tr("Compare with…"), this, [this, clicked]() { chooseComparisonFor(clicked); });
}

CompareView *RequestListView::compareView() const
{
    return m_compare;
}

Status RequestListView::importHar(const QString &path)
{
    auto har = Gateway::readHar(path);
    if (!har)
        return std::unexpected(har.error());
    if (har->runs.isEmpty())
        return fail(ErrorKind::Usage, path + u": log.entries: empty, nothing to compare"_qs);
    m_imported->addGroup(QFileInfo(path).fileName(), std::move(*har));
    return {};
}

QList<CompareRun> RequestListView::selectedRuns() const
{
    QList<int> rows;
    for (const QModelIndex &index : m_table->selectionModel()->selectedRows())
        rows.append(m_proxy->mapToSource(index).row());
    std::sort(rows.begin(), rows.end());
    QList<CompareRun> runs;
    for (int row : std::as_const(rows)) {
        if (const Telemetry::InvocationRecord *record = m_model->record(row))
            runs.append({record, tr("This session"), true});
    }
    runs.append(m_imported->selectedRuns());
    return runs;
}

void RequestListView::compareSelected()
{
    const QList<CompareRun> runs = selectedRuns();
    if (runs.size() >= 2) {
        compareRuns(runs.at(0), runs.at(1));
    } else if (runs.size() == 1) {
        chooseComparisonFor(runs.first());
    } else if (const Telemetry::InvocationRecord *record = currentRecord()) {
        chooseComparisonFor({record, tr("This session"), true});
    }
}

CompareView *RequestListView::compareRuns(const CompareRun &a, const CompareRun &b)
{
    if (!a.record || !b.record)
        return nullptr;
    if (m_compare) {
        m_compare->setRuns(a, b);
    } else {
        m_compare = new CompareView(a, b, window());
        m_compare->setAttribute(Qt::WA_DeleteOnClose);
    }
    m_compare->show();
    m_compare->raise();
    m_compare->activateWindow();
    return m_compare;
}

ChooseRunDialog *RequestListView::chooseComparisonFor(const CompareRun &run)
{
    if (!run.record)
        return nullptr;
    QList<ChooseRunDialog::Group> groups;
    ChooseRunDialog::Group session{tr("This session"), {}};
    for (int row = 0; row < m_model->rowCount(); ++row)
        session.runs.append({m_model->record(row), session.title, true});
    groups.append(session);
    for (int g = 0; g < m_imported->groupCount(); ++g) {
        ChooseRunDialog::Group group{m_imported->groupTitle(g), {}};
        for (int i = 0; i < m_imported->runCount(g); ++i)
            group.runs.append(m_imported->run(g, i));
        groups.append(group);
    }
    // The first run is copied: a session record may be dropped while the dialog is open. The
    // pick is looked up again when it is made, for the same reason.
    auto first = std::make_shared<Telemetry::InvocationRecord>(*run.record);
    const CompareRun firstRun{first.get(), run.source, run.hasPlatformData};
    auto *dialog = new ChooseRunDialog(firstRun, groups, window());
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    QStringList sessionIds; // the session's group by id: its rows may move while it is open
    for (const CompareRun &r : std::as_const(groups.first().runs))
        sessionIds.append(r.record->requestId);
    connect(dialog, &QDialog::accepted, this, [this, dialog, first, firstRun, sessionIds]() {
        const int group = dialog->chosenGroup();
        const int index = dialog->chosenIndex();
        CompareRun other;
        if (group == 0) {
            const int row = m_model->rowOf(sessionIds.value(index));
            if (row >= 0)
                other = {m_model->record(row), tr("This session"), true};
        } else if (group > 0) {
            other = m_imported->run(group - 1, index);
        }
        if (other.record)
            compareRuns(firstRun, other);
    });
    dialog->open();
    return dialog;
}

} // namespace Fcemu::Ui
