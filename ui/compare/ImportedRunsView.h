#pragma once

#include <memory>
#include <vector>

#include <QTreeWidget>

#include "CompareModel.h"
#include "gateway/HarImport.h"

namespace Fcemu::Ui {

// The runs read from HAR files (File ▸ Import HAR…), shown under the session's requests in the
// request list: one group per file ("chrome.har — 3 runs, HTTP only"), its runs below it with
// the list's own columns and waterfall bars. They are there to be compared (CompareView), not
// inspected: the inspectors follow the session's requests.
class ImportedRunsView final : public QTreeWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ImportedRunsView)

public:
    enum Column { Time, ColdWarm, Status, Timeline, Duration, Cost, Kind, RequestId, ColumnCount };
    // On a run's items: the group's index and the run's index in it.
    static constexpr int GroupRole = Qt::UserRole + 20;
    static constexpr int RunRole = Qt::UserRole + 21;

    explicit ImportedRunsView(QWidget *parent = nullptr);
    ~ImportedRunsView() override;

    // A group for a file read by Gateway::readHar; `title` names it (the file's name).
    void addGroup(const QString &title, Gateway::ImportedHar har);
    void removeGroup(int group);
    int groupCount() const { return int(m_groups.size()); }
    QString groupTitle(int group) const;
    int runCount(int group) const;
    CompareRun run(int group, int index) const;

    // The run of an item (a group's own item has none: record is null).
    CompareRun runOf(const QTreeWidgetItem *item) const;
    QList<CompareRun> selectedRuns() const;
    // The group an item belongs to (its own or its parent's), or -1.
    int groupOf(const QTreeWidgetItem *item) const;

signals:
    void groupsChanged();

private:
    struct Group
    {
        QString title;
        Gateway::ImportedHar har;
    };
    double scaleMs() const;
    void renumber();

    std::vector<std::unique_ptr<Group>> m_groups;
};

} // namespace Fcemu::Ui
