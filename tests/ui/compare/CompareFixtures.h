#pragma once

// Two runs of one HTTP function as the engine records them: a cold call and a warm one, with
// the headers, log lines and fc2 billing each would have (tests/ui/compare).
#include <QTimeZone>

#include "billing/Billing.h"
#include "billing/PriceTable.h"
#include "telemetry/InvocationRecord.h"

namespace Fcemu::Test {

inline Telemetry::InvocationRecord compareCall(const QString &id, bool cold, double waitMs)
{
    Telemetry::InvocationRecord r;
    r.requestId = id;
    r.instanceId =
        cold ? u"c-6603951e-15f440b6-2df37e4bf046"_qs : u"c-6603951e-15f440b6-2df37e4bf999"_qs;
    r.kind = u"http"_qs;
    r.coldStart = cold;
    r.startedAt = QDateTime(QDate(2026, 3, 27), QTime(10, 11, cold ? 12 : 14), QTimeZone::utc());
    Telemetry::ClientRequest &client = r.client.emplace();
    client.method = u"GET"_qs;
    client.target = u"/api/items?page=1"_qs;
    client.headers = {{"Host", "127.0.0.1:8000"}, {"Accept", "*/*"}};
    if (!cold)
        client.headers.append({QByteArray("If-None-Match"), QByteArray("\"abc\"")});
    r.requestHeaders = client.headers;
    r.requestHeaders.append({QByteArray("x-fc-request-id"), id.toUtf8()});
    r.responseHeaders = {{"Content-Type", "application/json"},
                         {"X-Fc-Request-Id", id.toUtf8()},
                         {"Cache-Control", cold ? "no-cache" : "max-age=60"}};
    if (cold)
        r.responseHeaders.append({QByteArray("X-Powered-By"), QByteArray("Express")});
    r.body = R"({"ok":true})";
    r.logs = {u"FC Invoke Start RequestId: "_qs + id, u"served /api/items"_qs,
              u"FC Invoke End RequestId: "_qs + id};
    if (cold) {
        r.logs.insert(1, u"2026-03-27T10:11:12.100Z listening on 9000"_qs);
        r.logs.insert(2, u"connected to the database in 41 ms"_qs);
    } else {
        r.logs.insert(1, u"cache hit for page 1"_qs);
    }
    r.timings.sendMs = 0.1;
    r.timings.waitMs = waitMs;
    r.timings.receiveMs = 0.1;
    r.timings.invokeMs = waitMs + 0.2;
    if (cold) {
        r.timings.pullMs = 9.1;
        r.timings.unpackMs = 91.7;
        r.timings.sandboxMs = 50.9;
        r.timings.startupMs = 77.5;
    }
    r.timings.totalMs = r.timings.invokeMs + r.timings.pullMs + r.timings.unpackMs +
                        r.timings.sandboxMs + r.timings.startupMs;
    r.memorySizeMB = 512;
    r.maxUsedMB = cold ? 41.5 : 42.25;
    Billing::InvocationUsage usage;
    usage.memoryMB = 512;
    usage.durationMs = r.timings.invokeMs;
    usage.pullMs = r.timings.pullMs;
    usage.imageCached = !cold;
    r.billingUsage = usage;
    r.billing = Billing::charge(usage, r.billingOptions, Billing::PriceTable::builtIn());
    return r;
}

} // namespace Fcemu::Test
