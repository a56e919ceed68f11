#pragma once

#include <QDialog>

#include "CompareModel.h"

class QTreeWidget;
class QTreeWidgetItem;

namespace Fcemu::Ui {

// "Compare with…": the runs to compare one run with, grouped as the request list groups them
// (this session, then each imported HAR file). Double-click or OK picks one.
class ChooseRunDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ChooseRunDialog)

public:
    struct Group
    {
        QString title;
        QList<CompareRun> runs;
    };

    ChooseRunDialog(const CompareRun &first, const QList<Group> &groups, QWidget *parent = nullptr);

    QTreeWidget *tree() const { return m_tree; }
    // The run picked (record null before one is), and where it is: the index of its group and
    // its index in the group, -1 before one is picked. (A caller whose records may have gone
    // since the dialog opened looks its pick up again by these, never by the pointer.)
    CompareRun chosen() const;
    int chosenGroup() const;
    int chosenIndex() const;
    // Picks the run with this request id in the group titled so (for tests and keyboard users).
    bool choose(const QString &groupTitle, const QString &requestId);

private:
    QTreeWidget *m_tree;
    QList<Group> m_groups;
};

} // namespace Fcemu::Ui
