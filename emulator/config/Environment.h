#pragma once

#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include "common/Error.h"
#include "config/FunctionConfig.h"

namespace Fcemu::Config {

// The credentials FC hands a function (environment variables and x-fc-* headers). Taken
// from the user's own environment when set there, so that SDK calls from inside the
// function work locally; otherwise placeholders that are obviously not real keys.
struct Credentials
{
    QString accessKeyId;
    QString accessKeySecret;
    QString securityToken;
    QString accountId;
};

inline constexpr auto kPlaceholderAccessKeyId = u"FCEMU-PLACEHOLDER-ACCESS-KEY-ID";
inline constexpr auto kPlaceholderAccessKeySecret = u"FCEMU-PLACEHOLDER-ACCESS-KEY-SECRET";
inline constexpr auto kPlaceholderSecurityToken = u"FCEMU-PLACEHOLDER-SECURITY-TOKEN";
// Account IDs are 16 digits; this one is not anybody's.
inline constexpr auto kPlaceholderAccountId = u"1234567890123456";

// ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET, ALIBABA_CLOUD_SECURITY_TOKEN
// and ALIBABA_CLOUD_ACCOUNT_ID from `host`. When the host has a real key ID but no token
// (a long-term AccessKey), the token is left empty: a fake token next to a real key would
// make every SDK call fail.
Credentials hostCredentials(const QProcessEnvironment &host);

// The container's environment as "KEY=VALUE" entries (CONTRACT §3): the image's Env first,
// then FC's system variables (FC_FUNCTION_NAME, FC_FUNCTION_MEMORY_SIZE,
// FC_FUNCTION_HANDLER, FC_REGION, FC_ACCOUNT_ID, FC_INSTANCE_ID, FC_CUSTOM_LISTEN_PORT,
// FC_SERVICE_NAME, ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET/_SECURITY_TOKEN), then the
// function's variables. A later entry overrides an earlier one with the same key: the key
// keeps its first position and takes the later value, so there is one entry per key.
// User variables starting with FC_ are skipped here (validate() reports them).
QStringList buildEnvironment(const FunctionConfig &config, const QStringList &imageEnv,
                             const QString &instanceId, const QProcessEnvironment &host);

// The argv of the container's first process, as `docker run` builds it (CONTRACT §3):
// `command` (FC2; FC3 entrypoint) replaces the image Entrypoint and drops the image Cmd;
// `args` (FC2; FC3 command) replaces the Cmd; with neither, Entrypoint + Cmd. An empty
// result is a Usage error.
Result<QStringList> buildCommand(const FunctionConfig &config, const QStringList &imageEntrypoint,
                                 const QStringList &imageCmd);

} // namespace Fcemu::Config
