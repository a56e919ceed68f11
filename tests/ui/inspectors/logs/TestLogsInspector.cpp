#include <QAbstractButton>
#include <QAbstractItemModelTester>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDir>
#include <QLineEdit>
#include <QListView>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTest>

#include "Screenshots.h"

#include "inspectors/logs/LogModel.h"
#include "inspectors/logs/LogsInspector.h"
#include "session/FunctionSession.h"

using namespace Fcemu::Ui;

namespace {

QPalette darkPalette()
{
    QPalette p;
    p.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
    p.setColor(QPalette::WindowText, QColor(0xe6, 0xe6, 0xe6));
    p.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
    p.setColor(QPalette::AlternateBase, QColor(0x26, 0x26, 0x26));
    p.setColor(QPalette::Text, QColor(0xe6, 0xe6, 0xe6));
    p.setColor(QPalette::PlaceholderText, QColor(0x8a, 0x8a, 0x8a));
    p.setColor(QPalette::Button, QColor(0x35, 0x35, 0x35));
    p.setColor(QPalette::ButtonText, QColor(0xe6, 0xe6, 0xe6));
    for (const QPalette::ColorRole role :
         {QPalette::ButtonText, QPalette::WindowText, QPalette::Text})
        p.setColor(QPalette::Disabled, role, QColor(0x80, 0x80, 0x80));
    p.setColor(QPalette::Highlight, QColor(0x2f, 0x6f, 0xc8));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::ToolTipBase, QColor(0x35, 0x35, 0x35));
    p.setColor(QPalette::ToolTipText, QColor(0xe6, 0xe6, 0xe6));
    return p;
}

void feedRequest(LogModel *model, const QString &request, const QString &instance, qint64 at,
                 int outputLines, bool fail = false)
{
    model->appendLine(request, instance, at, u"FC Invoke Start RequestId: "_qs + request);
    for (int i = 0; i < outputLines; ++i)
        model->appendLine(request, instance, at + 1 + i,
                          u"GET /api/items?page="_qs + QString::number(i) +
                              u" 200 handled in 3 ms"_qs);
    model->appendLine(request, instance, at + 50,
                      u"FC Invoke End RequestId: "_qs + request +
                          (fail ? u", Error: Function timed out after 3 seconds"_qs : QString()));
    model->appendLine(request, instance, at + 51,
                      u"Duration: 48.20 ms, Billed Duration: 49 ms, Memory Size: 512 MB, Max "
                      "Memory Used: 13.16 MB"_qs);
}

} // namespace

class TestLogsInspector final : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void connectsToSession();
    void followsTailUntilScrolledUp();
    void searchCountsAndSteps();
    void filtersBySelectedRequestAndInstance();
    void clearButtonEmpties();
    void scrollsToEndOfLongestLine();
    void copiesSelectedLines();
    void rendersLightAndDark();

private:
    Fcemu::Session::FunctionSession *m_session = nullptr;
    LogsInspector *m_inspector = nullptr;
};

void TestLogsInspector::init()
{
    m_session = new Fcemu::Session::FunctionSession;
    m_inspector = new LogsInspector(m_session);
    m_inspector->resize(720, 320);
}

void TestLogsInspector::cleanup()
{
    delete m_inspector;
    delete m_session;
}

void TestLogsInspector::connectsToSession()
{
    emit m_session->logLine(u"r1"_qs, u"c-1"_qs, 5, u"from the session"_qs);
    QTRY_COMPARE(m_inspector->model()->rowCount(), 1);
    QCOMPARE(m_inspector->model()->lineAt(0).text, u"from the session"_qs);
}

void TestLogsInspector::followsTailUntilScrolledUp()
{
    m_inspector->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_inspector));
    QAbstractItemModelTester tester(m_inspector->view()->model());
    QScrollBar *bar = m_inspector->view()->verticalScrollBar();
    LogModel *model = m_inspector->model();
    for (int i = 0; i < 500; ++i)
        model->appendLine(u"r"_qs, u"c"_qs, i, u"line "_qs + QString::number(i));
    QTRY_VERIFY(bar->maximum() > 400);
    QTRY_COMPARE(bar->value(), bar->maximum());
    QVERIFY(m_inspector->isFollowingTail());

    // The user scrolls up: new lines no longer move the view.
    bar->setValue(100);
    QVERIFY(!m_inspector->isFollowingTail());
    const int oldMax = bar->maximum();
    for (int i = 500; i < 600; ++i)
        model->appendLine(u"r"_qs, u"c"_qs, i, u"line "_qs + QString::number(i));
    QTRY_COMPARE(bar->maximum(), oldMax + 100);
    QCOMPARE(bar->value(), 100);
    QVERIFY(!m_inspector->isFollowingTail());

    // Back at the bottom: following again.
    bar->setValue(bar->maximum());
    QVERIFY(m_inspector->isFollowingTail());
    for (int i = 600; i < 700; ++i)
        model->appendLine(u"r"_qs, u"c"_qs, i, u"line "_qs + QString::number(i));
    QTRY_COMPARE(bar->maximum(), oldMax + 200);
    QTRY_COMPARE(bar->value(), bar->maximum());
    QVERIFY(m_inspector->isFollowingTail());
}

void TestLogsInspector::searchCountsAndSteps()
{
    m_inspector->show();
    LogModel *model = m_inspector->model();
    for (int i = 0; i < 100; ++i)
        model->appendLine(u"r"_qs, u"c"_qs, i,
                          i % 10 == 3 ? u"a Needle here"_qs : u"hay "_qs + QString::number(i));
    model->flush();
    m_inspector->setSearchText(u"needle"_qs);
    QCOMPARE(m_inspector->matchCount(), 10);
    QCOMPARE(m_inspector->currentMatchRow(), -1);

    auto *search = m_inspector->findChild<QLineEdit *>();
    QVERIFY(search);
    QCOMPARE(search->text(), u"needle"_qs);
    m_inspector->view()->setCurrentIndex({});
    QTest::keyClick(search, Qt::Key_Return);
    QCOMPARE(m_inspector->currentMatchRow(), 3);
    // Stepping to a match far from the end scrolled the view away from the tail.
    QVERIFY(!m_inspector->isFollowingTail());
    QTest::keyClick(search, Qt::Key_Return);
    QCOMPARE(m_inspector->currentMatchRow(), 13);
    QTest::keyClick(search, Qt::Key_Return, Qt::ShiftModifier);
    QCOMPARE(m_inspector->currentMatchRow(), 3);
    QTest::keyClick(search, Qt::Key_Return, Qt::ShiftModifier); // wraps to the last
    QCOMPARE(m_inspector->currentMatchRow(), 93);
    QCOMPARE(m_inspector->view()->currentIndex().row(), 93);

    // New lines are counted (after the short debounce).
    model->appendLine(u"r"_qs, u"c"_qs, 200, u"NEEDLE again"_qs);
    QTRY_COMPARE(m_inspector->matchCount(), 11);
    QCOMPARE(m_inspector->matchCount(), 11);
    // Lines dropped by the cap take their matches with them.
    model->setCap(50); // rows 0..50 go: matches at 3, 13, 23, 33, 43
    QCOMPARE(model->rowCount(), 50);
    QCOMPARE(m_inspector->matchCount(), 6);
    m_inspector->setSearchText(u"nothing like it"_qs);
    QCOMPARE(m_inspector->matchCount(), 0);
    m_inspector->findNext();
    QCOMPARE(m_inspector->currentMatchRow(), -1);
}

void TestLogsInspector::filtersBySelectedRequestAndInstance()
{
    LogModel *model = m_inspector->model();
    feedRequest(model, u"1-aaa"_qs, u"c-11-aaaa"_qs, 1000, 3);
    feedRequest(model, u"1-bbb"_qs, u"c-22-bbbb"_qs, 2000, 5);
    feedRequest(model, u"1-ccc"_qs, u"c-11-aaaa"_qs, 3000, 1);
    model->flush();
    QCOMPARE(m_inspector->view()->model(), m_inspector->model()); // no proxy when unfiltered
    QCOMPARE(m_inspector->view()->model()->rowCount(), 6 + 8 + 4);

    auto *combo = m_inspector->findChild<QComboBox *>();
    QVERIFY(combo);
    QCOMPARE(combo->count(), 4); // All, Selected request, two instances
    QCOMPARE(combo->itemData(2).toString(), u"c-11-aaaa"_qs);
    QCOMPARE(combo->itemText(3), u"Instance c-…bbbb"_qs);

    m_inspector->setFilterIndex(1);
    QAbstractItemModel *shown = m_inspector->view()->model();
    QVERIFY(shown != m_inspector->model());
    QAbstractItemModelTester tester(shown);
    QCOMPARE(shown->rowCount(), 0); // nothing selected yet
    m_inspector->setSelectedRequest(u"1-bbb"_qs);
    QCOMPARE(shown->rowCount(), 8);
    QCOMPARE(shown->index(0, 0).data().toString(), u"FC Invoke Start RequestId: 1-bbb"_qs);
    m_inspector->setSelectedRequest(u"1-ccc"_qs);
    QCOMPARE(shown->rowCount(), 4);

    m_inspector->setFilterIndex(2);
    QCOMPARE(shown->rowCount(), 6 + 4);
    m_inspector->setFilterIndex(0);
    QCOMPARE(m_inspector->view()->model()->rowCount(), 18);
}

void TestLogsInspector::clearButtonEmpties()
{
    feedRequest(m_inspector->model(), u"1-aaa"_qs, u"c-1"_qs, 1000, 3);
    m_inspector->model()->flush();
    QCOMPARE(m_inspector->model()->rowCount(), 6);
    const auto buttons = m_inspector->findChildren<QAbstractButton *>();
    for (QAbstractButton *button : buttons)
        if (button->text() == u"Clear"_qs)
            button->click();
    QCOMPARE(m_inspector->model()->rowCount(), 0);
}

void TestLogsInspector::scrollsToEndOfLongestLine()
{
    m_inspector->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_inspector));
    LogModel *model = m_inspector->model();
    model->appendLine(u"r"_qs, u"c"_qs, 1, u"short"_qs);
    model->flush();
    QScrollBar *bar = m_inspector->view()->horizontalScrollBar();
    QTRY_COMPARE(bar->maximum(), 0);
    // The view sizes rows from one sample row (the last); the width comes from the longest line
    // all the same.
    model->appendLine(u"r"_qs, u"c"_qs, 2, QString(400, u'x'));
    model->appendLine(u"r"_qs, u"c"_qs, 3, u"short again"_qs);
    model->flush();
    const int lineWidth = QFontMetrics(m_inspector->view()->font()).horizontalAdvance(u'x') * 400;
    QTRY_VERIFY(bar->maximum() >= lineWidth - m_inspector->view()->viewport()->width());
}

void TestLogsInspector::copiesSelectedLines()
{
    m_inspector->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_inspector));
    feedRequest(m_inspector->model(), u"1-aaa"_qs, u"c-1"_qs, 1000, 2);
    m_inspector->model()->flush();
    QListView *view = m_inspector->view();
    view->selectionModel()->select(view->model()->index(3, 0), QItemSelectionModel::Select);
    view->selectionModel()->select(view->model()->index(1, 0), QItemSelectionModel::Select);
    const QString expected = u"GET /api/items?page=0 200 handled in 3 ms\n"
                             "FC Invoke End RequestId: 1-aaa"_qs;
    QCOMPARE(m_inspector->selectedText(), expected);
    view->setFocus();
    QTest::keySequence(view, QKeySequence::Copy);
    QCOMPARE(QGuiApplication::clipboard()->text(), expected);
}

void TestLogsInspector::rendersLightAndDark()
{
    LogModel *model = m_inspector->model();
    model->appendLine(u"1-init"_qs, u"c-66-7e4bf046"_qs, 1'764'400'000'000,
                      u"FC Initialize Start RequestId: 1-init"_qs);
    model->appendLine(u"1-init"_qs, u"c-66-7e4bf046"_qs, 1'764'400'000'020,
                      u"FC Initialize End RequestId: 1-init"_qs);
    feedRequest(model, u"1-aaa"_qs, u"c-66-7e4bf046"_qs, 1'764'400'000'100, 3);
    feedRequest(model, u"1-bbb"_qs, u"c-66-7e4bf046"_qs, 1'764'400'001'100, 2, true);
    model->flush();
    m_inspector->resize(760, 330);
    m_inspector->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_inspector));
    m_inspector->setSearchText(u"page=1"_qs);
    m_inspector->findNext();
    QVERIFY(Fcemu::Test::saveScreenshot(m_inspector, u"logs-light.png"_qs));

    const QPalette light = QApplication::palette();
    QApplication::setPalette(darkPalette());
    m_inspector->setShowTimestamps(false);
    // Widgets take an application palette change from the event queue.
    QTRY_COMPARE(m_inspector->view()->palette().color(QPalette::Base), QColor(0x1e, 0x1e, 0x1e));
    QVERIFY(Fcemu::Test::saveScreenshot(m_inspector, u"logs-dark.png"_qs));
    QApplication::setPalette(light);
}

QTEST_MAIN(TestLogsInspector)
#include "TestLogsInspector.moc"
