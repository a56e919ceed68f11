#include "CurlCommand.h"

#include <QStringDecoder>
#include <QUrl>

#include "gateway/LocalServer.h"
#include "session/FunctionSession.h"

namespace Fcemu::Ui {

namespace {

// Headers curl writes itself, or that describe this connection rather than the request.
bool skippedHeader(const QString &name)
{
    static const QStringList names{u"host"_qs,       u"content-length"_qs,    u"connection"_qs,
                                   u"keep-alive"_qs, u"transfer-encoding"_qs, u"te"_qs,
                                   u"upgrade"_qs,    u"proxy-connection"_qs};
    return names.contains(name.toLower());
}

// The body as text when a shell argument can carry it unchanged: valid UTF-8 without NULs or
// control characters other than tab, CR and LF.
std::optional<QString> printableBody(const QByteArray &body)
{
    for (const char c : body) {
        const auto u = uchar(c);
        if (u < 0x20 && c != '\t' && c != '\n' && c != '\r')
            return std::nullopt;
        if (u == 0x7f)
            return std::nullopt;
    }
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    QString text = decoder.decode(body);
    if (decoder.hasError())
        return std::nullopt;
    return text;
}

} // namespace

QString shellQuote(const QString &text)
{
    QString quoted = text;
    quoted.replace(u'\'', u"'\\''"_qs);
    return u'\'' + quoted + u'\'';
}

QString eventInvokeUrl(const QString &endpointUrl, const QString &functionName)
{
    return endpointUrl + Gateway::fc3InvokePath(functionName);
}

QString curlCommand(const Telemetry::InvocationRecord &record, const QString &url)
{
    const bool http = record.kind == u"http"_qs;
    QString method = u"POST"_qs;
    QByteArray body;
    Telemetry::HeaderList headers;
    bool async = false;
    if (record.client) {
        if (http)
            method = record.client->method.toUpper();
        body = record.client->body;
        headers = record.client->headers;
        async = record.client->async;
    }

    QStringList options;
    // curl picks GET without a body and POST with one; say the method only when it differs.
    const QString implied = body.isEmpty() ? u"GET"_qs : u"POST"_qs;
    if (method != implied)
        options.append(u"-X "_qs + shellQuote(method));
    bool asyncHeader = false;
    for (const auto &[rawName, rawValue] : headers) {
        const QString name = QString::fromUtf8(rawName);
        if (skippedHeader(name))
            continue;
        if (name.compare(u"x-fc-invocation-type"_qs, Qt::CaseInsensitive) == 0)
            asyncHeader = true;
        options.append(u"-H "_qs + shellQuote(name + u": "_qs + QString::fromUtf8(rawValue)));
    }
    if (async && !asyncHeader)
        options.append(u"-H "_qs + shellQuote(u"X-Fc-Invocation-Type: Async"_qs));

    QString prefix;
    if (!body.isEmpty()) {
        if (const auto text = printableBody(body)) {
            options.append(u"--data-binary "_qs + shellQuote(*text));
        } else {
            // A shell argument can't carry NULs or arbitrary bytes: decode them on the way in.
            prefix = u"printf '%s' "_qs + shellQuote(QString::fromLatin1(body.toBase64())) +
                     u" | base64 -d | "_qs;
            options.append(u"--data-binary @-"_qs);
        }
    }

    QString command = prefix + u"curl "_qs + shellQuote(url);
    for (const QString &option : options)
        command += u" \\\n  "_qs + option;
    return command;
}

QString curlCommand(const Telemetry::InvocationRecord &record,
                    const Session::FunctionSession &session)
{
    const QString endpoint = session.endpointUrl();
    if (endpoint.isEmpty())
        return {};
    if (record.kind == u"http"_qs)
        return curlCommand(
            record, session.httpTriggerUrl(record.client ? record.client->target : QString()));
    return curlCommand(record, eventInvokeUrl(endpoint, session.config().name));
}

} // namespace Fcemu::Ui
