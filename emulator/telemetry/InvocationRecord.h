#pragma once

#include <optional>

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QPair>
#include <QString>
#include <QMetaType>
#include <QStringList>

#include <nlohmann/json.hpp>

#include "billing/Billing.h"
#include "telemetry/Phases.h"

namespace Fcemu::Telemetry {

// Headers as they went over the wire: bytes (the same type as Http::HttpHeaders, so a
// record shares the request's and the reply's header lists instead of converting them).
using HeaderList = QList<QPair<QByteArray, QByteArray>>;

// The request as the client made it (the InvokeFunction call, the HTTP trigger request, or the
// desktop app's composer), before FC's headers were added: the Headers inspector shows it
// beside what the container received, and the HAR export's "request" is this.
struct ClientRequest
{
    QString method = u"POST"_qs;
    QString target; // path?query as sent
    HeaderList headers;
    QByteArray body;
    bool async = false; // X-Fc-Invocation-Type: Async
};

struct InvocationError
{
    QString code;    // "FunctionNotStarted", "FunctionTimeoutError", ...
    QString message; // FC's wording where FC has one
};

// Everything recorded for one invocation (CONTRACT §7).
struct InvocationRecord
{
    QString requestId;
    QString instanceId;
    QString kind = u"event"_qs; // "event" or "http"
    bool coldStart = true;
    QDateTime startedAt;
    qint64 startedNs = 0; // monotonicNs() when it was received, to line up waterfalls and lanes
    std::optional<ClientRequest> client;
    int statusCode = 200;
    HeaderList responseHeaders;
    QByteArray body;
    std::optional<InvocationError> error;
    HeaderList requestHeaders; // exactly what the container received
    QStringList logs;
    // When each line of logs was written (ms since the epoch), in step with logs; empty when
    // the source had no times (an imported HAR). appendLog() keeps both in time order.
    QList<qint64> logTimesMs;
    Timings timings;
    int memorySizeMB = 0;
    double maxUsedMB = 0;
    // How maxUsedMB was measured: "cgroup-v2", "cgroup-v1" or "polling" (sandbox/Cgroup.h);
    // empty when no instance ran.
    QString memoryAccounting;
    Billing::Charge billing;
    // What billing was computed from, at the built-in prices, to work it out again on demand.
    Billing::InvocationUsage billingUsage;
    Billing::BillingOptions billingOptions;

    // The billing's working lines (the Billing inspector's and the HAR's): billing.working when
    // it has them, else worked out again from billingUsage and billingOptions.
    QList<Billing::WorkingLine> billingWorking() const;

    // Adds a log line stamped timestampMs where its time puts it: after every line written at or
    // before it (lines of one millisecond keep their order). An instance's output is read in
    // chunks and can arrive after a line fcemu wrote later ("FC Invoke Start").
    void appendLog(const QString &line, qint64 timestampMs);

    // The invocation report of CONTRACT §1.2, field for field (a contract: scripts parse it).
    nlohmann::ordered_json toReport() const;
    // FC's summary line: "Duration: 117.33 ms, Billed Duration: 118 ms, Memory Size: ..."
    QString summaryLine() const;
};

// Ids in FC3's shapes: request "1-6603951e-157f3f32-7fe6f248d7d0" (the first group is the
// time in hex seconds), instance "c-6603951e-15f440b6-2df37e4bf046".
QString newRequestId();
QString newInstanceId();

} // namespace Fcemu::Telemetry
Q_DECLARE_METATYPE(Fcemu::Telemetry::InvocationRecord)
