#include <QTest>

#include "gateway/RequestChecks.h"

using namespace Fcemu;
using namespace Fcemu::Gateway;

namespace {

const QDateTime kNow = QDateTime(QDate(2026, 12, 6), QTime(9, 0, 0), Qt::UTC);
const SigningKey kKey{u"kid"_qs, u"ksecret"_qs};

Http::HttpRequest request(const QByteArray &method, const QByteArray &target,
                          const Http::HttpHeaders &headers)
{
    Http::HttpRequest r;
    r.method = method;
    const qsizetype q = target.indexOf('?');
    r.setTarget(q < 0 ? target : target.left(q), q < 0 ? QByteArray() : target.mid(q + 1));
    r.headers = headers;
    return r;
}

// Signed by @alicloud/fc2 2.6.6's Client.getSignature() for these exact requests (the SDK is
// the oracle; tests/sdk drives it live).
Http::HttpRequest fc2Invoke(const QByteArray &authorization)
{
    return request("POST", "/2016-08-15/services/svc/functions/fn/invocations",
                   {{"Content-Type", "application/octet-stream"},
                    {"Content-MD5", "abc="},
                    {"Date", "Sun, 06 Dec 2026 09:00:00 GMT"},
                    {"X-Fc-Invocation-Type", "Sync"},
                    {"X-Fc-Account-Id", "123"},
                    {"Authorization", authorization}});
}

} // namespace

class TestRequestChecks final : public QObject
{
    Q_OBJECT

private slots:
    void triggerMethods()
    {
        Config::HttpTrigger trigger{{u"GET"_qs}, false};
        QVERIFY(!checkTriggerMethod(request("GET", "/x", {}), trigger));
        const auto refused = checkTriggerMethod(request("POST", "/x", {}), trigger);
        QVERIFY(refused);
        QCOMPARE(refused->status, 403);
        QCOMPARE(refused->code, u"AccessDenied"_qs);
        QVERIFY(!checkTriggerMethod(request("DELETE", "/x", {}), Config::HttpTrigger()));
    }

    void fc2SignatureOfTheSdkIsAccepted()
    {
        QVERIFY(!checkSignature(fc2Invoke("FC kid:+Ilkqa0lEPV1AWhJJ/r8moqPYEELtkJpSoAoqrZL1dc="),
                                kKey, true, kNow));
        // The HTTP trigger path signs its query lines (a=1, a=2, q=x y), unencoded.
        const auto proxy =
            request("GET", "/2016-08-15/proxy/svc/fn/a/b?q=x%20y&a=2&a=1",
                    {{"Date", "Sun, 06 Dec 2026 09:00:00 GMT"},
                     {"Authorization", "FC kid:Q9EqBkKnI+phaGiT9H07lIAWrwupzFEtfJzQjGFsuEw="}});
        QVERIFY(!checkSignature(proxy, kKey, true, kNow));
    }

    void fc2Refusals()
    {
        const auto wrong = checkSignature(fc2Invoke("FC kid:AAAA"), kKey, true, kNow);
        QVERIFY(wrong);
        QCOMPARE(wrong->status, 403);
        QCOMPARE(wrong->code, u"SignatureNotMatch"_qs);
        const auto other = checkSignature(fc2Invoke("FC someone:AAAA"), kKey, true, kNow);
        QCOMPARE(other->code, u"InvalidAccessKeyID"_qs);
        QCOMPARE(other->message, u"invalid access key ID 'someone'"_qs);
        const auto otherFc3 = checkSignature(fc2Invoke("FC someone:AAAA"), kKey, false, kNow);
        QCOMPARE(otherFc3->code, u"InvalidAccessKeyId"_qs);
        const auto missing = checkSignature(request("POST", "/x", {}), kKey, true, kNow);
        QCOMPARE(missing->status, 400);
        QCOMPARE(missing->code, u"MissingRequiredHeader"_qs);
        // A Date 20 minutes off fails even with a correct signature.
        const auto late =
            checkSignature(fc2Invoke("FC kid:+Ilkqa0lEPV1AWhJJ/r8moqPYEELtkJpSoAoqrZL1dc="), kKey,
                           true, kNow.addSecs(20 * 60));
        QCOMPARE(late->code, u"SignatureNotMatch"_qs);
    }

    void nothingIsCheckedWithoutAKey()
    {
        QVERIFY(!checkSignature(request("POST", "/x", {}), SigningKey(), true, kNow));
        Config::FunctionConfig config;
        config.httpTrigger.authFunction = false;
        // An anonymous trigger needs no signature even when keys are set.
        QVERIFY(!checkRequest(request("GET", "/x", {}), true, false, config, kKey));
        config.httpTrigger.authFunction = true;
        QVERIFY(checkRequest(request("GET", "/x", {}), true, false, config, kKey));
        QVERIFY(
            checkRequest(request("POST", "/x", {}), false, false, Config::FunctionConfig(), kKey));
    }
};

QTEST_APPLESS_MAIN(TestRequestChecks)
#include "TestRequestChecks.moc"
