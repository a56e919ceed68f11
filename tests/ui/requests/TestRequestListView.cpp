#include <QToolButton>
#include <QComboBox>
#include <QAbstractItemModelTester>
#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QElapsedTimer>
#include <QHeaderView>
#include <QLineEdit>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QStyle>
#include <QTableView>
#include <QTest>

#include "Screenshots.h"

#include "common/Format.h"
#include "requests/RequestListView.h"
#include "requests/RequestModel.h"
#include "session/FunctionSession.h"
#include "window/Theme.h"

using namespace Fcemu;
using Fcemu::Ui::darkPalette; // the app's own dark theme
using Fcemu::Ui::RequestModel;

namespace {

Telemetry::InvocationRecord makeRecord(const QString &id, bool cold, double totalMs)
{
    Telemetry::InvocationRecord r;
    r.requestId = id;
    r.kind = u"event"_qs;
    r.coldStart = cold;
    r.startedAt = QDateTime(QDate(2026, 1, 2), QTime(3, 4, 5), Qt::UTC);
    if (cold) {
        r.timings.sandboxMs = totalMs * 0.2;
        r.timings.startupMs = totalMs * 0.5;
        r.timings.initializeMs = totalMs * 0.1;
        r.timings.invokeMs = totalMs * 0.2;
    } else {
        r.timings.sendMs = totalMs * 0.1;
        r.timings.waitMs = totalMs * 0.8;
        r.timings.receiveMs = totalMs * 0.1;
        r.timings.invokeMs = totalMs;
    }
    r.timings.totalMs = totalMs;
    r.memorySizeMB = 128;
    r.maxUsedMB = 12.5;
    r.billing.billedDurationMs = qint64(totalMs) + 1;
    r.billing.cost = Billing::Money::fromPico(qint64(totalMs * 2048), u"USD"_qs);
    return r;
}

Telemetry::InvocationRecord httpRecord(const QString &id, const QString &method,
                                       const QString &target, int status)
{
    Telemetry::InvocationRecord r = makeRecord(id, false, 12);
    r.kind = u"http"_qs;
    r.client.emplace();
    r.client->method = method;
    r.client->target = target;
    r.statusCode = status;
    return r;
}

} // namespace

class TestRequestListView final : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void filterMatchesIdKindStatusPathAndErrorCode_data();
    void filterMatchesIdKindStatusPathAndErrorCode();
    void followsTheNewestUntilARowIsClicked();
    void selectRequestClearsAHidingFilter();
    void copiesTheRequestId();
    void clearingTheStoreEmitsNoRecord();
    void curlCommandOfTheCurrentRequest();
    void tenThousandRequests();
    void timelineHeaderShowsItsScale();
    void outcomeFilterAndErrorRows();
    void emptyStateSaysWhatToDo();
    void waterfallIsOnScreen_data();
    void waterfallIsOnScreen();
    void render_data();
    void render();

private:
    std::unique_ptr<Session::FunctionSession> m_session;
    std::unique_ptr<Ui::RequestListView> m_view;
};

void TestRequestListView::init()
{
    m_session = std::make_unique<Session::FunctionSession>();
    m_view = std::make_unique<Ui::RequestListView>(m_session.get());
    m_view->resize(1100, 320);
}

void TestRequestListView::cleanup()
{
    m_view.reset();
    m_session.reset();
    QApplication::setPalette(QApplication::style()->standardPalette());
}

void TestRequestListView::filterMatchesIdKindStatusPathAndErrorCode_data()
{
    QTest::addColumn<QString>("filter");
    QTest::addColumn<QStringList>("shown");
    QTest::addRow("a request id (case-insensitive)") << u"1-BBB"_qs << QStringList{u"1-bbb"_qs};
    QTest::addRow("a kind") << u"http"_qs << QStringList{u"1-ccc"_qs, u"1-ddd"_qs};
    QTest::addRow("a status") << u"404"_qs << QStringList{u"1-ddd"_qs};
    QTest::addRow("a method and path") << u"post /orders"_qs << QStringList{u"1-ccc"_qs};
    QTest::addRow("an error code") << u"TimeoutError"_qs << QStringList{u"1-bbb"_qs};
    QTest::addRow("blank shows everything")
        << u"  "_qs << QStringList{u"1-aaa"_qs, u"1-bbb"_qs, u"1-ccc"_qs, u"1-ddd"_qs};
    QTest::addRow("no match shows nothing") << u"zzz"_qs << QStringList{};
}

void TestRequestListView::filterMatchesIdKindStatusPathAndErrorCode()
{
    QFETCH(QString, filter);
    QFETCH(QStringList, shown);
    QAbstractItemModelTester tester(m_view->proxy(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    Telemetry::RecordStore *store = m_session->records();
    store->append(makeRecord(u"1-aaa"_qs, true, 900));
    Telemetry::InvocationRecord failed = makeRecord(u"1-bbb"_qs, false, 3000);
    failed.statusCode = 502;
    failed.error = Telemetry::InvocationError{u"FunctionTimeoutError"_qs, u"timed out"_qs};
    store->append(failed);
    store->append(httpRecord(u"1-ccc"_qs, u"POST"_qs, u"/orders"_qs, 201));
    store->append(httpRecord(u"1-ddd"_qs, u"GET"_qs, u"/missing"_qs, 404));

    m_view->filterEdit()->setText(filter);
    QStringList ids;
    for (int row = 0; row < m_view->proxy()->rowCount(); ++row)
        ids.append(m_view->proxy()->index(row, RequestModel::RequestId).data().toString());
    QCOMPARE(ids, shown);
}

void TestRequestListView::followsTheNewestUntilARowIsClicked()
{
    Ui::RequestListView &view = *m_view;
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QSignalSpy current(&view, &Ui::RequestListView::currentRecordChanged);
    Telemetry::RecordStore *store = m_session->records();
    QVERIFY(view.isFollowingNewest());
    QCOMPARE(view.currentRecord(), nullptr);

    // The first arrival becomes current at once; a burst is followed once it settles (50 ms),
    // not row by row.
    store->append(makeRecord(u"r1"_qs, true, 10));
    QCOMPARE(current.count(), 1);
    QCOMPARE(view.currentRecord()->requestId, u"r1"_qs);
    for (int i = 2; i <= 3; ++i)
        store->append(makeRecord(u"r%1"_qs.arg(i), false, 10.0 * i));
    QCOMPARE(current.count(), 1);
    QTRY_COMPARE(current.count(), 2);
    QCOMPARE(current.last().at(0).value<const Telemetry::InvocationRecord *>(), &store->at(2));
    QCOMPARE(view.currentRecord()->requestId, u"r3"_qs);

    // The user clicks the first row: it stays current while more requests arrive.
    const QRect first = view.table()->visualRect(view.proxy()->index(0, RequestModel::RequestId));
    QTest::mouseClick(view.table()->viewport(), Qt::LeftButton, {}, first.center());
    QVERIFY(!view.isFollowingNewest());
    QCOMPARE(current.count(), 3);
    QCOMPARE(current.last().at(0).value<const Telemetry::InvocationRecord *>(), &store->at(0));
    store->append(makeRecord(u"r4"_qs, false, 5));
    store->append(makeRecord(u"r5"_qs, false, 5));
    QCOMPARE(current.count(), 3);
    QCOMPARE(view.currentRecord()->requestId, u"r1"_qs);

    // Following again jumps to the newest.
    view.setFollowingNewest(true);
    QCOMPARE(current.count(), 4);
    QCOMPARE(view.currentRecord()->requestId, u"r5"_qs);
    store->append(makeRecord(u"r6"_qs, false, 5));
    QTRY_COMPARE(view.currentRecord()->requestId, u"r6"_qs);

    // Keyboard navigation is picking too.
    QTest::keyClick(view.table(), Qt::Key_Up);
    QVERIFY(!view.isFollowingNewest());
    QCOMPARE(view.currentRecord()->requestId, u"r5"_qs);
    store->append(makeRecord(u"r7"_qs, false, 5));
    QCOMPARE(view.currentRecord()->requestId, u"r5"_qs);
}

void TestRequestListView::selectRequestClearsAHidingFilter()
{
    Telemetry::RecordStore *store = m_session->records();
    store->append(makeRecord(u"1-aaa"_qs, true, 900));
    store->append(httpRecord(u"1-ccc"_qs, u"GET"_qs, u"/x"_qs, 200));
    m_view->filterEdit()->setText(u"http"_qs);
    QCOMPARE(m_view->currentRecord()->requestId, u"1-ccc"_qs);
    QSignalSpy current(m_view.get(), &Ui::RequestListView::currentRecordChanged);

    m_view->selectRequest(u"1-aaa"_qs);
    QVERIFY(!m_view->isFollowingNewest());
    QCOMPARE(m_view->filterEdit()->text(), QString());
    QCOMPARE(m_view->currentRecord()->requestId, u"1-aaa"_qs);
    QCOMPARE(current.count(), 1);
    QCOMPARE(current.at(0).at(0).value<const Telemetry::InvocationRecord *>(), &store->at(0));

    m_view->selectRequest(u"unknown"_qs);
    QCOMPARE(m_view->currentRecord()->requestId, u"1-aaa"_qs);
    QCOMPARE(current.count(), 1);
}

void TestRequestListView::copiesTheRequestId()
{
    Ui::RequestListView &view = *m_view;
    view.show();
    view.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&view));
    m_session->records()->append(makeRecord(u"1-copy-me"_qs, true, 10));
    view.table()->setFocus();
    QApplication::clipboard()->clear();
    QTest::keyClick(view.table(), Qt::Key_C, Qt::ControlModifier);
    QCOMPARE(QApplication::clipboard()->text(), u"1-copy-me"_qs);
    // No endpoint (nothing loaded): there is no curl command to copy.
    QCOMPARE(view.currentCurlCommand(), QString());
}

void TestRequestListView::clearingTheStoreEmitsNoRecord()
{
    m_session->records()->append(makeRecord(u"a"_qs, true, 10));
    QSignalSpy current(m_view.get(), &Ui::RequestListView::currentRecordChanged);
    m_session->records()->clear();
    QCOMPARE(current.count(), 1);
    QCOMPARE(current.at(0).at(0).value<const Telemetry::InvocationRecord *>(), nullptr);
    QCOMPARE(m_view->currentRecord(), nullptr);
    m_session->records()->append(makeRecord(u"b"_qs, false, 10));
    QTRY_COMPARE(current.count(), 2);
    QCOMPARE(m_view->currentRecord()->requestId, u"b"_qs);
}

void TestRequestListView::curlCommandOfTheCurrentRequest()
{
    // A web-server-mode function with no provisioned instances listens without starting any.
    m_session->setPreferredEndpoint(QHostAddress::LocalHost, 18'650);
    Config::FunctionConfig config;
    config.name = u"fn"_qs;
    QVERIFY(m_session->load(u"image.tar"_qs, config, std::make_shared<Runtime::PreparedImage>()));
    Telemetry::InvocationRecord record = httpRecord(u"1-h"_qs, u"GET"_qs, u"/a?b=1"_qs, 200);
    m_session->records()->append(record);
    QCOMPARE(m_view->currentCurlCommand(),
             u"curl '"_qs + m_session->httpTriggerUrl(u"/a?b=1"_qs) + u"'"_qs);
    m_view->show();
    m_view->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_view.get()));
    m_view->table()->setFocus();
    QTest::keyClick(m_view->table(), Qt::Key_C, Qt::ControlModifier | Qt::ShiftModifier);
    QCOMPARE(QApplication::clipboard()->text(), m_view->currentCurlCommand());
}

void TestRequestListView::tenThousandRequests()
{
    Ui::RequestListView &view = *m_view;
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    Telemetry::RecordStore *store = m_session->records();
    QCOMPARE(store->capacity(), 10'000);
    QSignalSpy inserted(view.model(), &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(view.model(), &QAbstractItemModel::rowsRemoved);
    QSignalSpy current(&view, &Ui::RequestListView::currentRecordChanged);
    view.filterEdit()->setText(u"warm"_qs);

    // 10,500 requests: the last 500 push the oldest out of the full store. (The model testers
    // come afterwards: they walk the whole model on every change, which is quadratic here.)
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < 10'500; ++i) {
        store->append(makeRecord(u"1-%1"_qs.arg(i, 5, 10, QLatin1Char('0')), i % 50 == 0,
                                 i % 50 == 0 ? 800 : 5 + i % 7));
        if (i % 500 == 0)
            QCoreApplication::processEvents(); // paint now and then, as a live session would
    }
    const qint64 appendMs = timer.restart();
    view.grab();
    const qint64 paintMs = timer.restart();
    view.filterEdit()->setText(u"cold"_qs);
    const qint64 filterMs = timer.elapsed();
    qInfo("10,500 appends with a filter: %lld ms; one paint: %lld ms; refilter: %lld ms", appendMs,
          paintMs, filterMs);

    QCOMPARE(inserted.count(), 10'500);
    QCOMPARE(removed.count(), 500);
    // The newest warm arrival became current burst by burst, not once per row (10,290 warm
    // ones: the table's relayout and the inspectors per row stalled the window), and the
    // refilter moved to a cold one.
    QVERIFY2(current.count() < 10'290 / 2, qPrintable(QString::number(current.count())));
    QCOMPARE(view.model()->rowCount(), 10'000);
    QCOMPARE(view.model()->index(0, RequestModel::RequestId).data().toString(), u"1-00500"_qs);
    // Cold are i % 50 == 0 among 500..10499: 200 of them.
    QCOMPARE(view.proxy()->rowCount(), 200);
    QVERIFY(view.isFollowingNewest());
    QCOMPARE(view.currentRecord()->requestId, u"1-10450"_qs);

    QAbstractItemModelTester modelTester(view.model(),
                                         QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester proxyTester(view.proxy(),
                                         QAbstractItemModelTester::FailureReportingMode::QtTest);
    view.filterEdit()->clear();
    QCOMPARE(view.proxy()->rowCount(), 10'000);
    QCOMPARE(view.currentRecord()->requestId, u"1-10499"_qs);
    QCOMPARE(view.table()->currentIndex().row(), 9'999);
    store->append(makeRecord(u"1-last"_qs, false, 5));
    QCOMPARE(removed.count(), 501);
    QCOMPARE(view.proxy()->rowCount(), 10'000);
    QTRY_COMPARE(view.currentRecord()->requestId, u"1-last"_qs);
    QCOMPARE(view.proxy()->index(0, RequestModel::RequestId).data().toString(), u"1-00501"_qs);

    // The user pins the oldest record; when the store drops it, the next one becomes current
    // and is announced, so no inspector is left holding the dropped record.
    view.selectRequest(u"1-00501"_qs);
    QCOMPARE(view.currentRecord()->requestId, u"1-00501"_qs);
    const qsizetype before = current.count();
    store->append(makeRecord(u"1-after-last"_qs, false, 5));
    QCOMPARE(current.count(), before + 1);
    QCOMPARE(view.currentRecord()->requestId, u"1-00502"_qs);
    QCOMPARE(current.last().at(0).value<const Telemetry::InvocationRecord *>(), &store->at(0));
    QVERIFY(!view.isFollowingNewest());
}

void TestRequestListView::outcomeFilterAndErrorRows()
{
    QAbstractItemModelTester tester(m_view->proxy(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    Telemetry::RecordStore *store = m_session->records();
    store->append(makeRecord(u"1-ok"_qs, true, 900));
    Telemetry::InvocationRecord timeout = makeRecord(u"1-timeout"_qs, false, 3000);
    timeout.statusCode = 200; // FC's status for a timeout: only the error tells
    timeout.error = Telemetry::InvocationError{u"FunctionTimeoutError"_qs, u"timed out"_qs};
    store->append(timeout);
    Telemetry::InvocationRecord crash = makeRecord(u"1-crash"_qs, false, 30);
    crash.error = Telemetry::InvocationError{u"UnhandledInvocationError"_qs, u"boom"_qs};
    store->append(crash);
    Telemetry::InvocationRecord throttled = makeRecord(u"1-429"_qs, false, 1);
    throttled.statusCode = 429;
    throttled.error = Telemetry::InvocationError{u"ResourceThrottled"_qs, u"busy"_qs};
    store->append(throttled);
    store->append(httpRecord(u"1-404"_qs, u"GET"_qs, u"/missing"_qs, 404));

    const auto shown = [this]() {
        QStringList ids;
        for (int row = 0; row < m_view->proxy()->rowCount(); ++row)
            ids.append(m_view->proxy()->index(row, RequestModel::RequestId).data().toString());
        return ids;
    };
    QComboBox *outcome = m_view->outcomeFilter();
    QCOMPARE(outcome->currentText(), u"All outcomes"_qs);
    QCOMPARE(shown().size(), 5);
    const auto choose = [outcome](const QString &text) {
        const int index = outcome->findText(text);
        QVERIFY2(index >= 0, qPrintable(text));
        outcome->setCurrentIndex(index);
    };
    choose(u"Errors"_qs);
    QCOMPARE(shown(), (QStringList{u"1-timeout"_qs, u"1-crash"_qs, u"1-429"_qs, u"1-404"_qs}));
    choose(u"Timeout"_qs);
    QCOMPARE(shown(), QStringList{u"1-timeout"_qs});
    choose(u"Function error"_qs);
    QCOMPARE(shown(), QStringList{u"1-crash"_qs});
    choose(u"Platform error"_qs);
    QCOMPARE(shown(), QStringList{u"1-429"_qs});
    choose(u"HTTP error"_qs);
    QCOMPARE(shown(), QStringList{u"1-404"_qs});
    choose(u"OK"_qs);
    QCOMPARE(shown(), QStringList{u"1-ok"_qs});
    // The outcome and the text filter combine.
    choose(u"Errors"_qs);
    m_view->filterEdit()->setText(u"crash"_qs);
    QCOMPARE(shown(), QStringList{u"1-crash"_qs});
    m_view->filterEdit()->clear();
    choose(u"All outcomes"_qs);

    // A timeout's row (status 200) is tinted, a success's is not.
    RequestModel *model = m_view->model();
    QVERIFY(!model->index(0, RequestModel::Time).data(Qt::BackgroundRole).isValid());
    QVERIFY(model->index(1, RequestModel::Time).data(Qt::BackgroundRole).canConvert<QColor>());
    QCOMPARE(model->index(1, RequestModel::Status).data(RequestModel::OutcomeRole).toInt(),
             int(Ui::Outcome::Timeout));
    QVERIFY(model->index(1, RequestModel::Status)
                .data(Qt::ToolTipRole)
                .toString()
                .startsWith(u"Timeout"_qs));
}

void TestRequestListView::emptyStateSaysWhatToDo()
{
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
    QVERIFY2(m_view->emptyText().contains(u"Open Image"_qs), qPrintable(m_view->emptyText()));
    m_session->records()->append(makeRecord(u"1-one"_qs, true, 10));
    QCOMPARE(m_view->emptyText(), QString());
    m_view->filterEdit()->setText(u"nothing-matches-this"_qs);
    QVERIFY2(m_view->emptyText().contains(u"filter"_qs), qPrintable(m_view->emptyText()));
    m_view->filterEdit()->clear();
    QCOMPARE(m_view->emptyText(), QString());
    QSignalSpy clear(m_view.get(), &Ui::RequestListView::clearRequested);
    auto *button = m_view->findChild<QToolButton *>(u"clearRequests"_qs);
    QVERIFY(button);
    button->click();
    QCOMPARE(clear.size(), 1);
}

void TestRequestListView::waterfallIsOnScreen_data()
{
    QTest::addColumn<int>("width");
    QTest::newRow("560 (1280x720 centre)") << 560;
    QTest::newRow("800 (1600 wide)") << 800;
    QTest::newRow("1100 (1920 wide)") << 1100;
}

void TestRequestListView::waterfallIsOnScreen()
{
    QFETCH(int, width);
    m_session->records()->append(makeRecord(u"1-one"_qs, true, 10));
    m_view->resize(width, 300);
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
    QTableView *table = m_view->table();
    QHeaderView *header = table->horizontalHeader();
    const int left = header->sectionViewportPosition(RequestModel::Timeline);
    const int right = left + header->sectionSize(RequestModel::Timeline);
    QVERIFY2(left >= 0 && right <= table->viewport()->width(),
             qPrintable(u"%1..%2 of %3"_qs.arg(left).arg(right).arg(table->viewport()->width())));
    QVERIFY(header->sectionSize(RequestModel::Timeline) >= 100);
}

void TestRequestListView::timelineHeaderShowsItsScale()
{
    const auto header = [this]() {
        return m_view->proxy()
            ->headerData(RequestModel::Timeline, Qt::Horizontal, Qt::DisplayRole)
            .toString();
    };
    QCOMPARE(header(), u"Timeline"_qs); // nothing to draw yet
    m_session->records()->append(makeRecord(u"1-short"_qs, false, 12));
    QTRY_COMPARE(header(), u"Timeline 0–12.0 ms"_qs);
    m_session->records()->append(makeRecord(u"1-long"_qs, true, 1500));
    QTRY_COMPARE(header(), u"Timeline 0–1.50 s"_qs);
    // The scale follows the rows shown: the long one filtered out, the short one sets it.
    m_view->filterEdit()->setText(u"1-short"_qs);
    QTRY_COMPARE(header(), u"Timeline 0–12.0 ms"_qs);
    m_view->filterEdit()->clear();
    QTRY_COMPARE(header(), u"Timeline 0–1.50 s"_qs);
    m_session->records()->clear();
    QTRY_COMPARE(header(), u"Timeline"_qs);
}

void TestRequestListView::render_data()
{
    QTest::addColumn<bool>("dark");
    QTest::addRow("light") << false;
    QTest::addRow("dark") << true;
}

void TestRequestListView::render()
{
    QFETCH(bool, dark);
    if (dark)
        QApplication::setPalette(darkPalette());
    m_view = std::make_unique<Ui::RequestListView>(m_session.get());
    m_view->resize(1180, 300);
    Telemetry::RecordStore *store = m_session->records();
    store->append(makeRecord(u"1-6603951e-157f3f32-7fe6f248d7d0"_qs, true, 1480));
    for (int i = 0; i < 4; ++i)
        store->append(makeRecord(u"1-6603951f-157f3f3%1-7fe6f248d7d1"_qs.arg(i), false, 8 + 9 * i));
    Telemetry::InvocationRecord failed = makeRecord(u"1-66039520-1aa-timeout"_qs, false, 3000);
    failed.statusCode = 502;
    failed.error = Telemetry::InvocationError{u"FunctionTimeoutError"_qs, u"timed out"_qs};
    store->append(failed);
    store->append(httpRecord(u"1-66039521-1bb-http"_qs, u"GET"_qs, u"/hello?name=fc"_qs, 200));
    store->append(httpRecord(u"1-66039522-1cc-http"_qs, u"POST"_qs, u"/orders"_qs, 404));
    m_view->selectRequest(store->at(3).requestId);
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
    const QString path = u"request-list-%1.png"_qs.arg(dark ? u"dark"_qs : u"light"_qs);
    QVERIFY(Test::saveScreenshot(m_view.get(), path));
}

QTEST_MAIN(TestRequestListView)
#include "TestRequestListView.moc"
