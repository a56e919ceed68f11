#include "ErrorExplanations.h"
#include "telemetry/FcErrors.h"

#include <QCoreApplication>

namespace Fcemu::Ui {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("Fcemu::Ui::ErrorExplanations", text);
}

} // namespace

std::optional<ErrorExplanation> explainError(const QString &code)
{
    if (code == Telemetry::FcError::FunctionNotStarted)
        return ErrorExplanation{
            tr("The container started, but nothing answered HTTP on the CA port before the "
               "startup timeout ran out, so FC gave up on the instance."),
            tr("Make the server listen on 0.0.0.0 (not 127.0.0.1 or localhost) and on the port "
               "set as Port (CAPort); if it is just slow to start, raise the startup timeout.")};
    if (code == Telemetry::FcError::CAExited)
        return ErrorExplanation{
            tr("The container's process exited before its server answered on the CA port."),
            tr("Read the logs for the crash; check the command and args, and that the image "
               "runs on linux/amd64 with the environment it is given.")};
    if (code == Telemetry::FcError::FunctionTimeout)
        return ErrorExplanation{
            tr("The request ran longer than the function's timeout; FC cut it off and billed "
               "the whole timeout."),
            tr("Raise Timeout in the settings, or make the handler faster (stream or split "
               "long work; use an asynchronous invocation for jobs).")};
    if (code == Telemetry::FcError::UnhandledInvocation)
        return ErrorExplanation{
            tr("The function failed while handling the request: its process crashed or exited "
               "mid-request, or (as a job) it exited with a non-zero status."),
            tr("Read the logs of this request for the stack trace or exit status, and fix the "
               "handler.")};
    if (code == Telemetry::FcError::FunctionOOM)
        return ErrorExplanation{
            tr("The instance used more memory than its memory size and was killed."),
            tr("Raise Memory in the settings (compare with the peak in the summary), or use "
               "less memory per request; with instance concurrency above 1, requests share it.")};
    if (code == Telemetry::FcError::ResourceExhausted)
        return ErrorExplanation{
            tr("HTTP 429: every instance was busy and the function is at its maximum number "
               "of instances, so FC refused the request instead of queueing it."),
            tr("Raise Max instances or Instance concurrency, or send fewer requests at once "
               "(lower the concurrency of Send ×N).")};
    if (code == Telemetry::FcError::Initialization)
        return ErrorExplanation{
            tr("POST /initialize failed or timed out, so the instance never took the request."),
            tr("Read the logs of the initializer; make /initialize answer 200 within the "
               "initializer timeout, or raise that timeout.")};
    if (code == Telemetry::FcError::BadResponse)
        return ErrorExplanation{
            tr("The server answered with something that is not a valid HTTP response."),
            tr("Answer with a well-formed HTTP/1.1 response (status line, headers, a "
               "Content-Length or chunked body).")};
    if (code == Telemetry::FcError::ConnectionClosedBeforeResponse ||
        code == Telemetry::FcError::ConnectionClosedMidResponse)
        return ErrorExplanation{
            tr("The server closed the connection before its response was complete."),
            tr("Check the logs for a crash, and keep connections open until the whole "
               "response is written.")};
    if (code == Telemetry::FcError::InvalidArgument)
        return ErrorExplanation{
            tr("FC refused the request itself (a malformed request or a setting the function "
               "cannot run with); the function was not called."),
            tr("Read FC's message for the argument it refused and correct the request or the "
               "settings.")};
    if (code == Telemetry::FcError::EntityTooLarge)
        return ErrorExplanation{
            tr("The request is larger than FC accepts (32 MB for a synchronous call, 128 KB "
               "for an asynchronous one)."),
            tr("Send a smaller body, or upload the data to OSS and pass its key instead.")};
    if (code == Telemetry::FcError::Sandbox)
        return ErrorExplanation{
            tr("fcemu could not start the sandbox for the instance; this is a local problem, "
               "not one FC would have."),
            tr("Read the message: usually unprivileged user namespaces are disabled "
               "(kernel.apparmor_restrict_unprivileged_userns or "
               "kernel.unprivileged_userns_clone).")};
    return std::nullopt;
}

} // namespace Fcemu::Ui
