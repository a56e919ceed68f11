#include <QTest>

#include "requests/CurlCommand.h"
#include "session/FunctionSession.h"

using namespace Fcemu;

namespace {

Telemetry::InvocationRecord httpRecord(const QString &method, const QString &target,
                                       const Telemetry::HeaderList &headers,
                                       const QByteArray &body = {})
{
    Telemetry::InvocationRecord r;
    r.requestId = u"1-http"_qs;
    r.kind = u"http"_qs;
    r.client.emplace();
    r.client->method = method;
    r.client->target = target;
    r.client->headers = headers;
    r.client->body = body;
    return r;
}

Telemetry::InvocationRecord eventRecord(const QByteArray &body, bool async = false)
{
    Telemetry::InvocationRecord r;
    r.requestId = u"1-event"_qs;
    r.kind = u"event"_qs;
    r.client.emplace();
    r.client->target = u"/invoke"_qs;
    r.client->body = body;
    r.client->async = async;
    return r;
}

const QString kTrigger = u"http://127.0.0.1:8000/2016-08-15/proxy/svc/fn/hello?name=a%20b"_qs;
const QString kInvoke = u"http://127.0.0.1:8000/2023-03-30/functions/fn/invocations"_qs;

} // namespace

class TestCurlCommand final : public QObject
{
    Q_OBJECT

private slots:
    void shellQuoting_data();
    void shellQuoting();
    void httpGetKeepsHeadersButNotHostOrLength();
    void httpPostSaysNoMethod();
    void httpPutWithoutBodySaysTheMethod();
    void eventBodyWithAQuote();
    void asyncEventAddsTheInvocationType();
    void eventWithoutClientIsAnEmptyPost();
    void binaryBodyIsPipedAsBase64();
    void eventUrlEncodesTheName();
    void sessionWithoutEndpointGivesNothing();
    void sessionEndpoint();
};

void TestCurlCommand::shellQuoting_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("quoted");
    QTest::addRow("plain text is wrapped in single quotes") << u"abc"_qs << u"'abc'"_qs;
    QTest::addRow("a single quote closes, escapes and reopens") << u"it's"_qs << u"'it'\\''s'"_qs;
    QTest::addRow("$, backquote and backslash stay literal inside single quotes")
        << u"$HOME `x` \\n"_qs << u"'$HOME `x` \\n'"_qs;
    QTest::addRow("empty text is an empty word") << QString() << u"''"_qs;
}

void TestCurlCommand::shellQuoting()
{
    QFETCH(QString, text);
    QFETCH(QString, quoted);
    QCOMPARE(Ui::shellQuote(text), quoted);
}

void TestCurlCommand::httpGetKeepsHeadersButNotHostOrLength()
{
    const auto record = httpRecord(u"GET"_qs, u"/hello?name=a%20b"_qs,
                                   {{"Host", "127.0.0.1:8000"},
                                    {"User-Agent", "curl/8.5"},
                                    {"Content-Length", "0"},
                                    {"Connection", "keep-alive"},
                                    {"X-Note", "it's"}});
    QCOMPARE(Ui::curlCommand(record, kTrigger),
             u"curl 'http://127.0.0.1:8000/2016-08-15/proxy/svc/fn/hello?name=a%20b' \\\n"
             u"  -H 'User-Agent: curl/8.5' \\\n"
             u"  -H 'X-Note: it'\\''s'"_qs);
}

void TestCurlCommand::httpPostSaysNoMethod()
{
    const auto record = httpRecord(u"POST"_qs, u"/items"_qs, {{"Content-Type", "application/json"}},
                                   "{\"name\":\"O'Brien\"}");
    QCOMPARE(Ui::curlCommand(record, u"http://h/items"_qs),
             u"curl 'http://h/items' \\\n"
             u"  -H 'Content-Type: application/json' \\\n"
             u"  --data-binary '{\"name\":\"O'\\''Brien\"}'"_qs);
}

void TestCurlCommand::httpPutWithoutBodySaysTheMethod()
{
    const auto record = httpRecord(u"put"_qs, u"/x"_qs, {});
    QCOMPARE(Ui::curlCommand(record, u"http://h/x"_qs), u"curl 'http://h/x' \\\n  -X 'PUT'"_qs);
}

void TestCurlCommand::eventBodyWithAQuote()
{
    QCOMPARE(Ui::curlCommand(eventRecord("{\"msg\":\"it's\"}"), kInvoke),
             u"curl 'http://127.0.0.1:8000/2023-03-30/functions/fn/invocations' \\\n"
             u"  --data-binary '{\"msg\":\"it'\\''s\"}'"_qs);
}

void TestCurlCommand::asyncEventAddsTheInvocationType()
{
    QCOMPARE(Ui::curlCommand(eventRecord("line 1\nline 2", true), kInvoke),
             u"curl 'http://127.0.0.1:8000/2023-03-30/functions/fn/invocations' \\\n"
             u"  -H 'X-Fc-Invocation-Type: Async' \\\n"
             u"  --data-binary 'line 1\nline 2'"_qs);
}

void TestCurlCommand::eventWithoutClientIsAnEmptyPost()
{
    Telemetry::InvocationRecord record;
    record.kind = u"event"_qs;
    QCOMPARE(Ui::curlCommand(record, kInvoke),
             u"curl 'http://127.0.0.1:8000/2023-03-30/functions/fn/invocations' \\\n"
             u"  -X 'POST'"_qs);
}

void TestCurlCommand::binaryBodyIsPipedAsBase64()
{
    QCOMPARE(Ui::curlCommand(eventRecord(QByteArray("\x00\x01\xff", 3)), kInvoke),
             u"printf '%s' 'AAH/' | base64 -d | "
             u"curl 'http://127.0.0.1:8000/2023-03-30/functions/fn/invocations' \\\n"
             u"  --data-binary @-"_qs);
    // Invalid UTF-8 without control bytes is binary too.
    QVERIFY(Ui::curlCommand(eventRecord("caf\xe9"), kInvoke).startsWith(u"printf"_qs));
    // Valid UTF-8 stays text.
    QCOMPARE(Ui::curlCommand(eventRecord("caf\xc3\xa9"), u"u"_qs),
             u"curl 'u' \\\n  --data-binary 'café'"_qs);
}

void TestCurlCommand::eventUrlEncodesTheName()
{
    QCOMPARE(Ui::eventInvokeUrl(u"http://127.0.0.1:8001"_qs, u"my fn"_qs),
             u"http://127.0.0.1:8001/2023-03-30/functions/my%20fn/invocations"_qs);
}

void TestCurlCommand::sessionWithoutEndpointGivesNothing()
{
    Session::FunctionSession session;
    QCOMPARE(Ui::curlCommand(eventRecord("{}"), session), QString());
}

void TestCurlCommand::sessionEndpoint()
{
    // A web-server-mode function with no provisioned instances listens without starting any.
    Session::FunctionSession session;
    session.setPreferredEndpoint(QHostAddress::LocalHost, 18'600);
    Config::FunctionConfig config;
    config.name = u"fn"_qs;
    config.serviceName = u"svc"_qs;
    QVERIFY(session.load(u"image.tar"_qs, config, std::make_shared<Runtime::PreparedImage>()));
    const QString endpoint = session.endpointUrl();
    QVERIFY(endpoint.startsWith(u"http://127.0.0.1:"_qs));

    QCOMPARE(Ui::curlCommand(eventRecord("{}"), session),
             u"curl '"_qs + endpoint +
                 u"/2023-03-30/functions/fn/invocations' \\\n"
                 u"  --data-binary '{}'"_qs);
    QCOMPARE(Ui::curlCommand(httpRecord(u"GET"_qs, u"/a?b=1"_qs, {}), session),
             u"curl '"_qs + endpoint + u"/2016-08-15/proxy/svc/fn/a?b=1'"_qs);
}

QTEST_MAIN(TestCurlCommand)
#include "TestCurlCommand.moc"
