#include "gateway/RequestChecks.h"

#include <algorithm>
#include <cstdlib>

#include <QCryptographicHash>
#include <QList>
#include <QLocale>
#include <QMessageAuthenticationCode>
#include <QTimeZone>
#include <QUrl>
#include <QUrlQuery>

namespace Fcemu::Gateway {

namespace {

constexpr qint64 kMaxClockSkewS = 15 * 60; // FC: a Date more than 15 minutes off fails

Refusal refusal(int status, const char *code, const QString &message)
{
    return Refusal{status, QString::fromLatin1(code), message};
}

const QString kSignatureNotMatch =
    u"The request signature we calculated does not match the signature you provided. Check "
    u"your access key and signing method"_qs;

QByteArray percentDecoded(const QByteArray &text)
{
    return QByteArray::fromPercentEncoding(text);
}

// The query as (key, value) pairs, percent-decoded, in order.
QList<std::pair<QByteArray, QByteArray>> queryItems(const QByteArray &query)
{
    QList<std::pair<QByteArray, QByteArray>> items;
    if (query.isEmpty())
        return items;
    for (const QByteArray &part : query.split('&')) {
        if (part.isEmpty())
            continue;
        const qsizetype equals = part.indexOf('=');
        const QByteArray key = equals < 0 ? part : part.left(equals);
        const QByteArray value = equals < 0 ? QByteArray() : part.mid(equals + 1);
        QByteArray k = key, v = value;
        k.replace('+', ' ');
        v.replace('+', ' ');
        items.append({percentDecoded(k), percentDecoded(v)});
    }
    return items;
}

// encodeURIComponent, then !'()* as well (openapi-core's encode()).
QByteArray acsEncode(const QByteArray &text)
{
    return text.toPercentEncoding("-_.~");
}

// A signed request whose time (FC2: Date; FC3: x-acs-date, else Date) is more than 15 minutes
// from this machine's clock. FC answers 403 with "the difference between the request time '...'
// and the current time '...' is too large" (seen from FC on GetService, alibaba/funcraft#983);
// its error-code table (alibabacloud.com/help/en/function-compute/latest/error-codes) has no
// code of its own for it, only 403 SignatureNotMatch for a signature FC does not accept, so the
// code is SignatureNotMatch. The current time is printed the way the request wrote its own.
std::optional<Refusal> checkClock(const QDateTime &sent, const QByteArray &written,
                                  const QDateTime &now, bool iso)
{
    if (!sent.isValid() || std::llabs(sent.secsTo(now)) <= kMaxClockSkewS)
        return std::nullopt;
    const QString current =
        iso ? now.toUTC().toString(Qt::ISODate)
            : QLocale::c().toString(now.toUTC(), u"ddd, dd MMM yyyy HH:mm:ss"_qs) + u" GMT"_qs;
    return refusal(403, "SignatureNotMatch",
                   u"the difference between the request time '%1' and the current time '%2' is "
                   u"too large (fcemu allows 15 minutes, as FC does)"_qs.arg(
                       QString::fromLatin1(written.trimmed()), current));
}

// An RFC 1123 Date ("Sun, 06 Dec 2026 09:00:00 GMT") as UTC; invalid when it is not one.
QDateTime httpDate(const QByteArray &date)
{
    QDateTime sent = QLocale::c().toDateTime(
        QString::fromLatin1(date).trimmed().chopped(date.trimmed().endsWith("GMT") ? 4 : 0),
        u"ddd, dd MMM yyyy HH:mm:ss"_qs);
    sent.setTimeSpec(Qt::UTC);
    return sent;
}

bool equalConstantTime(const QByteArray &a, const QByteArray &b)
{
    if (a.size() != b.size())
        return false;
    unsigned char diff = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

std::optional<Refusal> checkFc2(const Http::HttpRequest &request, const SigningKey &key,
                                const QByteArray &authorization, bool fc2Path, const QDateTime &now)
{
    const char *badKey = fc2Path ? "InvalidAccessKeyID" : "InvalidAccessKeyId";
    // "FC accessKeyId:signature"
    const QByteArray credential = authorization.mid(3).trimmed();
    const qsizetype colon = credential.lastIndexOf(':');
    if (colon <= 0)
        return refusal(403, "SignatureNotMatch",
                       u"the Authorization header is not \"FC accessKeyId:signature\""_qs);
    const QString id = QString::fromUtf8(credential.left(colon));
    const QByteArray signature = credential.mid(colon + 1);
    if (id != key.accessKeyId)
        return refusal(403, badKey, u"invalid access key ID '%1'"_qs.arg(id));
    const QByteArray date = request.header("date");
    if (date.isEmpty())
        return refusal(400, "MissingRequiredHeader",
                       u"required HTTP header Date was not specified"_qs);
    if (auto skewed = checkClock(httpDate(date), date, now, false))
        return skewed;
    // The fc2 SDK signs the path before it is percent-encoded for the wire; try both forms.
    const QByteArray secret = key.accessKeySecret.toUtf8();
    for (const QByteArray &path : {percentDecoded(request.path), request.path}) {
        const QByteArray text = fc2StringToSign(request, path);
        // fc2 2.x signs with HMAC-SHA256; FC's documentation and older SDKs with HMAC-SHA1.
        for (const auto algorithm : {QCryptographicHash::Sha256, QCryptographicHash::Sha1}) {
            const QByteArray expected =
                QMessageAuthenticationCode::hash(text, secret, algorithm).toBase64();
            if (equalConstantTime(expected, signature))
                return std::nullopt;
        }
    }
    return refusal(403, "SignatureNotMatch", kSignatureNotMatch);
}

// Alibaba Cloud OpenAPI V3 (ACS3-HMAC-SHA256), as openapi-core's getAuthorization() builds it.
std::optional<Refusal> checkAcs3(const Http::HttpRequest &request, const SigningKey &key,
                                 const QByteArray &authorization, bool fc2Path,
                                 const QDateTime &now)
{
    const char *badKey = fc2Path ? "InvalidAccessKeyID" : "InvalidAccessKeyId";
    const qsizetype space = authorization.indexOf(' ');
    const QByteArray algorithm = authorization.left(space);
    if (algorithm != "ACS3-HMAC-SHA256")
        return refusal(403, "SignatureNotMatch",
                       u"fcemu checks ACS3-HMAC-SHA256 signatures, not %1"_qs.arg(
                           QString::fromLatin1(algorithm)));
    QByteArray credential, signedHeaders, signature;
    for (const QByteArray &field : authorization.mid(space + 1).split(',')) {
        const QByteArray f = field.trimmed();
        if (f.startsWith("Credential="))
            credential = f.mid(11);
        else if (f.startsWith("SignedHeaders="))
            signedHeaders = f.mid(14);
        else if (f.startsWith("Signature="))
            signature = f.mid(10);
    }
    if (QString::fromUtf8(credential) != key.accessKeyId)
        return refusal(403, badKey,
                       u"invalid access key ID '%1'"_qs.arg(QString::fromUtf8(credential)));
    // The request's time: x-acs-date (ISO 8601 UTC, "2026-12-06T09:00:00Z", what the SDKs
    // send), else Date. One of them is required, as for FC2's Date.
    if (const QByteArray acsDate = request.header("x-acs-date").trimmed(); !acsDate.isEmpty()) {
        QDateTime sent = QDateTime::fromString(QString::fromLatin1(acsDate), Qt::ISODate);
        if (!sent.isValid())
            return refusal(400, "InvalidArgument",
                           u"x-acs-date '%1' is not an ISO 8601 UTC time such as "
                           u"2026-12-06T09:00:00Z"_qs.arg(QString::fromLatin1(acsDate)));
        if (auto skewed = checkClock(sent.toUTC(), acsDate, now, true))
            return skewed;
    } else if (const QByteArray date = request.header("date"); !date.isEmpty()) {
        if (auto skewed = checkClock(httpDate(date), date, now, false))
            return skewed;
    } else {
        return refusal(400, "MissingRequiredHeader",
                       u"required HTTP header x-acs-date was not specified"_qs);
    }

    QByteArray canonicalUri = request.path;
    canonicalUri.replace("+", "%20").replace("*", "%2A").replace("%7E", "~");
    auto items = queryItems(request.query);
    std::sort(items.begin(), items.end(),
              [](const auto &a, const auto &b) { return a.first < b.first; });
    QByteArrayList query;
    for (const auto &[k, v] : items)
        query.append(k + '=' + acsEncode(v));
    QByteArray headers;
    const QByteArrayList names = signedHeaders.split(';');
    for (const QByteArray &name : names) {
        QByteArrayList values;
        for (const auto &[n, v] : request.headers) {
            if (n.compare(name, Qt::CaseInsensitive) == 0)
                values.append(v.trimmed());
        }
        std::sort(values.begin(), values.end());
        headers += name.toLower() + ':' + values.join(',') + '\n';
    }
    const QByteArray payload =
        QCryptographicHash::hash(request.body, QCryptographicHash::Sha256).toHex();
    const QByteArray canonicalRequest = request.method + '\n' + canonicalUri + '\n' +
                                        query.join('&') + '\n' + headers + '\n' + signedHeaders +
                                        '\n' + payload;
    const QByteArray stringToSign =
        algorithm + '\n' +
        QCryptographicHash::hash(canonicalRequest, QCryptographicHash::Sha256).toHex();
    const QByteArray expected =
        QMessageAuthenticationCode::hash(stringToSign, key.accessKeySecret.toUtf8(),
                                         QCryptographicHash::Sha256)
            .toHex();
    if (!equalConstantTime(expected, signature.toLower()))
        return refusal(403, "SignatureNotMatch", kSignatureNotMatch);
    return std::nullopt;
}

} // namespace

std::optional<Refusal> checkTriggerMethod(const Http::HttpRequest &request,
                                          const Config::HttpTrigger &trigger)
{
    if (trigger.methods.isEmpty())
        return std::nullopt;
    const QString method = QString::fromLatin1(request.method).toUpper();
    if (trigger.methods.contains(method))
        return std::nullopt;
    return refusal(403, "AccessDenied",
                   u"the HTTP trigger does not accept %1 requests (its methods: %2)"_qs.arg(
                       method, trigger.methods.join(u", "_qs)));
}

QByteArray fc2StringToSign(const Http::HttpRequest &request, const QByteArray &decodedPath)
{
    QList<std::pair<QByteArray, QByteArray>> fcHeaders;
    for (const auto &[name, value] : request.headers) {
        const QByteArray lower = name.trimmed().toLower();
        if (lower.startsWith("x-fc-"))
            fcHeaders.append({lower, value});
    }
    std::stable_sort(fcHeaders.begin(), fcHeaders.end(),
                     [](const auto &a, const auto &b) { return a.first < b.first; });
    QByteArray text = request.method + '\n' + request.header("content-md5") + '\n' +
                      request.header("content-type") + '\n' + request.header("date") + '\n';
    for (const auto &[name, value] : fcHeaders)
        text += name + ':' + value + '\n';
    text += decodedPath;
    // The SDK signs the query of HTTP trigger calls (/proxy/) only, unencoded.
    if (decodedPath.contains("/proxy/")) {
        QByteArrayList params;
        for (const auto &[k, v] : queryItems(request.query))
            params.append(k + '=' + v);
        std::sort(params.begin(), params.end());
        text += '\n' + params.join('\n');
    }
    return text;
}

std::optional<Refusal> checkSignature(const Http::HttpRequest &request, const SigningKey &key,
                                      bool fc2Path, const QDateTime &now)
{
    if (!key.enabled())
        return std::nullopt;
    const QByteArray authorization = request.header("authorization").trimmed();
    if (authorization.isEmpty())
        return refusal(400, "MissingRequiredHeader",
                       u"required HTTP header Authorization was not specified"_qs);
    if (authorization.startsWith("FC "))
        return checkFc2(request, key, authorization, fc2Path, now);
    if (authorization.startsWith("ACS3-"))
        return checkAcs3(request, key, authorization, fc2Path, now);
    return refusal(403, "SignatureNotMatch",
                   u"the Authorization header is neither FC2's \"FC accessKeyId:signature\" nor "
                   u"FC3's ACS3-HMAC-SHA256"_qs);
}

std::optional<Refusal> checkRequest(const Http::HttpRequest &request, bool httpTrigger,
                                    bool fc2Path, const Config::FunctionConfig &config,
                                    const SigningKey &key)
{
    if (httpTrigger) {
        if (auto refused = checkTriggerMethod(request, config.httpTrigger))
            return refused;
        if (!config.httpTrigger.authFunction)
            return std::nullopt;
    }
    return checkSignature(request, key, fc2Path);
}

} // namespace Fcemu::Gateway
