// The compare view (issue 13 item 5) in the request list: two selected rows side by side
// (Ctrl+D), "Compare with…" through the chooser, a HAR file imported as a group of its own whose
// runs compare with the session's, the figures the view shows, and its layout at 1280×720 in the
// light and the dark theme with no text cut (Ui::findCutText) and no table cell narrower than its
// text.
#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QFile>
#include <QHeaderView>
#include <QLabel>
#include <QMenuBar>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QStyle>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <QTreeWidget>

#include "CompareFixtures.h"
#include "Screenshots.h"
#include "compare/ChooseRunDialog.h"
#include "compare/CompareView.h"
#include "compare/ImportedRunsView.h"
#include "gateway/Har.h"
#include "requests/RequestListView.h"
#include "requests/RequestModel.h"
#include "session/FunctionSession.h"
#include "window/LayoutCheck.h"
#include "window/MainWindow.h"
#include "window/Theme.h"

using namespace Fcemu;
using namespace Fcemu::Ui;
using ojson = nlohmann::ordered_json;

namespace {

// The texts of a tree row whose first (or given) column reads `name`.
QStringList rowTexts(const QTreeWidget *tree, const QString &name, int column = 0)
{
    QList<const QTreeWidgetItem *> pending;
    for (int i = 0; i < tree->topLevelItemCount(); ++i)
        pending.append(tree->topLevelItem(i));
    while (!pending.isEmpty()) {
        const QTreeWidgetItem *item = pending.takeFirst();
        if (item->text(column) == name) {
            QStringList texts;
            for (int c = 0; c < tree->columnCount(); ++c)
                texts << item->text(c);
            return texts;
        }
        for (int i = 0; i < item->childCount(); ++i)
            pending.append(item->child(i));
    }
    return {};
}

// A browser's HAR (Chrome's shape): one GET of the same path, HTTP only, with a reply header
// the session's calls do not have.
QByteArray browserHar()
{
    ojson entry;
    entry["startedDateTime"] = "2026-03-27T10:20:30.123Z";
    entry["time"] = 31.5;
    entry["request"] = {
        {"method", "GET"},
        {"url", "https://fc.example.test/api/items?page=1"},
        {"httpVersion", "http/2.0"},
        {"headers", ojson::array({{{"name", ":authority"}, {"value", "fc.example.test"}},
                                  {{"name", "accept"}, {"value", "*/*"}}})},
        {"queryString", ojson::array()},
        {"cookies", ojson::array()},
        {"headersSize", -1},
        {"bodySize", 0}};
    entry["response"] = {
        {"status", 200},
        {"statusText", ""},
        {"httpVersion", "http/2.0"},
        {"headers", ojson::array({{{"name", "content-type"}, {"value", "application/json"}},
                                  {{"name", "x-fc-request-id"}, {"value", "1-66aa0000-1-2"}},
                                  {{"name", "via"}, {"value", "cdn-edge"}}})},
        {"cookies", ojson::array()},
        {"content", {{"size", 11}, {"mimeType", "application/json"}, {"text", "{\"ok\":true}"}}},
        {"redirectURL", ""},
        {"headersSize", -1},
        {"bodySize", -1}};
    entry["cache"] = ojson::object();
    entry["timings"] = {{"blocked", 1.5}, {"dns", -1},  {"ssl", -1},     {"connect", -1},
                        {"send", 0.5},    {"wait", 28}, {"receive", 1.5}};
    ojson second = entry;
    second["request"]["url"] = "https://fc.example.test/api/items?page=2";
    second["response"]["headers"][1]["value"] = "1-66aa0000-1-3";
    ojson doc = {{"log",
                  {{"version", "1.2"},
                   {"creator", {{"name", "WebInspector"}, {"version", "537.36"}}},
                   {"pages", ojson::array()},
                   {"entries", ojson::array({entry, second})}}}};
    return QByteArray::fromStdString(doc.dump(1));
}

bool writeFile(const QString &path, const QByteArray &data)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(data) == data.size();
}

// Every cell of a tree at least as wide as its text (findCutText leaves item views alone).
QStringList cutCells(const QTreeWidget *tree)
{
    QStringList cut;
    const QFontMetrics metrics = tree->fontMetrics();
    QList<const QTreeWidgetItem *> items;
    for (int i = 0; i < tree->topLevelItemCount(); ++i)
        items.append(tree->topLevelItem(i));
    for (const QTreeWidgetItem *item : std::as_const(items)) {
        for (int c = 0; c < tree->columnCount() - 1; ++c) {
            if (item->isFirstColumnSpanned())
                continue;
            QFont font = item->font(c);
            const int needed = QFontMetrics(font).horizontalAdvance(item->text(c)) +
                               (item->icon(c).isNull() ? 0 : 20) + 10;
            if (needed > tree->header()->sectionSize(c))
                cut << QStringLiteral("%1: \"%2\" needs %3 px, has %4")
                           .arg(tree->objectName(), item->text(c))
                           .arg(needed)
                           .arg(tree->header()->sectionSize(c));
        }
    }
    Q_UNUSED(metrics);
    return cut;
}

} // namespace

class TestCompareView final : public QObject
{
    Q_OBJECT

    std::unique_ptr<Session::FunctionSession> m_session;
    std::unique_ptr<RequestListView> m_view;

    void selectSessionRows(const QList<int> &rows)
    {
        QTableView *table = m_view->table();
        table->clearSelection();
        for (int row : rows)
            table->selectionModel()->select(table->model()->index(row, 0),
                                            QItemSelectionModel::Select |
                                                QItemSelectionModel::Rows);
    }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(u"fcemu-test-compare"_qs);
        QCoreApplication::setApplicationName(u"fcemu-test-compare"_qs);
        QSettings().clear();
    }

    void init()
    {
        m_session = std::make_unique<Session::FunctionSession>();
        m_session->records()->append(Test::compareCall(u"1-cold"_qs, true, 18.2));
        m_session->records()->append(Test::compareCall(u"1-warm"_qs, false, 9.1));
        m_session->records()->append(Test::compareCall(u"1-warm2"_qs, false, 8.7));
        m_view = std::make_unique<RequestListView>(m_session.get());
        m_view->resize(1100, 500);
        m_view->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
    }

    void cleanup()
    {
        if (CompareView *view = m_view->compareView())
            delete view;
        m_view.reset();
        m_session.reset();
        applyTheme(Theme::Light);
        QApplication::setPalette(QApplication::style()->standardPalette());
    }

    // Two rows selected, Ctrl+D: the view shows A (the older) and B with their figures.
    void twoSelectedRowsSideBySide()
    {
        selectSessionRows({0, 1});
        QCOMPARE(m_view->selectedRuns().size(), 2);
        QTest::keyClick(m_view->table(), Qt::Key_D, Qt::ControlModifier);
        CompareView *view = m_view->compareView();
        QVERIFY(view);
        QVERIFY(view->isVisible());
        QCOMPARE(view->runA().record->requestId, u"1-cold"_qs);
        QCOMPARE(view->runB().record->requestId, u"1-warm"_qs);
        QVERIFY2(view->headline().startsWith(u"A took 238 ms longer than B (×27). A was a cold "
                                             u"start, B warm."_qs),
                 qPrintable(view->headline()));

        // Phases: each phase's ms for both, the difference and the factor.
        QTreeWidget *phases = view->phasesTable();
        QCOMPARE(rowTexts(phases, u"Unpack"_qs).mid(0, 5),
                 (QStringList{u"Unpack"_qs, u"91.7 ms"_qs, u"—"_qs, u"only in A"_qs, QString()}));
        QCOMPARE(
            rowTexts(phases, u"Wait"_qs).mid(0, 5),
            (QStringList{u"Wait"_qs, u"18.2 ms"_qs, u"9.1 ms"_qs, u"−9.1 ms"_qs, u"×0.50"_qs}));
        QCOMPARE(
            rowTexts(phases, u"Total"_qs).mid(0, 5),
            (QStringList{u"Total"_qs, u"248 ms"_qs, u"9.3 ms"_qs, u"−238 ms"_qs, u"×0.038"_qs}));
        // The changed rows carry their change for the colours; the bar column its figures.
        const QTreeWidgetItem *wait = phases->findItems(u"Wait"_qs, Qt::MatchExactly).first();
        QCOMPARE(wait->data(0, CompareView::ChangeRole).toInt(), int(Change::Changed));
        QVERIFY(wait->data(0, Qt::BackgroundRole).value<QColor>().isValid());
        QCOMPARE(wait->data(5, CompareView::AmsRole).toDouble(), 18.2);
        QCOMPARE(wait->data(5, CompareView::BmsRole).toDouble(), 9.1);
        QCOMPARE(phases->findItems(u"Send"_qs, Qt::MatchExactly)
                     .first()
                     ->data(0, CompareView::ChangeRole)
                     .toInt(),
                 int(Change::Same));

        // Headers: added, removed and changed marked, per section.
        QTreeWidget *headers = view->headersTree();
        QCOMPARE(rowTexts(headers, u"Cache-Control"_qs, 1),
                 (QStringList{u"≠"_qs, u"Cache-Control"_qs, u"no-cache"_qs, u"max-age=60"_qs}));
        QCOMPARE(rowTexts(headers, u"X-Powered-By"_qs, 1),
                 (QStringList{u"−"_qs, u"X-Powered-By"_qs, u"Express"_qs, QString()}));
        QCOMPARE(rowTexts(headers, u"If-None-Match"_qs, 1),
                 (QStringList{u"+"_qs, u"If-None-Match"_qs, QString(), u"\"abc\""_qs}));
        QCOMPARE(headers->topLevelItem(1)->text(0), u"Response — 1 changed, 1 only in A"_qs);
        QCOMPARE(headers->topLevelItemCount(), 3); // request, response, the container's

        // Logs: both tails, the differences marked.
        const QString logs = view->logsView()->toPlainText();
        QVERIFY2(logs.contains(u"connected to the database in 41 ms"_qs), qPrintable(logs));
        QVERIFY(logs.contains(u"cache hit for page 1"_qs));
        QVERIFY(logs.contains(u"FC Invoke Start RequestId: 1-cold"_qs));
        QVERIFY(view->logsView()->toHtml().contains(
            changeColor(Change::Removed, view->palette()).name()));

        // Cost: billed duration, GB-s, per call and per million.
        QTreeWidget *cost = view->costTable();
        QCOMPARE(rowTexts(cost, u"Billed duration"_qs),
                 (QStringList{u"Billed duration"_qs, u"19 ms"_qs, u"10 ms"_qs, u"−9 ms"_qs,
                              u"×0.53"_qs}));
        QCOMPARE(rowTexts(cost, u"GB-s"_qs).mid(1, 2), (QStringList{u"0.0095"_qs, u"0.005"_qs}));
        QCOMPARE(rowTexts(cost, u"Cost per 1M calls"_qs).at(2), u"$0.28192"_qs);

        // Swap: B becomes A.
        view->findChild<QPushButton *>(u"swapRuns"_qs)->click();
        QCOMPARE(view->runA().record->requestId, u"1-warm"_qs);
        QCOMPARE(rowTexts(view->phasesTable(), u"Unpack"_qs).at(3), u"only in B"_qs);

        // Another pair refills the same window.
        selectSessionRows({1, 2});
        m_view->compareSelected();
        QCOMPARE(m_view->compareView(), view);
        QCOMPARE(view->runB().record->requestId, u"1-warm2"_qs);
        Test::saveScreenshot(view, u"compare-two-rows.png"_qs);
    }

    // One row selected: Compare with… lists the others; the pick opens the view.
    void compareWithOneRowThroughTheChooser()
    {
        selectSessionRows({2});
        m_view->compareSelected();
        auto *chooser = m_view->window()->findChild<ChooseRunDialog *>();
        QVERIFY(chooser);
        QVERIFY(chooser->isVisible());
        const QTreeWidgetItem *group = chooser->tree()->topLevelItem(0);
        QCOMPARE(group->text(0), u"This session — 3 run(s)"_qs);
        QCOMPARE(group->childCount(), 2); // not the run itself
        QVERIFY(!chooser->chosen().record);
        QVERIFY(chooser->choose(u"This session"_qs, u"1-cold"_qs));
        chooser->accept();
        CompareView *view = m_view->compareView();
        QVERIFY(view);
        QCOMPARE(view->runA().record->requestId, u"1-warm2"_qs);
        QCOMPARE(view->runB().record->requestId, u"1-cold"_qs);
    }

    // File ▸ Import HAR: the file's runs are a group of their own under the session's rows, and
    // one of them compares with a session row.
    void anImportedHarIsAGroupToCompareWith()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        ImportedRunsView *imported = m_view->importedRuns();
        QVERIFY(!imported->isVisible());

        const QString chrome = dir.filePath(u"chrome.har"_qs);
        QVERIFY(writeFile(chrome, browserHar()));
        const Status ok = m_view->importHar(chrome);
        QVERIFY2(ok, qPrintable(ok ? QString() : ok.error().message));
        QVERIFY(imported->isVisible());
        QCOMPARE(imported->groupCount(), 1);
        QCOMPARE(imported->topLevelItem(0)->text(0), u"chrome.har — 2 run(s), HTTP only"_qs);
        QCOMPARE(imported->topLevelItem(0)->childCount(), 2);
        const QTreeWidgetItem *first = imported->topLevelItem(0)->child(0);
        QCOMPARE(first->text(ImportedRunsView::RequestId), u"1-66aa0000-1-2"_qs);
        QCOMPARE(first->text(ImportedRunsView::ColdWarm), u"—"_qs); // a browser cannot know
        QCOMPARE(first->text(ImportedRunsView::Kind), u"http GET /api/items?page=1"_qs);
        QCOMPARE(first->text(ImportedRunsView::Duration), u"31.5 ms"_qs);
        // The session's list is untouched.
        QCOMPARE(m_view->model()->rowCount(), 3);

        // fcemu's own export comes back as a second group, cold and warm intact.
        const QString own = dir.filePath(u"session.har"_qs);
        const auto cold = Test::compareCall(u"1-exported"_qs, true, 30);
        QVERIFY(Gateway::writeHar(own, {&cold}, Gateway::HarOptions{}));
        QVERIFY(m_view->importHar(own));
        QCOMPARE(imported->groupCount(), 2);
        QCOMPARE(imported->topLevelItem(1)->text(0), u"session.har — 1 run(s)"_qs);
        QCOMPARE(imported->topLevelItem(1)->child(0)->text(ImportedRunsView::ColdWarm), u"cold"_qs);

        // A bad file: the error names it, and no group is added.
        const QString bad = dir.filePath(u"bad.har"_qs);
        QVERIFY(writeFile(bad, R"({"log": {"version": "1.2", "entries": [{}]}})"));
        const Status refused = m_view->importHar(bad);
        QVERIFY(!refused);
        QCOMPARE(refused.error().message, bad + u": log.entries[0].startedDateTime: missing"_qs);
        QCOMPARE(imported->groupCount(), 2);

        // A session row and an imported run (Ctrl+click) side by side.
        selectSessionRows({1});
        imported->topLevelItem(0)->child(0)->setSelected(true);
        const QList<CompareRun> runs = m_view->selectedRuns();
        QCOMPARE(runs.size(), 2);
        QCOMPARE(runs[1].source, u"chrome.har"_qs);
        QTest::keyClick(m_view->table(), Qt::Key_D, Qt::ControlModifier);
        CompareView *view = m_view->compareView();
        QVERIFY(view);
        QCOMPARE(view->runB().source, u"chrome.har"_qs);
        QVERIFY(!view->runB().hasPlatformData);
        QCOMPARE(rowTexts(view->phasesTable(), u"Wait"_qs).mid(1, 2),
                 (QStringList{u"9.1 ms"_qs, u"28.0 ms"_qs}));
        QCOMPARE(rowTexts(view->phasesTable(), u"Queue"_qs).mid(1, 3),
                 (QStringList{u"—"_qs, u"1.5 ms"_qs, u"only in B"_qs}));
        QCOMPARE(rowTexts(view->headersTree(), u"via"_qs, 1).at(0), u"+"_qs);
        QCOMPARE(rowTexts(view->costTable(), u"Cost per call"_qs).at(2),
                 u"not recorded (browser HAR)"_qs);
        QVERIFY(view->logsView()->toPlainText().contains(u"served /api/items"_qs));

        // The chooser lists the imported group too.
        selectSessionRows({0});
        imported->clearSelection();
        m_view->compareSelected();
        auto *chooser = m_view->window()->findChild<ChooseRunDialog *>();
        QVERIFY(chooser);
        QCOMPARE(chooser->tree()->topLevelItemCount(), 3);
        QVERIFY(chooser->choose(u"session.har"_qs, u"1-exported"_qs));
        chooser->accept();
        QCOMPARE(view->runB().record->requestId, u"1-exported"_qs);
        QCOMPARE(view->runB().source, u"session.har"_qs);

        // Removing the groups hides the part of the list; the view keeps its copies.
        imported->removeGroup(0);
        QCOMPARE(imported->groupCount(), 1);
        QCOMPARE(imported->groupTitle(0), u"session.har"_qs);
        QCOMPARE(imported->runOf(imported->topLevelItem(0)->child(0)).record->requestId,
                 u"1-exported"_qs);
        imported->removeGroup(0);
        QVERIFY(!imported->isVisible());
        QCOMPARE(view->runB().record->requestId, u"1-exported"_qs);
    }

    // The view copies its runs: clearing the session leaves it whole.
    void theViewOutlivesAClear()
    {
        selectSessionRows({0, 1});
        m_view->compareSelected();
        CompareView *view = m_view->compareView();
        QVERIFY(view);
        m_session->records()->clear();
        QCOMPARE(view->runA().record->requestId, u"1-cold"_qs);
        view->onlyDifferences()->setChecked(true);
        QCOMPARE(rowTexts(view->headersTree(), u"Accept"_qs, 1), QStringList()); // the same
        QVERIFY(!rowTexts(view->headersTree(), u"Cache-Control"_qs, 1).isEmpty());
        QVERIFY(!view->logsView()->toPlainText().contains(u"served /api/items"_qs));
    }

    // At the size it opens with on a 1280×720 screen, in both themes, with each tab shown: no
    // text cut, and every table column as wide as its cells.
    void readableAt1280x720InBothThemes()
    {
        QTemporaryDir dir;
        const QString chrome = dir.filePath(u"chrome.har"_qs);
        QVERIFY(writeFile(chrome, browserHar()));
        QVERIFY(m_view->importHar(chrome));
        selectSessionRows({0, 1});
        m_view->compareSelected();
        CompareView *view = m_view->compareView();
        QVERIFY(view);
        view->resize(1100, 640); // 1280×720 less the margins CompareView keeps from the edges
        QVERIFY(QTest::qWaitForWindowExposed(view));
        for (const Theme theme : {Theme::Light, Theme::Dark}) {
            applyTheme(theme);
            QTest::qWait(30);
            // The colours follow the theme.
            const QTreeWidgetItem *wait =
                view->phasesTable()->findItems(u"Wait"_qs, Qt::MatchExactly).first();
            QCOMPARE(wait->data(0, Qt::BackgroundRole).value<QColor>(),
                     changeTint(Change::Changed, QApplication::palette()));
            for (int tab = 0; tab < view->tabs()->count(); ++tab) {
                view->tabs()->setCurrentIndex(tab);
                QTest::qWait(30);
                const QList<CutText> cuts = findCutText(view);
                QStringList lines;
                for (const CutText &cut : cuts)
                    lines << cut.toString();
                QVERIFY2(cuts.isEmpty(), qPrintable(lines.join(u'\n')));
                Test::saveScreenshot(
                    view, QStringLiteral("compare-%1-%2.png").arg(themeName(theme)).arg(tab));
            }
            for (QTreeWidget *tree : {view->phasesTable(), view->costTable()}) {
                const QStringList cut = cutCells(tree);
                QVERIFY2(cut.isEmpty(), qPrintable(cut.join(u'\n')));
            }
        }
        // The list with its imported group, too (without the view: findCutText would take the
        // dialog, a window of its own, for a child of the list).
        view->close();
        QTRY_VERIFY(!m_view->compareView());
        m_view->resize(620, 560);
        QTest::qWait(30);
        const QList<CutText> cuts = findCutText(m_view.get());
        QStringList lines;
        for (const CutText &cut : cuts)
            lines << cut.toString();
        QVERIFY2(cuts.isEmpty(), qPrintable(lines.join(u'\n')));
        Test::saveScreenshot(m_view.get(), u"compare-list-with-import.png"_qs);
    }

    // The main window offers it: File ▸ Import HAR…, Function ▸ Compare Runs (Ctrl+D).
    void theMenusOfferImportAndCompare()
    {
        MainWindow window;
        QStringList actions;
        for (QAction *menu : window.menuBar()->actions())
            for (QAction *action : menu->menu()->actions())
                actions << action->text();
        QVERIFY2(actions.contains(u"Import &HAR…"_qs), qPrintable(actions.join(u", "_qs)));
        QAction *compare = window.requestList()->compareAction();
        QVERIFY(actions.contains(compare->text()));
        QCOMPARE(compare->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_D));
    }
};

QTEST_MAIN(TestCompareView)
#include "TestCompareView.moc"
