#pragma once

// FC's error codes, the one home of the words (CONTRACT §4 and §5, fc-semantics §2.6 and §4):
// what the engine puts in InvocationRecord::error, the gateway in its FC-shaped replies, and
// what the command line and the desktop app read back. The GUI's explanations are keyed on
// these (ui/invoke/ErrorExplanations.cpp).

#include <QString>

namespace Fcemu::Telemetry::FcError {

// The function's own failures (X-Fc-Error-Type on the reply; FC bills them).
inline const QString UnhandledInvocation = u"UnhandledInvocationError"_qs;
inline const QString HandledInvocation = u"HandledInvocationError"_qs;
inline const QString FunctionUnhandled = u"FunctionUnhandledError"_qs;
inline const QString FunctionTimeout = u"FunctionTimeoutError"_qs;
inline const QString FunctionOOM = u"FunctionOOMError"_qs;
inline const QString Initialization = u"InitializationError"_qs;
// The server answered with something that is not HTTP.
inline const QString BadResponse = u"BadResponse"_qs;

// The instance never came up: the platform's failure (CONTRACT §1.1: exit 4).
inline const QString FunctionNotStarted = u"FunctionNotStarted"_qs;
inline const QString CAExited = u"CAExited"_qs;    // the process exited before its server answered
inline const QString Sandbox = u"SandboxError"_qs; // fcemu could not build the sandbox

// FC's front door.
inline const QString ResourceExhausted = u"ResourceExhausted"_qs;   // 429: no instance free
inline const QString ServiceUnavailable = u"ServiceUnavailable"_qs; // 503: fcemu is stopping
inline const QString InvalidArgument = u"InvalidArgument"_qs;
inline const QString EntityTooLarge = u"EntityTooLarge"_qs;
inline const QString MethodNotAllowed = u"MethodNotAllowed"_qs;
inline const QString PathNotSupported = u"PathNotSupported"_qs;
inline const QString ServiceNotFound = u"ServiceNotFound"_qs;
inline const QString FunctionNotFound = u"FunctionNotFound"_qs;
inline const QString VersionNotFound = u"VersionNotFound"_qs;
inline const QString AliasNotFound = u"AliasNotFound"_qs;

// The connection to the instance broke (Http::InstanceConnection's error kinds).
inline const QString ConnectionClosedBeforeResponse = u"ConnectionClosedBeforeResponse"_qs;
inline const QString ConnectionClosedMidResponse = u"ConnectionClosedMidResponse"_qs;

// A failure of the function's code or its limits (timeout excluded): what FC bills and
// reports with X-Fc-Error-Type, as opposed to the platform's own.
inline bool isFunctionError(const QString &code)
{
    return code == UnhandledInvocation || code == HandledInvocation || code == FunctionUnhandled ||
           code == FunctionOOM || code == Initialization;
}

// The instance could not be started (CONTRACT §1.1: `fcemu invoke` exits 4, not 1).
inline bool isStartupFailure(const QString &code)
{
    return code == FunctionNotStarted || code == CAExited;
}

} // namespace Fcemu::Telemetry::FcError
