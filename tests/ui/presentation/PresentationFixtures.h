#pragma once

// Calls of one function as the engine records them, for the cold-versus-warm card
// (tests/ui/presentation): phases in milliseconds, priced as runtime::closeRecord prices them.
#include <QTimeZone>

#include "billing/Billing.h"
#include "billing/PriceTable.h"
#include "runtime/InstanceSetup.h"
#include "telemetry/InvocationRecord.h"

namespace Fcemu::Test {

struct CallShape
{
    bool cold = false;
    double queueMs = 0;
    double pullMs = 0; // charged by fc2 (the image was not cached)
    double sandboxMs = 0;
    double startupMs = 0;
    double initializeMs = 0;
    double waitMs = 0; // with 0.5 ms send and 0.5 ms receive around it
    Billing::Model model = Billing::Model::Fc2;
};

inline Telemetry::InvocationRecord presentationCall(int n, const CallShape &shape)
{
    Telemetry::InvocationRecord r;
    r.requestId = QStringLiteral("1-6603951e-157f3f32-7fe6f248d%1").arg(n, 3, 10, QLatin1Char('0'));
    r.instanceId =
        QStringLiteral("c-6603951e-15f440b6-2df37e4bf%1").arg(n, 3, 10, QLatin1Char('0'));
    r.kind = u"event"_qs;
    r.coldStart = shape.cold;
    r.startedAt = QDateTime(QDate(2026, 12, 6), QTime(10, 0, n % 60), QTimeZone::utc());
    r.startedNs = Runtime::monotonicNs();
    Telemetry::Timings &t = r.timings;
    t.queueMs = shape.queueMs;
    t.pullMs = shape.pullMs;
    t.sandboxMs = shape.sandboxMs;
    t.startupMs = shape.startupMs;
    t.initializeMs = shape.initializeMs;
    t.sendMs = 0.5;
    t.waitMs = shape.waitMs;
    t.receiveMs = 0.5;
    t.invokeMs = t.sendMs + t.waitMs + t.receiveMs;
    t.totalMs = t.queueMs + t.pullMs + t.sandboxMs + t.startupMs + t.initializeMs + t.invokeMs;
    r.memorySizeMB = 128;
    r.maxUsedMB = 12.5;
    Billing::InvocationUsage usage;
    usage.memoryMB = 128;
    usage.durationMs = t.invokeMs;
    usage.pullMs = t.pullMs;
    usage.imageCached = t.pullMs == 0;
    r.billingOptions.model = shape.model;
    r.billingUsage = usage;
    r.billing = Billing::charge(usage, r.billingOptions, Billing::PriceTable::builtIn());
    return r;
}

// What FC answers a call beyond maxInstances: no instance, no phases but the queue.
inline Telemetry::InvocationRecord throttledCall(int n)
{
    Telemetry::InvocationRecord r;
    r.requestId = QStringLiteral("1-6603951e-157f3f32-7fe6f248d%1").arg(n, 3, 10, QLatin1Char('0'));
    r.coldStart = false;
    r.statusCode = 429;
    r.error = Telemetry::InvocationError{u"ResourceExhausted"_qs, u"Resource exhausted"_qs};
    r.timings.queueMs = 0.1;
    r.timings.totalMs = 0.1;
    return r;
}

} // namespace Fcemu::Test
