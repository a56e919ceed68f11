#include "ChooseRunDialog.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace Fcemu::Ui {

namespace {

constexpr int kGroupRole = Qt::UserRole + 1;
constexpr int kRunRole = Qt::UserRole + 2;

} // namespace

ChooseRunDialog::ChooseRunDialog(const CompareRun &first, const QList<Group> &groups,
                                 QWidget *parent)
    : QDialog(parent), m_tree(new QTreeWidget(this)), m_groups(groups)
{
    setObjectName(u"chooseRun"_qs);
    setWindowTitle(tr("Compare with…"));
    auto *label = new QLabel(this);
    label->setWordWrap(true);
    label->setText(tr("Compare %1 (%2) with:")
                       .arg(first.record ? first.record->requestId : QString(), first.summary()));
    m_tree->setObjectName(u"runs"_qs);
    m_tree->setHeaderLabels({tr("Run"), tr("Status"), tr("Duration"), tr("Request ID")});
    m_tree->setUniformRowHeights(true);
    for (int g = 0; g < groups.size(); ++g) {
        auto *top = new QTreeWidgetItem(m_tree);
        top->setText(
            0, tr("%1 — %n run(s)", nullptr, int(groups[g].runs.size())).arg(groups[g].title));
        top->setFirstColumnSpanned(true);
        top->setFlags(Qt::ItemIsEnabled);
        for (int i = 0; i < groups[g].runs.size(); ++i) {
            const CompareRun &run = groups[g].runs[i];
            if (first.record && run.source == first.source &&
                run.record->requestId == first.record->requestId)
                continue; // not the run itself
            auto *item = new QTreeWidgetItem(top);
            item->setText(0, formatClock(run.record->startedAt) + u"  "_qs + run.summary());
            item->setText(1, QString::number(run.record->statusCode));
            item->setText(2, formatDuration(run.record->timings.totalMs));
            item->setText(3, run.record->requestId);
            item->setData(0, kGroupRole, g);
            item->setData(0, kRunRole, i);
        }
        top->setExpanded(true);
    }
    m_tree->header()->resizeSection(
        0,
        fontMetrics().horizontalAdvance(u"00:00:00.000  cold · 200 · http GET /api/items"_qs) + 40);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Compare"));
    buttons->button(QDialogButtonBox::Ok)->setEnabled(false);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_tree, &QTreeWidget::currentItemChanged, this, [this, buttons]() {
        buttons->button(QDialogButtonBox::Ok)->setEnabled(chosen().record != nullptr);
    });
    connect(m_tree, &QTreeWidget::itemDoubleClicked, this, [this]() {
        if (chosen().record)
            accept();
    });
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(label);
    layout->addWidget(m_tree, 1);
    layout->addWidget(buttons);
    resize(760, 460);
}

CompareRun ChooseRunDialog::chosen() const
{
    const int g = chosenGroup();
    return g < 0 ? CompareRun{} : m_groups.value(g).runs.value(chosenIndex());
}

int ChooseRunDialog::chosenGroup() const
{
    const QTreeWidgetItem *item = m_tree->currentItem();
    return item && item->data(0, kRunRole).isValid() ? item->data(0, kGroupRole).toInt() : -1;
}

int ChooseRunDialog::chosenIndex() const
{
    const QTreeWidgetItem *item = m_tree->currentItem();
    return item && item->data(0, kRunRole).isValid() ? item->data(0, kRunRole).toInt() : -1;
}

bool ChooseRunDialog::choose(const QString &groupTitle, const QString &requestId)
{
    for (int g = 0; g < m_tree->topLevelItemCount(); ++g) {
        if (m_groups.value(g).title != groupTitle)
            continue;
        QTreeWidgetItem *top = m_tree->topLevelItem(g);
        for (int i = 0; i < top->childCount(); ++i) {
            if (top->child(i)->text(3) == requestId) {
                m_tree->setCurrentItem(top->child(i));
                return true;
            }
        }
    }
    return false;
}

} // namespace Fcemu::Ui
