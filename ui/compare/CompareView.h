#pragma once

#include <QDialog>

#include "CompareModel.h"

class QCheckBox;
class QLabel;
class QTabWidget;
class QTextBrowser;
class QTreeWidget;

namespace Fcemu::Ui {

// Two runs side by side (issue 13 item 5): A and B with their phases (each phase's time for
// both, the difference, the ×-factor and a bar for each), their request and response headers
// and what the container received (added, removed and changed marked), their log tails (a line
// diff) and their cost, the differences in the theme's colours. The runs are copied in, so the
// view outlives a Clear of the session or the removal of an imported file.
class CompareView final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CompareView)

public:
    CompareView(const CompareRun &a, const CompareRun &b, QWidget *parent = nullptr);

    void setRuns(const CompareRun &a, const CompareRun &b);
    CompareRun runA() const { return m_a.run(); }
    CompareRun runB() const { return m_b.run(); }

    QString headline() const;
    QTabWidget *tabs() const { return m_tabs; }
    QTreeWidget *phasesTable() const { return m_phases; }
    QTreeWidget *headersTree() const { return m_headers; }
    QTextBrowser *logsView() const { return m_logs; }
    QTreeWidget *costTable() const { return m_cost; }
    QCheckBox *onlyDifferences() const { return m_onlyDifferences; }

    enum Role {
        AmsRole = Qt::UserRole + 1, // the phases table's bar column: A's ms, B's ms, the scale
        BmsRole,
        ScaleRole,
        ChangeRole, // every row: its Change as an int
    };

protected:
    void changeEvent(QEvent *event) override;

private:
    struct Side
    {
        Telemetry::InvocationRecord record;
        QString source;
        bool hasPlatformData = true;
        CompareRun run() const { return {&record, source, hasPlatformData}; }
    };

    void swap();
    void fill();
    void fillCards();
    void fillPhases();
    void fillHeaders();
    void fillLogs();
    void fillCost();
    void fitColumns(QTreeWidget *tree, int maxWidth);

    Side m_a;
    Side m_b;
    QLabel *m_cardA;
    QLabel *m_cardB;
    QLabel *m_headline;
    QTabWidget *m_tabs;
    QTreeWidget *m_phases;
    QTreeWidget *m_headers;
    QTextBrowser *m_logs;
    QTreeWidget *m_cost;
    QLabel *m_costNote;
    QCheckBox *m_onlyDifferences;
    bool m_filling = false;
};

} // namespace Fcemu::Ui
