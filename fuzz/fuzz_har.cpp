// The HAR writer's input records: every field a record carries comes from the fuzzer (header
// names and values, bodies and logs that are not UTF-8, odd targets and methods, timings that
// are NaN or negative), and the document is built and serialised as `fcemu ... --har` does.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>

#include "gateway/Har.h"

using namespace Fcemu;

namespace {

QByteArray bytes(FuzzedDataProvider &in, size_t max = 64)
{
    const std::string s = in.ConsumeRandomLengthString(max);
    return QByteArray(s.data(), qsizetype(s.size()));
}

QString text(FuzzedDataProvider &in)
{
    return QString::fromUtf8(bytes(in));
}

Telemetry::HeaderList headers(FuzzedDataProvider &in)
{
    Telemetry::HeaderList list;
    const int n = in.ConsumeIntegralInRange(0, 6);
    for (int i = 0; i < n; ++i)
        list.append({bytes(in, 24), bytes(in, 48)});
    return list;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzedDataProvider in(data, size);
    Gateway::HarOptions options;
    options.includeSecrets = in.ConsumeBool();
    options.baseUrl = text(in);
    options.serviceName = text(in);
    options.functionName = text(in);
    options.creatorVersion = text(in);
    QList<Telemetry::InvocationRecord> records;
    const int count = in.ConsumeIntegralInRange(0, 3);
    for (int i = 0; i < count; ++i) {
        Telemetry::InvocationRecord r;
        r.requestId = text(in);
        r.instanceId = text(in);
        r.kind = in.ConsumeBool() ? u"http"_qs : u"event"_qs;
        r.coldStart = in.ConsumeBool();
        r.startedAt = QDateTime::fromMSecsSinceEpoch(in.ConsumeIntegral<qint64>() >> 20);
        if (in.ConsumeBool()) {
            Telemetry::ClientRequest c;
            c.method = text(in);
            c.target = text(in);
            c.headers = headers(in);
            c.body = bytes(in, 256);
            c.async = in.ConsumeBool();
            r.client = c;
        }
        r.statusCode = in.ConsumeIntegral<int>();
        r.responseHeaders = headers(in);
        r.body = bytes(in, 256);
        if (in.ConsumeBool())
            r.error = Telemetry::InvocationError{text(in), text(in)};
        r.requestHeaders = headers(in);
        for (int l = in.ConsumeIntegralInRange(0, 3); l > 0; --l)
            r.logs.append(text(in));
        r.timings.totalMs = in.ConsumeFloatingPoint<double>();
        r.timings.sendMs = in.ConsumeFloatingPoint<double>();
        r.timings.waitMs = in.ConsumeFloatingPoint<double>();
        r.timings.receiveMs = in.ConsumeFloatingPoint<double>();
        r.timings.invokeMs = in.ConsumeFloatingPoint<double>();
        r.memorySizeMB = in.ConsumeIntegral<int>();
        r.maxUsedMB = in.ConsumeFloatingPoint<double>();
        records.append(r);
    }
    QList<const Telemetry::InvocationRecord *> pointers;
    for (const auto &r : records)
        pointers.append(&r);
    // dump() throws on text that is not UTF-8; the writer must never hand it any.
    const std::string out = Gateway::harDocument(pointers, options).dump(2);
    (void)out;
    return 0;
}
