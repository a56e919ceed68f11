#pragma once

#include <QElapsedTimer>
#include <QPointer>
#include <QWidget>

#include "common/Error.h"
#include "compare/CompareModel.h"
#include "telemetry/InvocationRecord.h"

class QAction;
class QComboBox;
class QGridLayout;
class QLineEdit;
class QMenu;
class QSortFilterProxyModel;
class QTableView;
class QTimer;
class QToolButton;
class QLabel;

namespace Fcemu::Session {
class FunctionSession;
}

namespace Fcemu::Ui {

class ChooseRunDialog;
class CompareView;
class ImportedRunsView;
class RequestModel;

// The request list: a filter box over a table of the session's records, like a browser's
// network panel. While the user has not picked a row, the newest request is current, so the
// inspectors follow the latest call; a click (or keyboard navigation) pins the picked row until
// "Follow newest" is switched back on.
class RequestListView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RequestListView)

public:
    explicit RequestListView(Session::FunctionSession *session, QWidget *parent = nullptr);

    RequestModel *model() const { return m_model; }
    QSortFilterProxyModel *proxy() const { return m_proxy; }
    QTableView *table() const { return m_table; }
    QLineEdit *filterEdit() const { return m_filter; }
    // "All outcomes", "Errors", "Function errors", "Timeouts", "Platform errors", "HTTP errors",
    // "Successes": which rows the list shows, besides the filter text.
    QComboBox *outcomeFilter() const { return m_outcome; }
    // Shown over the table while it has no rows: what to do next.
    QString emptyText() const;
    // The current record, or nullptr.
    const Telemetry::InvocationRecord *currentRecord() const;
    bool isFollowingNewest() const { return m_follow; }
    void setFollowingNewest(bool follow);
    // The curl command of the current record (empty without one, or without a local endpoint).
    QString currentCurlCommand() const;

    // Comparing two runs (issue 13 item 5). The runs read from HAR files are a group of their
    // own under the session's rows (hidden while there are none).
    ImportedRunsView *importedRuns() const { return m_imported; }
    // Reads a HAR file (fcemu's export or a browser's) into a group of its own. The error names
    // the file and, for bad content, the JSON path.
    Status importHar(const QString &path);
    // The selected runs: the session's rows in the list's order, then the imported ones.
    QList<CompareRun> selectedRuns() const;
    // "Compare (Ctrl+D)": two selected runs side by side; with one selected, Compare with….
    QAction *compareAction() const { return m_compareAction; }
    void compareSelected();
    // Opens (or refills) the compare view with A and B.
    CompareView *compareRuns(const CompareRun &a, const CompareRun &b);
    CompareView *compareView() const;
    // "Compare with…": a chooser of every other run; the pick opens the compare view.
    ChooseRunDialog *chooseComparisonFor(const CompareRun &run);

public slots:
    // Makes the record with this id current (and stops following the newest). Clears the filter
    // when it hides the record.
    void selectRequest(const QString &requestId);

signals:
    void currentRecordChanged(const Fcemu::Telemetry::InvocationRecord *record);
    // The Clear button: the main window clears the session's records, logs and lanes.
    void clearRequested();
    // The context menu's "Compare other calls with this one": Timing pins it as the comparison.
    void compareWithRequested(const QString &requestId);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    void applyFilter(const QString &text);
    void followNewest();
    void setCurrentSourceRow(int row);
    void currentChanged();
    void layoutColumns();
    void showContextMenu(const QPoint &pos);
    void showImportedMenu(const QPoint &pos);
    void addCompareActions(QMenu &menu, const CompareRun &clicked);
    void copyRequestId();
    void copyCurl();
    void updateCount();
    void updateEmptyState();
    void layoutBar(bool twoRows);
    void placeWaterfall();
    int oneRowBarWidth() const;
    double scaleMs();
    void updateScaleLabel(); // soon: after the rows and the filter have settled

    Session::FunctionSession *m_session;
    RequestModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QLineEdit *m_filter;
    QToolButton *m_followButton;
    QAction *m_copyIdAction;
    QAction *m_copyCurlAction;
    QLabel *m_count;
    QComboBox *m_outcome;
    QLabel *m_empty;
    QTableView *m_table;
    ImportedRunsView *m_imported = nullptr;
    QAction *m_compareAction = nullptr;
    QPointer<CompareView> m_compare;
    QToolButton *m_clear = nullptr;
    QGridLayout *m_bar = nullptr;
    bool m_twoRowBar = false;
    bool m_follow = true;
    bool m_holdCurrent = false;
    quint64 m_currentSerial = 0; // 0: none
    double m_scaleMs = 0;
    bool m_scaleDirty = true;
    QTimer *m_scaleLabel; // single shot: the Timeline header's scale
    // Single shot: while following, a burst of new rows moves the current row to the newest once
    // (per row, the table's relayout and scroll and the inspectors' redraw stalled the window
    // at a thousand requests a second: bench/ui_window).
    QTimer *m_followLater;
    QElapsedTimer m_lastFollow; // the first new row after a quiet spell is followed at once
};

} // namespace Fcemu::Ui
