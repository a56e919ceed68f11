#pragma once

// What the tests that run the real sandbox share: the guard for hosts without user namespaces,
// and waiting for one invocation as `fcemu invoke` waits for it.

#include <QEventLoop>
#include <QTest>

#include "http/HttpMessage.h"
#include "runtime/FunctionInvoker.h"
#include "sandbox/Sandbox.h"
#include "telemetry/InvocationRecord.h"

namespace Fcemu::TestSupport {

// True when a sandbox test that cannot run must fail instead of skipping: the `ci` test preset
// and packaging/test.sh under CI set EMU_SANDBOX_MUST_WORK=1 (bubblewrap's BWRAP_MUST_WORK).
inline bool sandboxMustWork()
{
    return qEnvironmentVariable("EMU_SANDBOX_MUST_WORK") == QLatin1String("1");
}

// The invocation's record, once the invoker delivers it (runs the event loop meanwhile).
inline Telemetry::InvocationRecord invokeAndWait(Runtime::FunctionInvoker &invoker,
                                                 const Http::HttpRequest &request, bool http)
{
    Telemetry::InvocationRecord record;
    QEventLoop loop;
    invoker.submit(request, http, [&](const Telemetry::InvocationRecord &r) {
        record = r;
        loop.quit();
    });
    loop.exec();
    return record;
}

} // namespace Fcemu::TestSupport

// In a test slot (usually initTestCase): skips the test class when the kernel gives no user
// namespaces to this user, or fails it where the sandbox must work.
#define FCEMU_REQUIRE_SANDBOX()                                                                    \
    do {                                                                                           \
        if (const auto userns = ::Fcemu::Sandbox::checkUserNamespaces(); !userns) {                \
            if (::Fcemu::TestSupport::sandboxMustWork())                                           \
                QFAIL(qPrintable(userns.error().message));                                         \
            QSKIP(qPrintable(userns.error().message));                                             \
        }                                                                                          \
    } while (false)
