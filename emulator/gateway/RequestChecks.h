#pragma once

// What FC checks about a request before it reaches a function, beyond routing
// (LocalServer.h routeRequest()): the HTTP trigger's methods, and, when fcemu is given an
// AccessKey (--access-key-id/--access-key-secret), the request's signature in FC2's scheme
// ("Authorization: FC id:signature", the fc2 SDK's composeStringToSign) or FC3's
// (ACS3-HMAC-SHA256, the Alibaba Cloud OpenAPI V3 signature the fc20230330 SDK sends).

#include <optional>

#include <QDateTime>
#include <QString>

#include "config/FunctionConfig.h"
#include "http/HttpMessage.h"

namespace Fcemu::Gateway {

// The AccessKey requests must be signed with; empty: signatures are not checked (default).
struct SigningKey
{
    QString accessKeyId;
    QString accessKeySecret;

    bool enabled() const { return !accessKeyId.isEmpty(); }
};

// A refused request: FC's status and code, and a message.
struct Refusal
{
    int status = 0;
    QString code;
    QString message;
};

// An HTTP trigger call whose method the trigger does not list: FC answers 403 with
// X-Fc-Error-Type FcCommonError (FC's "HTTP trigger FAQ": "the request uses a method the HTTP
// trigger is not configured with"), code AccessDenied (FC's 403 code for a request it does not
// allow).
std::optional<Refusal> checkTriggerMethod(const Http::HttpRequest &request,
                                          const Config::HttpTrigger &trigger);

// Verifies the signature of a request as FC would for the AccessKey `key`. `request` is the
// request as received (path still percent-encoded). FC2: 400 MissingRequiredHeader without
// Authorization or Date; 403 InvalidAccessKeyID for another key id; 403 SignatureNotMatch for
// a wrong signature or a Date more than 15 minutes from `now` (FC's message: "the difference
// between the request time ... and the current time ... is too large"). FC3 (ACS3): the same
// codes with InvalidAccessKeyId, its time in x-acs-date (else Date; 400 MissingRequiredHeader
// without either). The scheme is the one the Authorization header names, so an FC3-style
// trigger path may be signed either way.
std::optional<Refusal> checkSignature(const Http::HttpRequest &request, const SigningKey &key,
                                      bool fc2Path,
                                      const QDateTime &now = QDateTime::currentDateTimeUtc());

// Both checks for one routed request: an HTTP trigger call (httpTrigger) gets its method
// checked, and its signature when the trigger's authType is function; InvokeFunction and the
// management calls always need a signature. Nothing is checked about signatures while `key`
// is empty.
std::optional<Refusal> checkRequest(const Http::HttpRequest &request, bool httpTrigger,
                                    bool fc2Path, const Config::FunctionConfig &config,
                                    const SigningKey &key);

// The string an FC2 client signs (exposed for tests): METHOD, Content-MD5, Content-Type, Date,
// the x-fc-* headers (lower case, sorted, "name:value\n"), the path, and for /proxy/ paths the
// sorted "key=value" query lines.
QByteArray fc2StringToSign(const Http::HttpRequest &request, const QByteArray &decodedPath);

} // namespace Fcemu::Gateway
