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

// Signed by @alicloud/openapi-util's Client.getAuthorization() (what @alicloud/fc20230330 4.7.6
// signs with) for this exact request, key kid/ksecret: an FC3 InvokeFunction with an empty body
// at x-acs-date (the time is signed, so changing it breaks the signature too).
Http::HttpRequest fc3Invoke(const QByteArray &acsDate = "2026-12-06T09:00:00Z")
{
    Http::HttpHeaders headers{
        {"host", "127.0.0.1:8000"},
        {"x-acs-action", "InvokeFunction"},
        {"x-acs-content-sha256",
         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"x-acs-signature-nonce", "n1"},
        {"x-acs-version", "2023-03-30"},
        {"Authorization",
         "ACS3-HMAC-SHA256 Credential=kid,SignedHeaders=host;x-acs-action;"
         "x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,"
         "Signature=a5423f9df1c954271c59eef93d9c2f249d87b372c6eb482b7363cc822de52a5e"}};
    if (!acsDate.isEmpty())
        headers.append({"x-acs-date", acsDate});
    return request("POST", "/2023-03-30/functions/fn/invocations", headers);
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
        QCOMPARE(late->status, 403);
        QVERIFY2(late->message.startsWith(
                     u"the difference between the request time 'Sun, 06 Dec 2026 09:00:00 GMT' "
                     u"and the current time 'Sun, 06 Dec 2026 09:20:00 GMT' is too large"_qs),
                 qPrintable(late->message));
        // 14 minutes either way is still in time.
        QVERIFY(!checkSignature(fc2Invoke("FC kid:+Ilkqa0lEPV1AWhJJ/r8moqPYEELtkJpSoAoqrZL1dc="),
                                kKey, true, kNow.addSecs(-14 * 60)));
    }

    // FC3's ACS3 signature and its clock: x-acs-date more than 15 minutes from this machine's
    // clock is refused the way FC refuses a skewed request (RequestChecks.cpp checkClock).
    void fc3SignatureAndClock()
    {
        QVERIFY(!checkSignature(fc3Invoke(), kKey, false, kNow));
        QVERIFY(!checkSignature(fc3Invoke(), kKey, false, kNow.addSecs(14 * 60)));
        QVERIFY(!checkSignature(fc3Invoke(), kKey, false, kNow.addSecs(-14 * 60)));
        for (const int minutes : {16, -16, 60 * 24}) {
            const auto skewed =
                checkSignature(fc3Invoke(), kKey, false, kNow.addSecs(minutes * 60));
            QVERIFY2(skewed, qPrintable(QString::number(minutes)));
            QCOMPARE(skewed->status, 403);
            QCOMPARE(skewed->code, u"SignatureNotMatch"_qs);
            QVERIFY2(skewed->message.startsWith(
                         u"the difference between the request time '2026-12-06T09:00:00Z' and "
                         u"the current time '"_qs),
                     qPrintable(skewed->message));
            QVERIFY(skewed->message.contains(u"is too large"_qs));
        }
        // A time changed after signing is a wrong signature, not a skewed clock.
        const auto changed = checkSignature(fc3Invoke("2026-12-06T09:05:00Z"), kKey, false, kNow);
        QCOMPARE(changed->code, u"SignatureNotMatch"_qs);
        QVERIFY(changed->message.startsWith(u"The request signature we calculated"_qs));
        // Without a time at all, or with one that is not ISO 8601.
        const auto missing = checkSignature(fc3Invoke(QByteArray()), kKey, false, kNow);
        QCOMPARE(missing->status, 400);
        QCOMPARE(missing->code, u"MissingRequiredHeader"_qs);
        const auto garbled = checkSignature(fc3Invoke("yesterday"), kKey, false, kNow);
        QCOMPARE(garbled->status, 400);
        QCOMPARE(garbled->code, u"InvalidArgument"_qs);
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
