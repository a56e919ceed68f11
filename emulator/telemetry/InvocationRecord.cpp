#include "InvocationRecord.h"

#include <cmath>

#include <QRandomGenerator>

namespace Fcemu::Telemetry {

namespace {

using ojson = nlohmann::ordered_json;

ojson headersJson(const HeaderList &headers)
{
    ojson out = ojson::object();
    // Through QString: bytes that are not UTF-8 (a Latin-1 header value) become U+FFFD, as JSON
    // must be UTF-8 (nlohmann's dump() throws on anything else).
    for (const auto &[name, value] : headers)
        out[QString::fromUtf8(name).toStdString()] = QString::fromUtf8(value).toStdString();
    return out;
}

bool isText(const QByteArray &body)
{
    // Valid UTF-8 without NUL bytes goes out as text; anything else as base64 (CONTRACT §1.2).
    if (body.contains('\0'))
        return false;
    const QString decoded = QString::fromUtf8(body);
    return decoded.toUtf8() == body;
}

QString idWithPrefix(char prefix)
{
    // One id per request: a per-thread generator seeded once from the system's entropy (asking
    // the system for every id cost a tenth of a warm request's time in the gateway).
    thread_local QRandomGenerator64 rng(QRandomGenerator::system()->generate64());
    const quint64 random = rng.generate64();
    const quint64 more = rng.generate64();
    // prefix-SSSSSSSS-RRRRRRRR-RRRRRRRRRRRR: the time in hex seconds, then 80 random bits.
    char16_t text[1 + 1 + 8 + 1 + 8 + 1 + 12];
    qsizetype at = 0;
    const auto hex = [&](quint64 value, int digits) {
        for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4)
            text[at++] = u"0123456789abcdef"[(value >> shift) & 0xf];
    };
    text[at++] = char16_t(prefix);
    text[at++] = u'-';
    hex(quint32(QDateTime::currentSecsSinceEpoch()), 8);
    text[at++] = u'-';
    hex(random >> 32, 8);
    text[at++] = u'-';
    hex(quint32(random) & 0xffff, 4);
    hex(quint32(more), 8);
    return QString(reinterpret_cast<const QChar *>(text), at);
}

double round2(double v)
{
    return std::round(v * 100.0) / 100.0;
}

} // namespace

QList<Billing::WorkingLine> InvocationRecord::billingWorking() const
{
    if (!billing.working.isEmpty() || billing.quantities.invocations == 0)
        return billing.working;
    Billing::BillingOptions options = billingOptions;
    options.withWorking = true;
    return Billing::charge(billingUsage, options, Billing::PriceTable::builtIn()).working;
}

QString newRequestId()
{
    return idWithPrefix('1');
}

QString newInstanceId()
{
    return idWithPrefix('c');
}

nlohmann::ordered_json InvocationRecord::toReport() const
{
    ojson j;
    j["requestId"] = requestId.toStdString();
    j["instanceId"] = instanceId.isEmpty() ? ojson(nullptr) : ojson(instanceId.toStdString());
    j["kind"] = kind.toStdString();
    j["coldStart"] = coldStart;
    j["statusCode"] = statusCode;
    j["responseHeaders"] = headersJson(responseHeaders);
    if (isText(body))
        j["body"] = body.toStdString();
    else
        j["bodyBase64"] = body.toBase64().toStdString();
    if (error)
        j["error"] = {{"code", error->code.toStdString()},
                      {"message", error->message.toStdString()}};
    else
        j["error"] = nullptr;
    j["requestHeaders"] = headersJson(requestHeaders);
    ojson logLines = ojson::array();
    for (const QString &line : logs)
        logLines.push_back(line.toStdString());
    j["logs"] = logLines;
    ojson phases = ojson::object();
    for (const PhaseField &phase : kPhases)
        if (phase.inReport)
            phases[std::string(phase.key)] = round2(timings.*phase.ms);
    phases["totalMs"] = round2(timings.totalMs);
    j["timings"] = std::move(phases);
    j["memory"] = {{"sizeMB", memorySizeMB}, {"maxUsedMB", round2(maxUsedMB)}};
    if (!memoryAccounting.isEmpty())
        j["memory"]["accounting"] = memoryAccounting.toStdString();
    // Built here rather than from Charge::toJson() to keep CONTRACT §1.2's field order.
    j["billing"] = {{"model", Billing::modelName(billing.model).toStdString()},
                    {"billedDurationMs", billing.billedDurationMs},
                    {"gbSeconds", billing.gbSeconds},
                    {"imagePullGbSeconds", billing.imagePullGbSeconds},
                    {"cu", billing.cu ? ojson(*billing.cu) : ojson(nullptr)},
                    {"cost", billing.cost.toDouble()},
                    {"currency", billing.cost.currency().toStdString()}};
    return j;
}

void InvocationRecord::appendLog(const QString &line, qint64 timestampMs)
{
    if (logTimesMs.size() != logs.size()) { // lines without times before: keep them as they are
        logs.append(line);
        return;
    }
    // Lines nearly always come in order: look back from the end.
    qsizetype at = logs.size();
    while (at > 0 && logTimesMs[at - 1] > timestampMs)
        --at;
    logs.insert(at, line);
    logTimesMs.insert(at, timestampMs);
}

QString InvocationRecord::summaryLine() const
{
    return Billing::summaryLine(timings.invokeMs, billing.billedDurationMs, memorySizeMB,
                                maxUsedMB);
}

} // namespace Fcemu::Telemetry
