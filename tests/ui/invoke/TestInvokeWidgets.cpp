#include <QAbstractItemModelTester>
#include <QApplication>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QShortcut>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableWidget>
#include <QTest>

#include "Screenshots.h"
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextLayout>
#include <QVBoxLayout>

#include "invoke/ErrorExplanations.h"
#include "invoke/InvokePanel.h"
#include "invoke/JsonHighlighter.h"
#include "invoke/ResponseView.h"
#include "session/FunctionSession.h"
#include "telemetry/FcErrors.h"
#include "window/Theme.h"

using namespace Fcemu;
using Token = Ui::JsonHighlighter::Token;
using Fcemu::Ui::darkPalette; // the app's own dark theme

namespace {

Telemetry::InvocationRecord record(int status, const QByteArray &body)
{
    Telemetry::InvocationRecord r;
    r.requestId = u"1-6603951e-157f3f32-7fe6f248d7d0"_qs;
    r.instanceId = u"c-6603951e-15f440b6-2df37e4bf046"_qs;
    r.kind = u"http"_qs;
    r.coldStart = true;
    r.statusCode = status;
    r.body = body;
    r.responseHeaders = {{"Content-Type", "application/json"},
                         {"x-fc-request-id", r.requestId.toUtf8()},
                         {"Content-Length", QByteArray::number(body.size())}};
    r.timings.totalMs = 1250;
    r.timings.invokeMs = 12.5;
    r.memorySizeMB = 512;
    r.maxUsedMB = 14.2;
    r.billing.billedDurationMs = 13;
    return r;
}

// The format ranges of a block, keyed by their start.
QMap<int, QTextLayout::FormatRange> formatsOf(const QTextBlock &block)
{
    QMap<int, QTextLayout::FormatRange> map;
    for (const QTextLayout::FormatRange &range : block.layout()->formats())
        map.insert(range.start, range);
    return map;
}

} // namespace

class TestInvokeWidgets final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(u"fcemu-tests"_qs);
        QCoreApplication::setApplicationName(u"test_invoke_widgets"_qs);
    }

    void init() { QSettings().clear(); }

    void highlighterFormatsTokens()
    {
        // In an editor, as the panel uses it: a bare QTextDocument has no layout and emits no
        // contentsChange, so nothing would be highlighted until rehighlight().
        QPlainTextEdit editor;
        QTextDocument &document = *editor.document();
        Ui::JsonHighlighter highlighter(&document);
        const QString text = u"{\"key\": \"value\", \"n\": -1.5e3, \"ok\": true, \"x\": null}"_qs;
        editor.setPlainText(text);
        const auto formats = formatsOf(document.firstBlock());
        auto check = [&](const QString &token, qsizetype at, Token kind) {
            const auto it = formats.constFind(int(at));
            QVERIFY2(it != formats.cend(), qPrintable(token));
            QCOMPARE(it->length, int(token.size()));
            QCOMPARE(it->format.foreground().color(),
                     highlighter.format(kind).foreground().color());
        };
        check(u"{"_qs, 0, Token::Punctuation);
        check(u"\"key\""_qs, 1, Token::Key);
        check(u":"_qs, 6, Token::Punctuation);
        check(u"\"value\""_qs, text.indexOf(u"\"value\""_qs), Token::String);
        check(u"-1.5e3"_qs, text.indexOf(u"-1.5e3"_qs), Token::Number);
        check(u"true"_qs, text.indexOf(u"true"_qs), Token::Literal);
        check(u"null"_qs, text.indexOf(u"null"_qs), Token::Literal);
        check(u"}"_qs, text.size() - 1, Token::Punctuation);
        // 5 strings, 1 number, 2 literals and 9 punctuation marks (2 braces, 4 colons, 3
        // commas): nothing else, not even the spaces, is coloured.
        QCOMPARE(formats.size(), 5 + 1 + 2 + 9);
        // The five token kinds have five different colours.
        QSet<QRgb> colours;
        for (Token t :
             {Token::Key, Token::String, Token::Number, Token::Literal, Token::Punctuation})
            colours.insert(highlighter.format(t).foreground().color().rgb());
        QCOMPARE(colours.size(), 5);

        // A word that merely starts like a literal is not one.
        editor.setPlainText(u"trueish"_qs);
        QCOMPARE(document.firstBlock().layout()->formats().size(), 0);

        // The dark set differs and is light enough to read on a dark base.
        highlighter.setPalette(darkPalette());
        QVERIFY(highlighter.format(Token::Key).foreground().color().lightness() > 150);
    }

    void jsonCheckGivesLineAndColumn()
    {
        const Ui::JsonCheck valid = Ui::checkJson("{\"a\": [1, 2]}");
        QVERIFY(valid.valid);
        QCOMPARE(valid.summary(), u"Valid JSON."_qs);

        const Ui::JsonCheck broken = Ui::checkJson("{\n  \"a\": 1,\n  }");
        QVERIFY(!broken.valid);
        QVERIFY(!broken.empty);
        QCOMPARE(broken.line, 3);
        QCOMPARE(broken.column, 3);
        QCOMPARE(broken.message,
                 u"syntax error while parsing object key - unexpected '}'; expected string "
                 u"literal"_qs);
        QCOMPARE(broken.summary(),
                 u"Not JSON (line 3, column 3: syntax error while parsing object key - "
                 u"unexpected '}'; expected string literal). FC accepts any bytes, so it is "
                 u"sent as written."_qs);

        // Columns count characters, not UTF-8 bytes.
        const Ui::JsonCheck wide = Ui::checkJson(QString(u"[\"äö\", x]"_qs).toUtf8());
        QCOMPARE(wide.line, 1);
        QCOMPARE(wide.column, 8);

        const Ui::JsonCheck empty = Ui::checkJson({});
        QVERIFY(empty.empty);
        QCOMPARE(empty.summary(), u"Empty event: FC sends zero bytes."_qs);
    }

    void responseShowsPrettyJson()
    {
        Ui::ResponseView view;
        QAbstractItemModelTester tester(view.headersTable()->model(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy inserted(view.headersTable()->model(), &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(view.headersTable()->model(), &QAbstractItemModel::rowsRemoved);
        QSignalSpy changed(view.headersTable()->model(), &QAbstractItemModel::dataChanged);

        view.showResponse(record(200, "{\"b\":1,\"a\":[true,null]}"));
        QCOMPARE(view.bodyKind(), Ui::BodyKind::Json);
        // Key order is kept (b before a), indented by two.
        QCOMPARE(view.bodyText(), u"{\n  \"b\": 1,\n  \"a\": [\n    true,\n    null\n  ]\n}"_qs);
        QCOMPARE(view.statusText(), u"200 OK"_qs);
        QCOMPARE(view.summaryText(),
                 u"Cold start · 1.25 s total · invoke 12.5 ms · billed 13 ms · memory 14.2 MB of "
                 u"512 MB · cost $0\nRequest 1-6603951e-157f3f32-7fe6f248d7d0 on instance "
                 u"c-6603951e-15f440b6-2df37e4bf046"_qs);
        QCOMPARE(view.errorText(), QString());
        QCOMPARE(view.findChild<QLabel *>(u"status"_qs)->palette().color(QPalette::WindowText),
                 QColor(0x1a, 0x7f, 0x37));

        QTableWidget *headers = view.headersTable();
        QCOMPARE(headers->rowCount(), 3);
        QCOMPARE(headers->item(0, 0)->text(), u"Content-Type"_qs);
        QCOMPARE(headers->item(2, 1)->text(), u"23"_qs);
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(removed.count(), 0);
        QCOMPARE(changed.count(), 6); // one per cell set

        Telemetry::InvocationRecord two = record(200, "plain words\n");
        two.responseHeaders.removeLast();
        view.showResponse(two);
        QCOMPARE(view.bodyKind(), Ui::BodyKind::Text);
        QCOMPARE(view.findChild<QLabel *>(u"bodyInfo"_qs)->text(), u"Text, 12 bytes"_qs);
        QCOMPARE(view.bodyText(), u"plain words\n"_qs);
        QCOMPARE(headers->rowCount(), 2);
        QCOMPARE(inserted.count(), 2);
        QCOMPARE(removed.count(), 1);
        QCOMPARE(changed.count(), 10);

        view.showResponse(record(200, '"' + QByteArray(2046, 'a') + '"'));
        QCOMPARE(view.findChild<QLabel *>(u"bodyInfo"_qs)->text(),
                 u"JSON, 2.0 KB (pretty-printed)"_qs);
    }

    void responseShowsHexForBinary()
    {
        const QByteArray binary("\x00\x01\x02"
                                "ABC\xff",
                                7);
        QCOMPARE(Ui::classifyBody(binary), Ui::BodyKind::Binary);
        QCOMPARE(Ui::classifyBody("caf\xc3\xa9\n"), Ui::BodyKind::Text); // UTF-8 é
        QCOMPARE(Ui::classifyBody("caf\xe9"), Ui::BodyKind::Binary);     // Latin-1 é
        QCOMPARE(Ui::classifyBody("bell\x07"), Ui::BodyKind::Binary);
        QCOMPARE(Ui::classifyBody("42"), Ui::BodyKind::Json);

        Ui::ResponseView view;
        view.showResponse(record(200, binary));
        QCOMPARE(view.bodyKind(), Ui::BodyKind::Binary);
        QCOMPARE(view.findChild<QLabel *>(u"bodyInfo"_qs)->text(),
                 u"Binary, 7 bytes (hex dump)"_qs);
        QCOMPARE(view.bodyText(), u"00000000  00 01 02 41 42 43 ff"_qs + QString(3 + 1 + 24, u' ') +
                                      u"  |...ABC.|\n"_qs);

        // Two lines, the split in the middle of each line, and the limit.
        QByteArray many;
        for (int i = 0; i < 20; ++i)
            many.append(char('a' + i));
        QCOMPARE(Ui::hexDump(many),
                 u"00000000  61 62 63 64 65 66 67 68  69 6a 6b 6c 6d 6e 6f 70  |abcdefghijklmnop|\n"
                 u"00000010  71 72 73 74"_qs +
                     QString(12 * 3 + 1, u' ') + u"  |qrst|\n"_qs);
        QCOMPARE(Ui::hexDump(many, 16),
                 u"00000000  61 62 63 64 65 66 67 68  69 6a 6b 6c 6d 6e 6f 70  |abcdefghijklmnop|\n"
                 u"... 4 more bytes not shown\n"_qs);
    }

    void responseExplainsFcErrors()
    {
        Ui::ResponseView view;
        Telemetry::InvocationRecord r = record(502, "{\"ErrorCode\":\"FunctionNotStarted\"}");
        r.error = Telemetry::InvocationError{
            u"FunctionNotStarted"_qs,
            u"The CA's http server cannot be started: ContainerStartDuration:120 s"_qs};
        view.showResponse(r);
        QCOMPARE(view.statusText(), u"Platform error · FunctionNotStarted (HTTP 502)"_qs);
        QCOMPARE(view.outcome(), Ui::Outcome::PlatformError);
        QCOMPARE(view.findChild<QLabel *>(u"status"_qs)->palette().color(QPalette::WindowText),
                 QColor(0xc6, 0x28, 0x28));
        const auto explained = Ui::explainError(u"FunctionNotStarted"_qs);
        QVERIFY(explained);
        QVERIFY(explained->fix.contains(u"0.0.0.0"_qs));
        QVERIFY(explained->fix.contains(u"startup timeout"_qs));
        QCOMPARE(view.errorText(),
                 u"<b>FunctionNotStarted</b>: The CA's http server cannot be started: "
                 u"ContainerStartDuration:120 s<br><b>What happened:</b> "_qs +
                     explained->meaning + u"<br><b>What to do:</b> "_qs + explained->fix);

        // Every code an invocation of the engine can end with is explained (keyed on the
        // constants of telemetry/FcErrors.h, so a renamed code cannot lose its explanation).
        namespace E = Telemetry::FcError;
        for (const QString &code :
             {E::FunctionTimeout, E::UnhandledInvocation, E::FunctionOOM, E::Initialization,
              E::ResourceExhausted, E::FunctionNotStarted, E::CAExited, E::Sandbox, E::BadResponse,
              E::ConnectionClosedBeforeResponse, E::ConnectionClosedMidResponse, E::InvalidArgument,
              E::EntityTooLarge})
            QVERIFY2(Ui::explainError(code), qPrintable(code));
        QVERIFY(!Ui::explainError(u"NoSuchCode"_qs));

        // A code without an explanation still shows FC's words; 429 is amber, not red.
        r.statusCode = 429;
        r.error = Telemetry::InvocationError{u"NoSuchCode"_qs, u"odd"_qs};
        view.showResponse(r);
        QCOMPARE(view.errorText(), u"<b>NoSuchCode</b>: odd"_qs);
        QCOMPARE(view.statusText(), u"Platform error · NoSuchCode (HTTP 429)"_qs);
        QCOMPARE(view.findChild<QLabel *>(u"status"_qs)->palette().color(QPalette::WindowText),
                 QColor(0xa8, 0x5c, 0x00));

        // And a success clears the error box.
        view.showResponse(record(200, {}));
        QCOMPARE(view.errorText(), QString());
        QCOMPARE(view.bodyKind(), Ui::BodyKind::Empty);
    }

    // FC answers a timeout or a function error with 200 and X-Fc-Error-Type: the pill must
    // lead with the outcome, in red, never a green "200 OK".
    void errorsNeverLookLikeSuccesses_data()
    {
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("expected");
        QTest::newRow("timeout") << u"FunctionTimeoutError"_qs
                                 << u"Timeout · FunctionTimeoutError (HTTP 200)"_qs;
        QTest::newRow("unhandled") << u"UnhandledInvocationError"_qs
                                   << u"Function error · UnhandledInvocationError (HTTP 200)"_qs;
        QTest::newRow("oom") << u"FunctionOOMError"_qs
                             << u"Function error · FunctionOOMError (HTTP 200)"_qs;
    }

    void errorsNeverLookLikeSuccesses()
    {
        QFETCH(QString, code);
        QFETCH(QString, expected);
        Ui::ResponseView view;
        Telemetry::InvocationRecord r = record(200, "{\"errorMessage\":\"boom\"}");
        r.error = Telemetry::InvocationError{code, u"boom"_qs};
        view.showResponse(r);
        QCOMPARE(view.statusText(), expected);
        QVERIFY(!view.statusText().contains(u"OK"_qs));
        QCOMPARE(view.statusColour(), QColor(0xc6, 0x28, 0x28));
        QVERIFY(view.statusColour() != QColor(0x1a, 0x7f, 0x37));
        // The same record without the error is a plain green success.
        r.error.reset();
        view.showResponse(r);
        QCOMPARE(view.statusText(), u"200 OK"_qs);
        QCOMPARE(view.statusColour(), QColor(0x1a, 0x7f, 0x37));
    }

    void sendButtonShowsItsShortcut()
    {
        Ui::InvokePanel panel(nullptr);
        auto *send = panel.findChild<QPushButton *>(u"send"_qs);
        QVERIFY(send);
        QVERIFY2(send->text().contains(u"Ctrl+Enter"_qs), qPrintable(send->text()));
        QVERIFY(panel.responseView()->summaryText().contains(u"Ctrl+Enter"_qs));
    }

    // Ctrl+Enter is window-wide: it reaches the panel's send() while focus is in another
    // widget of the window (the request filter at launch), and only that window's panel.
    void ctrlEnterSendsFromAnywhereInTheWindow()
    {
        QWidget window;
        auto *layout = new QVBoxLayout(&window);
        auto *elsewhere = new QLineEdit;
        layout->addWidget(elsewhere);
        auto *panel = new Ui::InvokePanel(nullptr);
        layout->addWidget(panel);
        QList<QShortcut *> shortcuts = panel->findChildren<QShortcut *>();
        QCOMPARE(shortcuts.size(), 2);
        QSignalSpy activated(shortcuts.first(), &QShortcut::activated);
        QSignalSpy activatedEnter(shortcuts.last(), &QShortcut::activated);
        window.show();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        elsewhere->setFocus();
        QTRY_VERIFY(elsewhere->hasFocus());
        QTest::keyClick(elsewhere, Qt::Key_Return, Qt::ControlModifier);
        QCOMPARE(activated.size() + activatedEnter.size(), 1);
        QTest::keyClick(elsewhere, Qt::Key_Enter, Qt::ControlModifier | Qt::KeypadModifier);
        QCOMPARE(activated.size() + activatedEnter.size(), 2);
        // Without Ctrl, Return is the line edit's own.
        QTest::keyClick(elsewhere, Qt::Key_Return);
        QCOMPARE(activated.size() + activatedEnter.size(), 2);
    }

    // A long trigger URL does not widen the panel (it pushed a 1280 px window off screen).
    void longUrlDoesNotWidenThePanel()
    {
        Ui::InvokePanel panel(nullptr);
        const int before = panel.minimumSizeHint().width();
        panel.setHttpRequest("GET", QByteArray("/") + QByteArray(400, 'a'), {});
        auto *url = panel.findChild<QLabel *>(u"httpUrl"_qs);
        QVERIFY(url);
        QVERIFY(url->text().size() > 400);
        QCOMPARE(url->toolTip(), url->text());
        QCOMPARE(panel.minimumSizeHint().width(), before);
        QVERIFY2(before < 460, qPrintable(QString::number(before)));
    }

    void panelWithoutAFunction()
    {
        Session::FunctionSession session;
        Ui::InvokePanel panel(&session);
        QSignalSpy sent(&panel, &Ui::InvokePanel::requestSent);
        auto *tabs = panel.findChild<QTabWidget *>(u"requestTabs"_qs);
        QVERIFY(tabs);
        QVERIFY(!tabs->isTabEnabled(1));
        QCOMPARE(tabs->tabToolTip(1),
                 u"HTTP requests need a function loaded in web-server mode."_qs);
        QCOMPARE(panel.send(), QString());
        panel.sendMany(5, 2);
        QVERIFY(!panel.isBatchRunning());
        QCOMPARE(sent.count(), 0);
    }

    void sessionDeletedBeforeThePanel()
    {
        auto *session = new Session::FunctionSession;
        Ui::InvokePanel panel(session);
        delete session;
        QCOMPARE(panel.send(), QString());
        QVERIFY(!panel.isHttpAvailable());
    }

    void samplesAndValidation()
    {
        QCOMPARE(Ui::InvokePanel::sampleNames(),
                 QStringList({u"Timer trigger"_qs, u"OSS trigger"_qs, u"HTTP trigger event"_qs,
                              u"Plain text"_qs}));
        for (const QString &name : Ui::InvokePanel::sampleNames())
            QVERIFY2(!Ui::InvokePanel::sampleEvent(name).isEmpty(), qPrintable(name));
        const auto timer =
            nlohmann::json::parse(Ui::InvokePanel::sampleEvent(u"Timer trigger"_qs).toStdString());
        QCOMPARE(timer.at("triggerName").get<std::string>(), std::string("timer-trigger"));
        const auto oss =
            nlohmann::json::parse(Ui::InvokePanel::sampleEvent(u"OSS trigger"_qs).toStdString());
        QCOMPARE(oss.at("events").at(0).at("eventSource").get<std::string>(),
                 std::string("acs:oss"));

        Ui::InvokePanel panel(nullptr);
        QCOMPARE(panel.eventEditor()->toPlainText().toUtf8(),
                 Ui::InvokePanel::sampleEvent(u"Timer trigger"_qs));
        QCOMPARE(panel.eventProblem(), u"Valid JSON."_qs);
        panel.loadSample(u"Plain text"_qs);
        QCOMPARE(panel.eventProblem(),
                 u"Not JSON (line 1, column 1: syntax error while parsing value - invalid "
                 u"literal; last read: 'H'). FC accepts any bytes, so it is sent as written."_qs);
        // Typing fixes it: validation follows every edit.
        panel.eventEditor()->setFocus();
        panel.eventEditor()->selectAll();
        QTest::keyClicks(panel.eventEditor(), u"{\"a\": 1"_qs);
        QVERIFY(panel.eventProblem().startsWith(u"Not JSON (line 1, column 8: "_qs));
        QTest::keyClicks(panel.eventEditor(), u"}"_qs);
        QCOMPARE(panel.eventProblem(), u"Valid JSON."_qs);
    }

    void savedEventsPerFunction()
    {
        Ui::InvokePanel panel(nullptr);
        QCOMPARE(panel.savedEventNames(), QStringList());
        panel.eventEditor()->setPlainText(u"{\"saved\": 1}"_qs);
        panel.saveEvent(u"first"_qs);
        panel.eventEditor()->setPlainText(u"second body"_qs);
        panel.saveEvent(u"second"_qs);
        QCOMPARE(panel.savedEventNames(), QStringList({u"first"_qs, u"second"_qs}));
        QVERIFY(panel.loadSavedEvent(u"first"_qs));
        QCOMPARE(panel.eventEditor()->toPlainText(), u"{\"saved\": 1}"_qs);
        QVERIFY(!panel.loadSavedEvent(u"missing"_qs));

        // Kept in QSettings: a new panel (same function) sees them.
        Ui::InvokePanel again(nullptr);
        QCOMPARE(again.savedEventNames(), QStringList({u"first"_qs, u"second"_qs}));
        again.deleteSavedEvent(u"first"_qs);
        QCOMPARE(panel.savedEventNames(), QStringList({u"second"_qs}));
        again.deleteSavedEvent(u"second"_qs);
        QCOMPARE(panel.savedEventNames(), QStringList());
    }

    void httpComposer()
    {
        Ui::InvokePanel panel(nullptr);
        panel.setHttpRequest("post", "users/1", "?q=a b&sleep=10", {{"X-Trace", "on"}},
                             "{\"x\":1}");
        const Http::HttpRequest request = panel.httpRequest();
        QCOMPARE(request.method, QByteArray("POST"));
        QCOMPARE(request.target, QByteArray("/users/1?q=a%20b&sleep=10"));
        QCOMPARE(request.path, QByteArray("/users/1"));
        QCOMPARE(request.query, QByteArray("q=a%20b&sleep=10"));
        QCOMPARE(request.headers, Http::HttpHeaders({{"X-Trace", "on"}}));
        QCOMPARE(request.body, QByteArray("{\"x\":1}"));
    }

    void render()
    {
        for (const bool dark : {false, true}) {
            const QPalette saved = QApplication::palette();
            if (dark)
                QApplication::setPalette(darkPalette());
            {
                Ui::InvokePanel panel(nullptr);
                panel.eventEditor()->setPlainText(
                    u"{\n  \"triggerName\": \"timer\",\n  \"count\": 3,\n  \"ok\": true,\n"
                    u"  \"missing\": null,\n  \"broken\": \n}"_qs);
                Telemetry::InvocationRecord r = record(502, "{\"ErrorCode\":\"FunctionNotStarted\","
                                                            "\"ErrorMessage\":\"not started\"}");
                r.error = Telemetry::InvocationError{
                    u"FunctionNotStarted"_qs,
                    u"The CA's http server cannot be started: ContainerStartDuration:120 s"_qs};
                panel.showResponse(r);
                panel.resize(760, 860);
                panel.show();
                QVERIFY(QTest::qWaitForWindowExposed(&panel));
                QVERIFY(Test::saveScreenshot(
                    &panel, u"fcemu-invoke-%1.png"_qs.arg(dark ? u"dark" : u"light")));
                panel.showResponse(record(200, QByteArray("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
                                                          "\x00\x00\x00\x10\x00\x00\x00\x10",
                                                          24)));
                QCoreApplication::processEvents(); // the hidden error box's relayout
                QVERIFY(Test::saveScreenshot(
                    &panel, u"fcemu-invoke-binary-%1.png"_qs.arg(dark ? u"dark" : u"light")));
            }
            QApplication::setPalette(saved);
        }
    }
};

QTEST_MAIN(TestInvokeWidgets)
#include "TestInvokeWidgets.moc"
